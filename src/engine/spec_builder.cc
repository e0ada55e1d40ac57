#include "engine/spec_builder.h"

#include <algorithm>

#include "engine/seccomp_profile.h"
#include "common/error.h"

namespace mini::engine {

namespace {

using nlohmann::json;

// The config was type-checked when the image was loaded
// (store::validate_image_config); a lone string is a one-element list, as
// Docker's strslice reads it.
std::vector<std::string> string_list(const json& config, const char* key) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return {};
  if (it->is_string()) return {it->get<std::string>()};
  return it->get<std::vector<std::string>>();
}

const json& container_config(const json& image_config) {
  static const json empty = json::object();
  auto it = image_config.find("config");
  return it != image_config.end() && it->is_object() ? *it : empty;
}

std::string env_key(const std::string& entry) { return entry.substr(0, entry.find('=')); }

// Later entries replace earlier ones with the same key, keeping first position.
void set_env(std::vector<std::string>& env, const std::string& entry) {
  std::string key = env_key(entry);
  auto same_key = [&](const std::string& e) { return env_key(e) == key; };
  if (auto it = std::find_if(env.begin(), env.end(), same_key); it != env.end())
    *it = entry;
  else
    env.push_back(entry);
}

bool has_env(const std::vector<std::string>& env, const std::string& key) {
  return std::any_of(env.begin(), env.end(), [&](const std::string& e) { return env_key(e) == key; });
}

void add_user_env(std::vector<std::string>& env, const std::vector<std::string>& entries,
                  const SpecInputs& in) {
  for (const auto& entry : entries) {
    if (entry.empty()) continue;
    if (entry.find('=') != std::string::npos) {
      set_env(env, entry);
    } else if (in.host_env) {
      if (auto value = in.host_env(entry)) set_env(env, entry + "=" + *value);
    }
  }
}

json mount(const std::string& destination, const std::string& type, const std::string& source,
           std::vector<std::string> options) {
  return json{{"destination", destination}, {"type", type}, {"source", source}, {"options", std::move(options)}};
}

json standard_mounts(const SpecInputs& in) {
  json mounts = json::array();
  mounts.push_back(mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}));
  mounts.push_back(mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}));
  std::vector<std::string> devpts = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"};
  if (!in.single_id) devpts.push_back("gid=5");
  mounts.push_back(mount("/dev/pts", "devpts", "devpts", devpts));
  mounts.push_back(mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}));
  mounts.push_back(mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}));
  // Docker leaves /sys writable only for --privileged.
  std::string sys_mode = in.flags.isolation.privileged ? "rw" : "ro";
  if (in.rootless && in.host_network)
    mounts.push_back(mount("/sys", "bind", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}));
  else
    mounts.push_back(mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", sys_mode}));
  if (in.rootless)
    mounts.push_back(mount("/sys/fs/cgroup", "bind", "/sys/fs/cgroup", {"rbind", "nosuid", "noexec", "nodev", "ro"}));
  else
    mounts.push_back(mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", sys_mode}));
  if (!in.etc_resolv_conf.empty())
    mounts.push_back(mount("/etc/resolv.conf", "bind", in.etc_resolv_conf, {"rbind", "rprivate"}));
  if (!in.etc_hostname.empty())
    mounts.push_back(mount("/etc/hostname", "bind", in.etc_hostname, {"rbind", "rprivate"}));
  if (!in.etc_hosts.empty()) mounts.push_back(mount("/etc/hosts", "bind", in.etc_hosts, {"rbind", "rprivate"}));
  for (const auto& user_mount : in.user_mounts) mounts.push_back(user_mount);
  if (!in.init_binary.empty())
    mounts.push_back(mount(kInitPathInContainer, "bind", in.init_binary, {"bind", "ro", "nosuid", "nodev"}));
  return mounts;
}

// Docker's default device cgroup: nothing but mknod anywhere and the
// standard nodes, plus what --device adds; --privileged allows everything.
json device_rules(bool privileged, const std::vector<DeviceFlag>& devices) {
  auto rule = [](bool allow, const char* type, int64_t major, int64_t minor, const std::string& access) {
    json r = {{"allow", allow}, {"type", type}, {"access", access}};
    if (major >= 0) r["major"] = major;
    if (minor >= 0) r["minor"] = minor;
    return r;
  };
  if (privileged) return json::array({rule(true, "a", -1, -1, "rwm")});
  json rules = json::array({rule(false, "a", -1, -1, "rwm"), rule(true, "c", -1, -1, "m"), rule(true, "b", -1, -1, "m")});
  for (auto [major, minor] : std::vector<std::pair<int, int>>{{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}})
    rules.push_back(rule(true, "c", major, minor, "rwm"));
  rules.push_back(rule(true, "c", 136, -1, "rwm"));  // /dev/pts/*
  for (const auto& d : devices) rules.push_back(rule(true, std::string(1, d.type).c_str(), d.major, d.minor, d.permissions));
  return rules;
}

}  // namespace

std::string default_hostname(const std::string& container_id) { return container_id.substr(0, 12); }

std::vector<std::string> resolve_args(const json& image_config, const RunFlags& flags) {
  const json& config = container_config(image_config);
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd = string_list(config, "Cmd");
  if (flags.entrypoint) {
    // Docker: an overridden entrypoint drops the image's Cmd as well.
    if (!flags.entrypoint->empty()) entrypoint = {*flags.entrypoint};
    cmd.clear();
  } else {
    entrypoint = string_list(config, "Entrypoint");
  }
  if (!flags.command.empty()) cmd = flags.command;
  entrypoint.insert(entrypoint.end(), cmd.begin(), cmd.end());
  return entrypoint;
}

std::vector<std::string> resolve_env(const SpecInputs& in, const std::string& hostname) {
  std::vector<std::string> env;
  for (const auto& entry : string_list(container_config(in.image_config), "Env")) set_env(env, entry);
  if (!has_env(env, "PATH")) env.insert(env.begin(), kDefaultPath);
  set_env(env, "HOSTNAME=" + hostname);
  add_user_env(env, in.flags.env_file, in);
  add_user_env(env, in.flags.env, in);
  if (in.flags.tty && !has_env(env, "TERM")) env.push_back("TERM=xterm");
  if (!has_env(env, "HOME")) env.push_back("HOME=" + in.user.home);
  return env;
}

json build_spec(const SpecInputs& in) {
  const json& config = container_config(in.image_config);
  std::vector<std::string> args = resolve_args(in.image_config, in.flags);
  if (args.empty())
    throw Error("no command specified: the image has no CMD or ENTRYPOINT; give one after the image name");
  if (!in.init_binary.empty()) args.insert(args.begin(), {kInitPathInContainer, "--"});

  std::string cwd = in.flags.workdir.value_or(config.value("WorkingDir", std::string()));
  // Built with append, not assignment from a literal: GCC 12 warns falsely (-Wrestrict) about the latter here.
  if (cwd.empty()) cwd.push_back('/');
  if (cwd.front() != '/') throw Error("the working directory \"" + cwd + "\" is invalid; it needs to be an absolute path");

  std::string hostname = in.flags.hostname.value_or(
      in.host_network && !in.host_hostname.empty() ? in.host_hostname : default_hostname(in.container_id));
  const IsolationFlags& isolation = in.flags.isolation;
  SecurityOptions security = parse_security_opts(isolation.security_opt);
  std::vector<std::string> caps = capabilities_from_flags(isolation, default_capabilities());
  if (!in.host_capabilities.empty()) {
    // A capability mini lacks cannot be passed on (a runtime inside a container often lacks some).
    std::erase_if(caps, [&](const std::string& cap) {
      return std::find(in.host_capabilities.begin(), in.host_capabilities.end(), cap) == in.host_capabilities.end();
    });
  }
  json process = {
      {"terminal", in.flags.tty},
      {"user", {{"uid", in.user.uid}, {"gid", in.user.gid}}},
      {"args", args},
      {"env", resolve_env(in, hostname)},
      {"cwd", cwd},
      {"capabilities",
       {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"inheritable", json::array()}}},
      {"noNewPrivileges", security.no_new_privileges},
  };
  if (!isolation.ulimits.empty()) process["rlimits"] = rlimits_from_flags(isolation.ulimits);
  if (!in.user.additional_gids.empty()) process["user"]["additionalGids"] = in.user.additional_gids;

  json namespaces = json::array();
  for (const char* type : {"pid", "network", "ipc", "uts", "mount", "cgroup"})
    if (!(in.host_network && std::string_view(type) == "network")) namespaces.push_back({{"type", type}});
  if (in.userns_remap) namespaces.push_back({{"type", "user"}});

  json resources = resources_from_flags(isolation);
  resources["devices"] = device_rules(isolation.privileged, in.devices);
  json linux = {
      {"namespaces", namespaces},
      {"cgroupsPath", "mini/" + in.container_id},
      {"resources", resources},
      {"maskedPaths", isolation.privileged ? std::vector<std::string>{} : default_masked_paths()},
      {"readonlyPaths", isolation.privileged ? std::vector<std::string>{} : default_readonly_paths()},
  };
  if (!in.devices.empty()) {
    json devices = json::array();
    for (const auto& d : in.devices)
      devices.push_back({{"path", d.container_path},
                         {"type", std::string(1, d.type)},
                         {"major", d.major},
                         {"minor", d.minor},
                         {"fileMode", d.file_mode},
                         {"uid", 0},
                         {"gid", 0}});
    linux["devices"] = devices;
  }
  if (in.userns_remap) {
    json mapping = json::array({{{"containerID", 0}, {"hostID", in.userns_remap->start}, {"size", in.userns_remap->count}}});
    linux["uidMappings"] = mapping;
    linux["gidMappings"] = mapping;
  }
  if (!isolation.privileged && !security.seccomp_unconfined) {
    json profile = in.seccomp_profile.is_null() ? json::parse(default_seccomp_profile()) : in.seccomp_profile;
    linux["seccomp"] = docker_profile_to_oci(profile, SeccompTarget{caps, in.arch, in.kernel_release});
  }

  return json{
      {"ociVersion", "1.0.2"},
      {"process", process},
      {"root", {{"path", in.rootfs}, {"readonly", in.flags.read_only}}},
      {"hostname", hostname},
      {"mounts", standard_mounts(in)},
      {"linux", linux},
      {"annotations", {{"mini.container.id", in.container_id}}},
  };
}

const std::vector<std::string>& default_capabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",     "CAP_MKNOD",
      "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",           "CAP_SETFCAP",    "CAP_SETPCAP",
      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"};
  return caps;
}

const std::vector<std::string>& default_masked_paths() {
  static const std::vector<std::string> paths = {
      "/proc/asound",    "/proc/acpi",        "/proc/interrupts", "/proc/kcore",
      "/proc/keys",      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
      "/proc/sched_debug", "/proc/scsi",      "/sys/firmware",    "/sys/devices/virtual/powercap"};
  return paths;
}

const std::vector<std::string>& default_readonly_paths() {
  static const std::vector<std::string> paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                 "/proc/sysrq-trigger"};
  return paths;
}

}  // namespace mini::engine
