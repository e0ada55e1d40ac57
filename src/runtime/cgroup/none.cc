// The "none" driver: the container gets no cgroup of its own, so no limits
// and no accounting (a runtime nested where cgroups are someone else's).
#include <algorithm>

#include "common/error.h"
#include "runtime/cgroup.h"

namespace mini::runtime::cgroup {

namespace {

class NoneManager : public Manager {
 public:
  void create(const Limits& limits) override {
    // Without a cgroup every device is usable, so rules that only allow
    // (the nodes the runtime itself puts in /dev) hold already; a rule that
    // denies is a limit this driver can't apply.
    bool denies_a_device =
        std::any_of(limits.devices.begin(), limits.devices.end(), [](const auto& rule) { return !rule.allow; });
    if (limits.memory || limits.memory_swap || limits.cpu_shares || limits.cpu_quota || limits.cpu_period ||
        limits.cpuset_cpus || limits.cpuset_mems || limits.pids || denies_a_device)
      throw Error("cgroup: the \"none\" cgroup driver applies no limits; drop linux.resources or choose a cgroupfs "
                  "or systemd driver");
  }
  void add_process(pid_t) override {}
  bool oom_killed() const override { return false; }
  void destroy() override {}
  std::vector<fs::path> paths() const override { return {}; }
};

}  // namespace

std::unique_ptr<Manager> make_none_manager() { return std::make_unique<NoneManager>(); }

}  // namespace mini::runtime::cgroup
