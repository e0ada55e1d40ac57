#include "runtime/spec.h"

#include <sys/mount.h>
#include <sys/personality.h>
#include <unistd.h>

#include <algorithm>

#include "common/error.h"
#include "common/fs_util.h"
#include "runtime/namespaces.h"

namespace mini::runtime {

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& field, const std::string& why) {
  throw Error("config.json: " + field + " " + why);
}

std::vector<std::string> strings(const json& object, const char* key, const std::string& field) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_array()) bad(field + "." + key, "must be an array of strings");
  std::vector<std::string> out;
  for (const auto& item : *it) {
    if (!item.is_string()) bad(field + "." + key, "must be an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

template <typename T>
T number(const json& object, const char* key, const std::string& field, T fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() < 0) bad(field + "." + key, "must be a non-negative integer");
  return it->get<T>();
}

std::string string(const json& object, const char* key, const std::string& field, std::string fallback = {}) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_string()) bad(field + "." + key, "must be a string");
  return it->get<std::string>();
}

const json& object_at(const json& parent, const char* key, const std::string& field) {
  static const json empty = json::object();
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return empty;
  if (!it->is_object()) bad(field + "." + key, "must be an object");
  return *it;
}

// Every string reaches the kernel as a C string, where a NUL would end it
// early: "/data\0/../etc" is not the path it claims to be.
void refuse_nul_strings(const json& value, const std::string& field, int depth = 0) {
  if (depth > 64) bad(field, "is nested too deeply");
  if (value.is_string()) {
    if (value.get_ref<const std::string&>().find('\0') != std::string::npos) bad(field, "contains a NUL byte");
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) refuse_nul_strings(value[i], field + "[" + std::to_string(i) + "]", depth + 1);
  } else if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      if (key.find('\0') != std::string::npos) bad(field.empty() ? "a key" : field + " key", "contains a NUL byte");
      refuse_nul_strings(item, field.empty() ? key : field + "." + key, depth + 1);
    }
  }
}

// An LSM label mini would have to apply: refused by name where the kernel
// has no such LSM, since a profile silently not applied is confinement lost.
bool apparmor_enabled() {
  try {
    return fsutil::read_file("/sys/module/apparmor/parameters/enabled", 64).rfind("Y", 0) == 0;
  } catch (const Error&) {
    return false;
  }
}
bool selinux_enabled() { return ::access("/sys/fs/selinux/enforce", F_OK) == 0; }

void refuse_lsm_labels(const json& process) {
  if (auto it = process.find("apparmorProfile"); it != process.end() && it->is_string() && !it->get<std::string>().empty()) {
    if (!apparmor_enabled())
      bad("process.apparmorProfile \"" + it->get<std::string>() + "\"",
          "asks for AppArmor, which this kernel does not have enabled; remove it or enable AppArmor");
    bad("process.apparmorProfile", "is not applied by this runtime yet; remove it");
  }
  if (auto it = process.find("selinuxLabel"); it != process.end() && it->is_string() && !it->get<std::string>().empty()) {
    if (!selinux_enabled())
      bad("process.selinuxLabel", "asks for SELinux, which this kernel does not have enabled; remove it or enable SELinux");
    bad("process.selinuxLabel", "is not applied by this runtime yet; remove it");
  }
}

std::vector<Hook> parse_hook_list(const json& hooks, const char* key) {
  std::vector<Hook> out;
  auto it = hooks.find(key);
  if (it == hooks.end() || it->is_null()) return out;
  std::string field = std::string("hooks.") + key;
  if (!it->is_array()) bad(field, "must be an array");
  for (const auto& h : *it) {
    if (!h.is_object()) bad(field, "entries must be objects");
    Hook hook;
    hook.path = string(h, "path", field + "[]");
    if (hook.path.empty() || hook.path.front() != '/') bad(field + "[].path \"" + hook.path + "\"", "must be an absolute path");
    hook.args = strings(h, "args", field + "[]");
    hook.env = strings(h, "env", field + "[]");
    if (auto t = h.find("timeout"); t != h.end() && !t->is_null()) {
      if (!t->is_number_integer() || t->get<int64_t>() <= 0) bad(field + "[].timeout", "must be a positive integer");
      hook.timeout = t->get<int>();
    }
    out.push_back(std::move(hook));
  }
  return out;
}

Hooks parse_hooks(const json& doc) {
  const json& h = object_at(doc, "hooks", "");
  Hooks hooks;
  hooks.prestart = parse_hook_list(h, "prestart");
  hooks.create_runtime = parse_hook_list(h, "createRuntime");
  hooks.create_container = parse_hook_list(h, "createContainer");
  hooks.start_container = parse_hook_list(h, "startContainer");
  hooks.poststart = parse_hook_list(h, "poststart");
  hooks.poststop = parse_hook_list(h, "poststop");
  return hooks;
}

unsigned long parse_propagation(const std::string& value) {
  static const std::map<std::string, unsigned long> flags = {
      {"shared", MS_SHARED},           {"rshared", MS_SHARED | MS_REC},         {"slave", MS_SLAVE},
      {"rslave", MS_SLAVE | MS_REC},   {"private", MS_PRIVATE},                 {"rprivate", MS_PRIVATE | MS_REC},
      {"unbindable", MS_UNBINDABLE},   {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  auto it = flags.find(value);
  if (it == flags.end())
    bad("linux.rootfsPropagation \"" + value + "\"", "must be shared, slave, private or unbindable (or r-)");
  return it->second;
}

Process parse_process(const json& doc) {
  const json& p = object_at(doc, "process", "");
  if (p.empty()) bad("process", "is required");
  Process process;
  if (auto it = p.find("terminal"); it != p.end() && !it->is_null()) {
    if (!it->is_boolean()) bad("process.terminal", "must be a boolean");
    process.terminal = it->get<bool>();
  }
  process.args = strings(p, "args", "process");
  if (process.args.empty()) bad("process.args", "must name the command to run");
  process.env = strings(p, "env", "process");
  process.cwd = string(p, "cwd", "process", "/");
  if (process.cwd.empty() || process.cwd.front() != '/') bad("process.cwd", "must be an absolute path");
  // /proc/self/fd/N as the cwd is how CVE-2024-21626 reached the host.
  if (process.cwd == "/proc" || process.cwd.rfind("/proc/", 0) == 0)
    bad("process.cwd " + process.cwd, "is under /proc, which could lead outside the container; choose another directory");
  const json& user = object_at(p, "user", "process");
  // runc's range: (uid_t)-1 tells setresuid to change nothing, which would
  // leave the process root.
  constexpr int64_t kMaxId = 2147483647;
  for (const char* key : {"uid", "gid"})
    if (number<int64_t>(user, key, "process.user", 0) > kMaxId)
      bad(std::string("process.user.") + key, "must be in range 0-2147483647");
  process.uid = number<uid_t>(user, "uid", "process.user", 0);
  process.gid = number<gid_t>(user, "gid", "process.user", 0);
  if (auto it = user.find("additionalGids"); it != user.end() && !it->is_null()) {
    if (!it->is_array()) bad("process.user.additionalGids", "must be an array of integers");
    for (const auto& gid : *it) {
      if (!gid.is_number_integer() || gid.get<int64_t>() < 0 || gid.get<int64_t>() > kMaxId)
        bad("process.user.additionalGids", "must be integers in range 0-2147483647");
      process.additional_gids.push_back(gid.get<gid_t>());
    }
  }
  if (auto it = p.find("capabilities"); it != p.end() && !it->is_null()) {
    if (!it->is_object()) bad("process.capabilities", "must be an object");
    Capabilities caps;
    caps.bounding = strings(*it, "bounding", "process.capabilities");
    caps.effective = strings(*it, "effective", "process.capabilities");
    caps.permitted = strings(*it, "permitted", "process.capabilities");
    caps.inheritable = strings(*it, "inheritable", "process.capabilities");
    caps.ambient = strings(*it, "ambient", "process.capabilities");
    process.capabilities = std::move(caps);
  }
  if (auto it = p.find("rlimits"); it != p.end() && !it->is_null()) {
    if (!it->is_array()) bad("process.rlimits", "must be an array");
    for (const auto& r : *it) {
      if (!r.is_object()) bad("process.rlimits", "entries must be objects");
      Rlimit limit{string(r, "type", "process.rlimits[]"), number<uint64_t>(r, "soft", "process.rlimits[]", 0),
                   number<uint64_t>(r, "hard", "process.rlimits[]", 0)};
      if (limit.type.rfind("RLIMIT_", 0) != 0) bad("process.rlimits[].type", "must be an RLIMIT_ name");
      if (limit.soft > limit.hard) bad("process.rlimits " + limit.type, "soft limit exceeds the hard limit");
      process.rlimits.push_back(limit);
    }
  }
  if (auto it = p.find("noNewPrivileges"); it != p.end() && !it->is_null()) {
    if (!it->is_boolean()) bad("process.noNewPrivileges", "must be a boolean");
    process.no_new_privileges = it->get<bool>();
  }
  if (auto it = p.find("oomScoreAdj"); it != p.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < -1000 || it->get<int64_t>() > 1000)
      bad("process.oomScoreAdj", "must be an integer in range -1000-1000");
    process.oom_score_adj = it->get<int>();
  }
  if (auto it = user.find("umask"); it != user.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 0777)
      bad("process.user.umask", "must be an integer in range 0-0777");
    process.umask = it->get<mode_t>();
  }
  refuse_lsm_labels(p);
  for (const char* key : {"scheduler", "ioPriority", "execCPUAffinity"})
    if (auto it = p.find(key); it != p.end() && !it->is_null())
      bad(std::string("process.") + key, "is not supported by this runtime; remove it");
  return process;
}

std::vector<IdMapping> parse_mappings(const json& linux, const char* key) {
  std::vector<IdMapping> out;
  auto it = linux.find(key);
  if (it == linux.end() || it->is_null()) return out;
  if (!it->is_array()) bad(std::string("linux.") + key, "must be an array");
  for (const auto& m : *it) {
    std::string field = std::string("linux.") + key + "[]";
    out.push_back({number<uint32_t>(m, "containerID", field, 0), number<uint32_t>(m, "hostID", field, 0),
                   number<uint32_t>(m, "size", field, 0)});
    if (out.back().size == 0) bad(field + ".size", "must be positive");
  }
  return out;
}


}  // namespace

bool Spec::has_namespace(const std::string& type) const {
  return std::any_of(namespaces.begin(), namespaces.end(), [&](const Namespace& ns) { return ns.type == type; });
}

Spec parse_spec(const json& doc) {
  if (!doc.is_object()) bad("document", "must be a JSON object");
  refuse_nul_strings(doc, "");
  Spec spec;
  spec.oci_version = string(doc, "ociVersion", "");
  if (spec.oci_version.empty()) bad("ociVersion", "is required");
  if (spec.oci_version.rfind("1.", 0) != 0) bad("ociVersion " + spec.oci_version, "is not a 1.x runtime-spec version");
  const json& root = object_at(doc, "root", "");
  spec.root_path = string(root, "path", "root");
  if (spec.root_path.empty()) bad("root.path", "is required");
  if (auto it = root.find("readonly"); it != root.end() && it->is_boolean()) spec.root_readonly = it->get<bool>();
  spec.hostname = string(doc, "hostname", "");
  spec.domainname = string(doc, "domainname", "");
  spec.process = parse_process(doc);

  if (auto it = doc.find("mounts"); it != doc.end() && !it->is_null()) {
    if (!it->is_array()) bad("mounts", "must be an array");
    for (const auto& m : *it) {
      if (!m.is_object()) bad("mounts[]", "entries must be objects");
      Mount mount{string(m, "destination", "mounts[]"), string(m, "type", "mounts[]"), string(m, "source", "mounts[]"),
                  strings(m, "options", "mounts[]")};
      if (mount.destination.empty() || mount.destination.front() != '/')
        bad("mounts[].destination \"" + mount.destination + "\"", "must be an absolute path");
      bool is_bind = std::find(mount.options.begin(), mount.options.end(), "bind") != mount.options.end() ||
                     std::find(mount.options.begin(), mount.options.end(), "rbind") != mount.options.end();
      if (mount.type.empty()) mount.type = is_bind ? "bind" : "";
      if (mount.type.empty()) bad("mounts[" + mount.destination + "].type", "is required for non-bind mounts");
      spec.mounts.push_back(std::move(mount));
    }
  }

  const json& linux = object_at(doc, "linux", "");
  if (auto it = linux.find("namespaces"); it != linux.end() && !it->is_null()) {
    if (!it->is_array()) bad("linux.namespaces", "must be an array");
    for (const auto& ns : *it) {
      Namespace entry{string(ns, "type", "linux.namespaces[]"), string(ns, "path", "linux.namespaces[]")};
      if (!namespace_kind(entry.type))
        bad("linux.namespaces[].type \"" + entry.type + "\"", "is not a namespace mini knows");
      if (spec.has_namespace(entry.type)) bad("linux.namespaces", "lists \"" + entry.type + "\" twice");
      spec.namespaces.push_back(std::move(entry));
    }
  }
  if (auto it = linux.find("devices"); it != linux.end() && !it->is_null()) {
    if (!it->is_array()) bad("linux.devices", "must be an array");
    for (const auto& d : *it) {
      Device device;
      device.path = string(d, "path", "linux.devices[]");
      if (device.path.empty() || device.path.front() != '/' || device.path.find("/../") != std::string::npos)
        bad("linux.devices[].path \"" + device.path + "\"", "must be an absolute path");
      std::string type = string(d, "type", "linux.devices[]");
      if (type != "c" && type != "b" && type != "u" && type != "p")
        bad("linux.devices[].type \"" + type + "\"", "must be c, b, u or p");
      device.type = type[0];
      device.major = number<int64_t>(d, "major", "linux.devices[]", 0);
      device.minor = number<int64_t>(d, "minor", "linux.devices[]", 0);
      device.file_mode = number<uint32_t>(d, "fileMode", "linux.devices[]", 0666);
      device.uid = number<uint32_t>(d, "uid", "linux.devices[]", 0);
      device.gid = number<uint32_t>(d, "gid", "linux.devices[]", 0);
      spec.devices.push_back(device);
    }
  }
  spec.uid_mappings = parse_mappings(linux, "uidMappings");
  spec.gid_mappings = parse_mappings(linux, "gidMappings");
  if (!spec.uid_mappings.empty() && !spec.has_namespace("user"))
    bad("linux.uidMappings", "needs a \"user\" namespace");
  spec.masked_paths = strings(linux, "maskedPaths", "linux");
  spec.readonly_paths = strings(linux, "readonlyPaths", "linux");
  for (const auto* list : {&spec.masked_paths, &spec.readonly_paths})
    for (const auto& path : *list)
      if (path.empty() || path.front() != '/')
        bad(std::string(list == &spec.masked_paths ? "linux.maskedPaths" : "linux.readonlyPaths") + " \"" + path + "\"",
            "must be an absolute path");
  spec.cgroups_path = string(linux, "cgroupsPath", "linux");
  if (auto it = linux.find("resources"); it != linux.end() && !it->is_null()) spec.resources = *it;
  if (auto it = linux.find("seccomp"); it != linux.end() && !it->is_null()) spec.seccomp = *it;
  spec.hooks = parse_hooks(doc);
  if (auto it = linux.find("sysctl"); it != linux.end() && !it->is_null()) {
    if (!it->is_object()) bad("linux.sysctl", "must be an object of strings");
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) bad("linux.sysctl." + key, "must be a string");
      // Each name becomes a path under /proc/sys: nothing may climb out of it.
      if (key.empty() || key.find("..") != std::string::npos || key.front() == '/' || key.front() == '.')
        bad("linux.sysctl \"" + key + "\"", "is not a sysctl name");
      spec.sysctl[key] = value.get<std::string>();
    }
  }
  if (auto value = string(linux, "rootfsPropagation", "linux"); !value.empty())
    spec.rootfs_propagation = parse_propagation(value);
  if (auto it = linux.find("personality"); it != linux.end() && !it->is_null()) {
    std::string domain = string(*it, "domain", "linux.personality");
    if (domain != "LINUX" && domain != "LINUX32")
      bad("linux.personality.domain \"" + domain + "\"", "must be LINUX or LINUX32");
    if (!strings(*it, "flags", "linux.personality").empty())
      bad("linux.personality.flags", "are not supported by this runtime; remove them");
    spec.personality = Personality{domain == "LINUX32" ? static_cast<unsigned long>(PER_LINUX32) : static_cast<unsigned long>(PER_LINUX)};
  }
  if (auto it = linux.find("timeOffsets"); it != linux.end() && !it->is_null()) {
    if (!spec.has_namespace("time")) bad("linux.timeOffsets", "needs a \"time\" namespace in linux.namespaces");
    for (const auto& [key, value] : it->items()) {
      std::pair<int64_t, int64_t> offset{0, 0};
      if (auto s = value.find("secs"); s != value.end() && s->is_number_integer()) offset.first = s->get<int64_t>();
      if (auto n = value.find("nanosecs"); n != value.end() && n->is_number_integer()) offset.second = n->get<int64_t>();
      if (key == "monotonic") spec.monotonic_offset = offset;
      else if (key == "boottime") spec.boottime_offset = offset;
      else bad("linux.timeOffsets." + key, "is not a clock a time namespace offsets; use monotonic or boottime");
    }
  }
  if (auto label = string(linux, "mountLabel", "linux"); !label.empty()) {
    if (!selinux_enabled())
      bad("linux.mountLabel", "asks for SELinux, which this kernel does not have enabled; remove it or enable SELinux");
    bad("linux.mountLabel", "is not applied by this runtime yet; remove it");
  }
  for (const char* key : {"intelRdt", "memoryPolicy", "netDevices"})
    if (auto it = linux.find(key); it != linux.end() && !it->is_null())
      bad(std::string("linux.") + key, "is not supported by this runtime; remove it");
  spec.document = doc;
  if (auto it = doc.find("annotations"); it != doc.end() && it->is_object()) {
    for (const auto& [key, value] : it->items())
      if (value.is_string()) spec.annotations[key] = value.get<std::string>();
  }
  return spec;
}

Process parse_process_object(const json& process) {
  if (!process.is_object()) bad("process", "must be a JSON object");
  refuse_nul_strings(process, "process");
  return parse_process(json{{"process", process}});
}

Spec load_spec(const std::filesystem::path& config_json) {
  std::string text = fsutil::read_file(config_json, 16 << 20);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(config_json.string() + " is not valid JSON: " + e.what());
  }
  return parse_spec(doc);
}

}  // namespace mini::runtime
