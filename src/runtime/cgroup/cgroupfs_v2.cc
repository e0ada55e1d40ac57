// cgroup v2: one directory in the unified tree; controllers enabled top-down
// through cgroup.subtree_control of every ancestor we create.
#include <sstream>

#include "common/error.h"
#include "runtime/cgroup.h"

namespace mini::runtime::cgroup {

namespace {

// The controllers a limit needs, in the order the kernel accepts them.
std::vector<std::string> needed_controllers(const Limits& limits) {
  std::vector<std::string> needed;
  if (limits.cpu_shares || limits.cpu_quota || limits.cpu_period) needed.push_back("cpu");
  if (limits.cpuset_cpus || limits.cpuset_mems) needed.push_back("cpuset");
  if (limits.memory || limits.memory_swap) needed.push_back("memory");
  if (limits.pids) needed.push_back("pids");
  return needed;
}

std::string max_or(int64_t value) { return value <= 0 ? "max" : std::to_string(value); }

class V2Manager : public Manager {
 public:
  V2Manager(fs::path unified_root, const std::string& relative, const ControlFiles& files)
      : base_(std::move(unified_root)), relative_(relative), dir_(base_ / relative), files_(files) {}

  void create(const Limits& limits) override {
    auto needed = needed_controllers(limits);
    check_available(needed);
    fs::path current = base_;
    for (const auto& part : fs::path(relative_)) {
      enable(current, needed);
      current /= part;
      std::error_code ec;
      fs::create_directory(current, ec);
      if (ec) throw Error("cgroup: create " + current.string() + ": " + ec.message());
    }
    apply(limits);
  }

  void add_process(pid_t pid) override { files_.write(dir_, "cgroup.procs", std::to_string(pid)); }

  bool oom_killed() const override {
    std::string events;
    try {
      events = files_.read(dir_, "memory.events");
    } catch (const Error&) {
      return false;
    }
    std::istringstream lines(events);
    std::string key;
    long long count = 0;
    while (lines >> key >> count)
      if (key == "oom_kill" && count > 0) return true;
    return false;
  }

  void destroy() override {
    // Only the leaf: "mini/" is shared with other containers.
    files_.remove(dir_);
  }

  std::vector<fs::path> paths() const override { return {dir_}; }

 private:
  void check_available(const std::vector<std::string>& needed) const {
    if (needed.empty()) return;
    std::string available = " " + files_.read(base_, "cgroup.controllers") + " ";
    for (auto& c : available) c = c == '\n' ? ' ' : c;
    for (const auto& controller : needed)
      if (available.find(" " + controller + " ") == std::string::npos)
        throw Error("cgroup: the " + controller + " controller is not available in " + base_.string() +
                    "; enable it in the parent's cgroup.subtree_control or drop the limit");
  }

  void enable(const fs::path& dir, const std::vector<std::string>& controllers) const {
    if (controllers.empty()) return;
    std::string request;
    for (const auto& c : controllers) request += (request.empty() ? "+" : " +") + c;
    files_.write(dir, "cgroup.subtree_control", request);
  }

  void apply(const Limits& limits) const {
    if (limits.memory) files_.write(dir_, "memory.max", max_or(*limits.memory));
    if (limits.memory_swap) {
      // OCI (like v1) counts memory+swap; v2 limits swap alone.
      std::string swap = "max";
      if (*limits.memory_swap > 0 && limits.memory && *limits.memory > 0)
        swap = std::to_string(std::max<int64_t>(0, *limits.memory_swap - *limits.memory));
      files_.write(dir_, "memory.swap.max", swap);
    }
    if (limits.cpu_shares) files_.write(dir_, "cpu.weight", std::to_string(shares_to_weight(*limits.cpu_shares)));
    if (limits.cpu_quota || limits.cpu_period) {
      std::string quota = limits.cpu_quota && *limits.cpu_quota > 0 ? std::to_string(*limits.cpu_quota) : "max";
      files_.write(dir_, "cpu.max", quota + " " + std::to_string(limits.cpu_period.value_or(100000)));
    }
    if (limits.cpuset_cpus) files_.write(dir_, "cpuset.cpus", *limits.cpuset_cpus);
    if (limits.cpuset_mems) files_.write(dir_, "cpuset.mems", *limits.cpuset_mems);
    if (limits.pids) files_.write(dir_, "pids.max", max_or(*limits.pids));
    if (!limits.devices.empty()) attach_device_program(dir_, limits.devices);
  }

  fs::path base_;
  std::string relative_;
  fs::path dir_;
  const ControlFiles& files_;
};

}  // namespace

std::unique_ptr<Manager> make_v2_manager(const fs::path& unified_root, const std::string& relative,
                                         const ControlFiles& files) {
  return std::make_unique<V2Manager>(unified_root, relative, files);
}

}  // namespace mini::runtime::cgroup
