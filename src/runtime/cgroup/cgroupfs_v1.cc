// cgroup v1: one directory per mounted controller. The container joins every
// hierarchy so it is fully accounted; limits go where their controller is.
#include <sstream>

#include "common/error.h"
#include "runtime/cgroup.h"

namespace mini::runtime::cgroup {

namespace {

// Named hierarchies (name=systemd) belong to the init system.
bool is_controller(const std::string& name) { return name.find('=') == std::string::npos; }

class V1Manager : public Manager {
 public:
  V1Manager(const Hierarchy& hierarchy, const std::string& relative, const ControlFiles& files) : files_(files) {
    for (const auto& [controller, mount] : hierarchy.v1_mounts) {
      if (!is_controller(controller)) continue;
      auto own = hierarchy.v1_own_paths.find(controller);
      fs::path base = mount / fs::path(own == hierarchy.v1_own_paths.end() ? "/" : own->second).relative_path();
      // Co-mounted controllers (cpu,cpuacct) share one directory.
      bool seen = false;
      for (const auto& [name, dir] : dirs_) seen |= dir == base / relative;
      if (!seen) dirs_.emplace(controller, base / relative);
      bases_.emplace(controller, base);
    }
  }

  void create(const Limits& limits) override {
    require_controllers(limits);
    for (const auto& [controller, dir] : dirs_) {
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) throw Error("cgroup: create " + dir.string() + ": " + ec.message());
      if (controller == "cpuset") inherit_cpuset(bases_.at(controller), dir);
    }
    apply(limits);
  }

  void add_process(pid_t pid) override {
    for (const auto& [controller, dir] : dirs_) files_.write(dir, "cgroup.procs", std::to_string(pid));
  }

  // Moving a whole process (cgroup.procs, or another task's id) takes the
  // kernel's global cgroup_threadgroup_rwsem for writing, and its first
  // taker after a quiet spell waits a full RCU grace period: 5-9 ms here,
  // a third of a container's start. A thread moving itself ("0" into
  // `tasks`) skips that lock, and for the single-threaded child before exec
  // that moves the whole process. The kernel checks the credentials of
  // whoever opened the file (the parent), so a child in a user namespace
  // may do it too.
  std::vector<fs::path> self_join_files() const override {
    std::vector<fs::path> files;
    for (const auto& [controller, dir] : dirs_) files.push_back(dir / "tasks");
    return files;
  }

  bool oom_killed() const override {
    auto memory = dirs_.find("memory");
    if (memory == dirs_.end()) return false;
    std::istringstream lines(files_.read(memory->second, "memory.oom_control"));
    std::string key;
    long long value = 0;
    while (lines >> key >> value)
      if (key == "oom_kill" && value > 0) return true;
    return false;
  }

  void destroy() override {
    for (const auto& [controller, dir] : dirs_) files_.remove(dir);
  }

  std::vector<fs::path> paths() const override {
    std::vector<fs::path> out;
    for (const auto& [controller, dir] : dirs_) out.push_back(dir);
    return out;
  }

 private:
  void require_controllers(const Limits& limits) const {
    auto need = [&](bool wanted, const char* controller) {
      if (wanted && !bases_.count(controller))
        throw Error(std::string("cgroup: no ") + controller + " hierarchy is mounted; mount it or drop the limit");
    };
    need(limits.memory || limits.memory_swap, "memory");
    need(limits.cpu_shares || limits.cpu_quota || limits.cpu_period, "cpu");
    need(limits.cpuset_cpus || limits.cpuset_mems, "cpuset");
    need(limits.pids.has_value(), "pids");
  }

  // A new cpuset starts empty and refuses tasks until it has cpus and mems.
  void inherit_cpuset(const fs::path& base, const fs::path& leaf) const {
    fs::path parent = base;
    for (const auto& part : fs::relative(leaf, base)) {
      fs::path child = parent / part;
      for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
        std::string value = files_.read(child, file);
        if (value.find_first_not_of(" \n") == std::string::npos) files_.write(child, file, files_.read(parent, file));
      }
      parent = child;
    }
  }

  fs::path dir(const char* controller) const { return dirs_.at(controller); }

  void apply(const Limits& limits) const {
    if (limits.memory) files_.write(dir("memory"), "memory.limit_in_bytes", std::to_string(*limits.memory));
    if (limits.memory_swap) {
      fs::path memory = dir("memory");
      if (!fs::exists(memory / "memory.memsw.limit_in_bytes"))
        throw Error("cgroup: this kernel does not account swap (no memory.memsw.limit_in_bytes); drop --memory-swap");
      files_.write(memory, "memory.memsw.limit_in_bytes", std::to_string(*limits.memory_swap));
    }
    if (limits.cpu_shares) files_.write(dir("cpu"), "cpu.shares", std::to_string(*limits.cpu_shares));
    if (limits.cpu_period) files_.write(dir("cpu"), "cpu.cfs_period_us", std::to_string(*limits.cpu_period));
    if (limits.cpu_quota) files_.write(dir("cpu"), "cpu.cfs_quota_us", std::to_string(*limits.cpu_quota));
    if (limits.cpuset_cpus) files_.write(dir("cpuset"), "cpuset.cpus", *limits.cpuset_cpus);
    if (limits.cpuset_mems) files_.write(dir("cpuset"), "cpuset.mems", *limits.cpuset_mems);
    if (limits.pids)
      files_.write(dir("pids"), "pids.max", *limits.pids > 0 ? std::to_string(*limits.pids) : "max");
    // Device rules in order, as the spec lists them; a host without the
    // devices hierarchy has no device cgroup to confine (Docker warns the same).
    if (dirs_.count("devices"))
      for (const auto& rule : limits.devices)
        files_.write(dir("devices"), rule.allow ? "devices.allow" : "devices.deny", v1_device_line(rule));
  }

  std::map<std::string, fs::path> dirs_;   // controller -> our cgroup
  std::map<std::string, fs::path> bases_;  // controller -> mini's own cgroup
  const ControlFiles& files_;
};

}  // namespace

std::unique_ptr<Manager> make_v1_manager(const Hierarchy& hierarchy, const std::string& relative,
                                         const ControlFiles& files) {
  return std::make_unique<V1Manager>(hierarchy, relative, files);
}

std::unique_ptr<Manager> make_manager(const Hierarchy& hierarchy, const std::string& relative) {
  if (hierarchy.v1_mounts.empty()) {
    if (!hierarchy.unified) throw Error("cgroup: no cgroup filesystem is mounted; mount cgroup2 on /sys/fs/cgroup");
    return make_v2_manager(*hierarchy.unified, relative);
  }
  return make_v1_manager(hierarchy, relative);
}

}  // namespace mini::runtime::cgroup
