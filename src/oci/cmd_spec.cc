// mini-oci spec [--bundle DIR] [--rootless]: writes runc's config.json
// template (a busybox-style "sh" with a terminal) into the bundle.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fs_util.h"
#include "oci/context.h"

namespace mini::oci {

namespace {

using nlohmann::json;

json default_spec(bool rootless) {
  json caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  json spec = {
      {"ociVersion", "1.0.2"},
      {"process",
       {{"terminal", true},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", {"sh"}},
        {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
        {"cwd", "/"},
        {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
        {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
        {"noNewPrivileges", true}}},
      {"root", {{"path", "rootfs"}, {"readonly", true}}},
      {"hostname", "mini-oci"},
      {"mounts",
       {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
        {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
        {{"destination", "/dev/pts"}, {"type", "devpts"}, {"source", "devpts"},
         {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}},
        {{"destination", "/dev/shm"}, {"type", "tmpfs"}, {"source", "shm"}, {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
        {{"destination", "/dev/mqueue"}, {"type", "mqueue"}, {"source", "mqueue"}, {"options", {"nosuid", "noexec", "nodev"}}},
        {{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"}, {"options", {"nosuid", "noexec", "nodev", "ro"}}},
        {{"destination", "/sys/fs/cgroup"}, {"type", "cgroup"}, {"source", "cgroup"},
         {"options", {"nosuid", "noexec", "nodev", "relatime", "ro"}}}}},
      {"linux",
       {{"resources", {{"devices", {{{"allow", false}, {"access", "rwm"}}}}}},
        {"namespaces", {{{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}}, {{"type", "cgroup"}}}},
        {"maskedPaths",
         {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
          "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"}},
        {"readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}}},
  };
  if (rootless) {
    uid_t uid = ::geteuid();
    gid_t gid = ::getegid();
    spec["linux"]["namespaces"].push_back({{"type", "user"}});
    spec["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", uid}, {"size", 1}}};
    spec["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", gid}, {"size", 1}}};
    spec["linux"].erase("resources");
    // sysfs can't be mounted without the network namespace's owner; bind it.
    for (auto& mount : spec["mounts"]) {
      if (mount["destination"] == "/sys") {
        mount = {{"destination", "/sys"}, {"type", "none"}, {"source", "/sys"}, {"options", {"rbind", "nosuid", "noexec", "nodev", "ro"}}};
      }
    }
    auto& mounts = spec["mounts"];
    for (auto it = mounts.begin(); it != mounts.end();) {
      if ((*it)["destination"] == "/sys/fs/cgroup") it = mounts.erase(it);
      else ++it;
    }
    for (auto& mount : mounts)
      if (mount["destination"] == "/dev/pts") mount["options"] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"};
  }
  return spec;
}

}  // namespace

int cmd_spec(Context&, const std::vector<std::string>& argv) {
  Args args = parse_args(argv, {{{"bundle", "b"}, true}, {{"rootless"}, false}});
  if (!args.positional.empty()) throw Error("usage: mini-oci spec [--bundle DIR] [--rootless]");
  std::filesystem::path path = std::filesystem::path(args.value("bundle").value_or(".")) / "config.json";
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) throw Error("File " + path.string() + " exists. Remove it first");
  fsutil::write_file_atomic(path, default_spec(args.flag("rootless")).dump(4) + "\n", 0644, false);
  return 0;
}

}  // namespace mini::oci
