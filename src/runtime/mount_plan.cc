#include "runtime/mount_plan.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <map>

#include "common/error.h"

namespace mini::runtime {

namespace {

namespace fs = std::filesystem;

struct FlagWord {
  unsigned long set, clear;
};

const std::map<std::string, FlagWord>& flag_words() {
  static const std::map<std::string, FlagWord> words = {
      {"ro", {MS_RDONLY, 0}},          {"rw", {0, MS_RDONLY}},
      {"nosuid", {MS_NOSUID, 0}},      {"suid", {0, MS_NOSUID}},
      {"nodev", {MS_NODEV, 0}},        {"dev", {0, MS_NODEV}},
      {"noexec", {MS_NOEXEC, 0}},      {"exec", {0, MS_NOEXEC}},
      {"sync", {MS_SYNCHRONOUS, 0}},   {"async", {0, MS_SYNCHRONOUS}},
      {"dirsync", {MS_DIRSYNC, 0}},    {"mand", {MS_MANDLOCK, 0}},
      {"nomand", {0, MS_MANDLOCK}},    {"noatime", {MS_NOATIME, 0}},
      {"atime", {0, MS_NOATIME}},      {"nodiratime", {MS_NODIRATIME, 0}},
      {"diratime", {0, MS_NODIRATIME}}, {"relatime", {MS_RELATIME, 0}},
      {"norelatime", {0, MS_RELATIME}}, {"strictatime", {MS_STRICTATIME, 0}},
      {"nostrictatime", {0, MS_STRICTATIME}}, {"remount", {MS_REMOUNT, 0}},
  };
  return words;
}

const std::map<std::string, unsigned long>& propagation_words() {
  static const std::map<std::string, unsigned long> words = {
      {"private", MS_PRIVATE},   {"rprivate", MS_PRIVATE | MS_REC},       {"shared", MS_SHARED},
      {"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE},              {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  return words;
}

MountStep special(const std::string& target, const std::string& fstype, unsigned long flags, unsigned long propagation,
                  const std::string& data) {
  MountStep step{target, fstype, fstype, flags, propagation, data};
  step.real_directory = true;
  return step;
}

void add_cgroup_mounts(const std::string& destination, const MountOptions& options, const cgroup::Hierarchy& cgroups,
                       std::vector<MountStep>& steps) {
  if (cgroups.v1_mounts.empty()) {
    if (!cgroups.unified) throw Error("config.json mounts a cgroup filesystem, but the host has none mounted");
    steps.push_back(special(destination, "cgroup2", options.flags, options.propagation, ""));
    return;
  }
  MountStep holder = special(destination, "tmpfs", options.flags & ~MS_RDONLY, 0, "mode=755");
  steps.push_back(holder);
  // Controllers mounted together share one hierarchy: "cpu,cpuacct".
  std::map<fs::path, std::string> hierarchies;
  for (const auto& [controller, point] : cgroups.v1_mounts) {
    std::string& data = hierarchies[point];
    data += (data.empty() ? "" : ",") + controller;
  }
  for (const auto& [point, controllers] : hierarchies) {
    std::string data = controllers.rfind("name=", 0) == 0 ? "none," + controllers : controllers;
    steps.push_back(special(clean_container_path(destination + "/" + point.filename().string()), "cgroup",
                            options.flags, 0, data));
  }
  if (cgroups.unified)
    steps.push_back(special(clean_container_path(destination + "/" + cgroups.unified->filename().string()),
                            "cgroup2", options.flags, 0, ""));
  if (options.flags & MS_RDONLY) {
    MountStep seal = holder;
    seal.flags |= MS_RDONLY;
    seal.seal_readonly = true;
    steps.push_back(seal);
  }
}

}  // namespace

MountOptions parse_mount_options(const std::vector<std::string>& options) {
  MountOptions out;
  for (const auto& word : options) {
    if (auto it = flag_words().find(word); it != flag_words().end()) {
      out.flags = (out.flags & ~it->second.clear) | it->second.set;
    } else if (auto prop = propagation_words().find(word); prop != propagation_words().end()) {
      if (out.propagation && (out.propagation & ~MS_REC) != (prop->second & ~MS_REC))
        throw Error("mount options name two propagation modes (" + word + " and another); keep one");
      out.propagation = prop->second;
    } else if (word == "bind") {
      out.bind = true;
    } else if (word == "rbind") {
      out.bind = out.recursive = true;
    } else if (!word.empty()) {
      if (!out.data.empty()) out.data += ',';
      out.data += word;
    }
  }
  return out;
}

std::vector<MountStep> plan_mounts(const std::vector<Mount>& mounts,
                                   const std::function<bool(const std::string&)>& is_directory,
                                   const cgroup::Hierarchy& cgroups) {
  std::vector<MountStep> steps;
  for (const auto& mount : mounts) {
    MountOptions options = parse_mount_options(mount.options);
    bool bind = options.bind || mount.type == "bind";
    std::string destination = clean_container_path(mount.destination);
    if (destination == "/") throw Error(root_destination_error(bind ? "bind" : mount.type));
    if (mount.type == "cgroup" || mount.type == "cgroup2") {
      add_cgroup_mounts(destination, options, cgroups, steps);
      continue;
    }
    MountStep step;
    step.target = destination;
    step.source = mount.source;
    step.propagation = options.propagation;
    step.data = options.data;
    step.bind = bind;
    if (step.bind) {
      if (mount.source.empty() || mount.source.front() != '/')
        throw Error("bind mount for " + mount.destination + " needs an absolute host source path");
      step.flags = MS_BIND | (options.recursive ? MS_REC : 0);
      unsigned long extra = options.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                                             MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME);
      step.remount = extra != 0;
      step.flags |= extra;
      step.target_is_file = !is_directory(mount.source);
      // Bind mounts carry no filesystem data.
      step.data.clear();
    } else {
      step.fstype = mount.type;
      step.flags = options.flags;
      if (step.source.empty()) step.source = mount.type;
      step.real_directory = needs_real_directory(step.fstype, step.target);
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

bool host_path_is_directory(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw_errno("bind mount source " + path);
  return S_ISDIR(st.st_mode);
}

std::vector<std::string> mount_option_names() {
  std::vector<std::string> names = {"bind", "rbind"};
  for (const auto& [word, flags] : flag_words()) names.push_back(word);
  for (const auto& [word, flags] : propagation_words()) names.push_back(word);
  return names;
}

const std::vector<DeviceNode>& default_devices() {
  static const std::vector<DeviceNode> devices = {
      {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
  };
  return devices;
}

const std::vector<std::pair<const char*, const char*>>& default_dev_symlinks() {
  static const std::vector<std::pair<const char*, const char*>> links = {
      {"fd", "/proc/self/fd"},         {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
      {"stderr", "/proc/self/fd/2"},   {"ptmx", "pts/ptmx"},         {"core", "/proc/kcore"},
  };
  return links;
}

}  // namespace mini::runtime
