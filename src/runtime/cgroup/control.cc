// Limits and the freezer on a container's existing cgroup directories, as
// later verbs (update, pause, resume) find them: each directory is told
// apart by the control files the kernel gave it, so v1 (one directory per
// controller) and v2 (one directory for all) take the same code.
#include <chrono>
#include <thread>

#include "common/error.h"
#include "runtime/cgroup.h"

namespace mini::runtime::cgroup {

namespace {

bool has(const fs::path& dir, const char* file) {
  std::error_code ec;
  return fs::exists(dir / file, ec);
}

bool is_v2(const fs::path& dir) { return has(dir, "cgroup.controllers"); }

// The first directory with `file`, v1 or v2 as `v2` says.
std::optional<fs::path> find(const std::vector<fs::path>& dirs, const char* file, bool v2) {
  for (const auto& dir : dirs)
    if (is_v2(dir) == v2 && has(dir, file)) return dir;
  return std::nullopt;
}

bool any_v2(const std::vector<fs::path>& dirs) {
  for (const auto& dir : dirs)
    if (is_v2(dir)) return true;
  return false;
}

// Writes where `file` is, or refuses by name: a limit silently dropped is a
// limit the user believes holds.
void put(const std::vector<fs::path>& dirs, bool v2, const char* file, const std::string& value, const char* field) {
  auto dir = find(dirs, file, v2);
  if (!dir)
    throw Error(std::string("cgroup: linux.resources.") + field + " needs " + file +
                ", which this kernel's cgroups do not have; remove it");
  write_control(*dir, file, value);
}

std::string device(const Limits::DeviceValue& d) { return std::to_string(d.major) + ":" + std::to_string(d.minor); }

std::string max_or(int64_t value) { return value <= 0 ? "max" : std::to_string(value); }

// v1 blkio weights (10-1000) to v2 io.weight (1-10000), as runc converts.
uint64_t blkio_to_io_weight(uint64_t weight) { return weight == 0 ? 0 : 1 + (weight - 10) * 9999 / 990; }

void more_v1(const std::vector<fs::path>& dirs, const Limits& l) {
  if (l.memory_reservation) put(dirs, false, "memory.soft_limit_in_bytes", std::to_string(*l.memory_reservation), "memory.reservation");
  // Kernel memory limits are gone from recent kernels; runc ignores them too.
  if (l.memory_kernel && find(dirs, "memory.kmem.limit_in_bytes", false))
    try {
      put(dirs, false, "memory.kmem.limit_in_bytes", std::to_string(*l.memory_kernel), "memory.kernel");
    } catch (const Error&) {
    }
  if (l.memory_kernel_tcp) put(dirs, false, "memory.kmem.tcp.limit_in_bytes", std::to_string(*l.memory_kernel_tcp), "memory.kernelTCP");
  if (l.memory_swappiness) put(dirs, false, "memory.swappiness", std::to_string(*l.memory_swappiness), "memory.swappiness");
  if (l.memory_disable_oom_killer && *l.memory_disable_oom_killer)
    put(dirs, false, "memory.oom_control", "1", "memory.disableOOMKiller");
  if (l.cpu_rt_period) put(dirs, false, "cpu.rt_period_us", std::to_string(*l.cpu_rt_period), "cpu.realtimePeriod");
  if (l.cpu_rt_runtime) put(dirs, false, "cpu.rt_runtime_us", std::to_string(*l.cpu_rt_runtime), "cpu.realtimeRuntime");
  bool bfq = find(dirs, "blkio.bfq.weight", false).has_value();
  if (l.blkio_weight) put(dirs, false, bfq ? "blkio.bfq.weight" : "blkio.weight", std::to_string(*l.blkio_weight), "blockIO.weight");
  if (l.blkio_leaf_weight) put(dirs, false, "blkio.leaf_weight", std::to_string(*l.blkio_leaf_weight), "blockIO.leafWeight");
  for (const auto& d : l.blkio_weight_devices) {
    if (d.value)
      put(dirs, false, bfq ? "blkio.bfq.weight_device" : "blkio.weight_device", device(d) + " " + std::to_string(*d.value),
          "blockIO.weightDevice");
    if (d.leaf) put(dirs, false, "blkio.leaf_weight_device", device(d) + " " + std::to_string(*d.leaf), "blockIO.weightDevice");
  }
  auto throttle = [&](const std::vector<Limits::DeviceValue>& list, const char* file, const char* field) {
    for (const auto& d : list) put(dirs, false, file, device(d) + " " + std::to_string(d.value.value_or(0)), field);
  };
  throttle(l.blkio_read_bps, "blkio.throttle.read_bps_device", "blockIO.throttleReadBpsDevice");
  throttle(l.blkio_write_bps, "blkio.throttle.write_bps_device", "blockIO.throttleWriteBpsDevice");
  throttle(l.blkio_read_iops, "blkio.throttle.read_iops_device", "blockIO.throttleReadIOPSDevice");
  throttle(l.blkio_write_iops, "blkio.throttle.write_iops_device", "blockIO.throttleWriteIOPSDevice");
  for (const auto& [size, limit] : l.hugepages) {
    std::string file = "hugetlb." + size + ".limit_in_bytes";
    put(dirs, false, file.c_str(), std::to_string(limit), "hugepageLimits");
  }
  if (l.net_class_id) put(dirs, false, "net_cls.classid", std::to_string(*l.net_class_id), "network.classID");
  for (const auto& [name, priority] : l.net_priorities)
    put(dirs, false, "net_prio.ifpriomap", name + " " + std::to_string(priority), "network.priorities");
  if (!l.unified.empty())
    throw Error("cgroup: linux.resources.unified needs cgroup v2, and this container's cgroups are v1; remove it");
}

void more_v2(const std::vector<fs::path>& dirs, const Limits& l) {
  if (l.memory_reservation) put(dirs, true, "memory.low", std::to_string(*l.memory_reservation), "memory.reservation");
  if (l.memory_kernel_tcp) throw Error("cgroup: linux.resources.memory.kernelTCP has no cgroup v2 equivalent; remove it");
  if (l.memory_swappiness && *l.memory_swappiness != static_cast<uint64_t>(-1))
    throw Error("cgroup: linux.resources.memory.swappiness has no cgroup v2 equivalent; remove it");
  if (l.memory_disable_oom_killer && *l.memory_disable_oom_killer)
    throw Error("cgroup: linux.resources.memory.disableOOMKiller has no cgroup v2 equivalent; remove it");
  if (l.cpu_rt_period || l.cpu_rt_runtime)
    throw Error("cgroup: linux.resources.cpu.realtimePeriod/realtimeRuntime have no cgroup v2 equivalent; remove them");
  bool bfq = find(dirs, "io.bfq.weight", true).has_value();
  if (l.blkio_weight)
    put(dirs, true, bfq ? "io.bfq.weight" : "io.weight",
        std::to_string(bfq ? *l.blkio_weight : blkio_to_io_weight(*l.blkio_weight)), "blockIO.weight");
  if (l.blkio_leaf_weight) throw Error("cgroup: linux.resources.blockIO.leafWeight has no cgroup v2 equivalent; remove it");
  for (const auto& d : l.blkio_weight_devices)
    if (d.value)
      put(dirs, true, bfq ? "io.bfq.weight" : "io.weight",
          device(d) + " " + std::to_string(bfq ? *d.value : blkio_to_io_weight(*d.value)), "blockIO.weightDevice");
  auto throttle = [&](const std::vector<Limits::DeviceValue>& list, const char* key, const char* field) {
    for (const auto& d : list) put(dirs, true, "io.max", device(d) + " " + key + "=" + std::to_string(d.value.value_or(0)), field);
  };
  throttle(l.blkio_read_bps, "rbps", "blockIO.throttleReadBpsDevice");
  throttle(l.blkio_write_bps, "wbps", "blockIO.throttleWriteBpsDevice");
  throttle(l.blkio_read_iops, "riops", "blockIO.throttleReadIOPSDevice");
  throttle(l.blkio_write_iops, "wiops", "blockIO.throttleWriteIOPSDevice");
  for (const auto& [size, limit] : l.hugepages) {
    std::string file = "hugetlb." + size + ".max";
    put(dirs, true, file.c_str(), std::to_string(limit), "hugepageLimits");
  }
  if (l.net_class_id || !l.net_priorities.empty())
    throw Error("cgroup: linux.resources.network has no cgroup v2 equivalent; remove it");
  for (const auto& [file, value] : l.unified) {
    auto dir = std::find_if(dirs.begin(), dirs.end(), is_v2);
    write_control(*dir, file, value);
  }
}

}  // namespace

void apply_more(const std::vector<fs::path>& dirs, const Limits& limits) {
  if (any_v2(dirs) && !find(dirs, "memory.limit_in_bytes", false)) {
    more_v2(dirs, limits);
  } else {
    more_v1(dirs, limits);
  }
}

void update_limits(const std::vector<fs::path>& dirs, const Limits& l) {
  bool v2 = any_v2(dirs) && !find(dirs, "memory.limit_in_bytes", false);
  if (!v2) {
    // memory.limit_in_bytes must stay below memsw: raise in the order that keeps it so.
    auto memsw = [&] {
      if (l.memory_swap) put(dirs, false, "memory.memsw.limit_in_bytes", std::to_string(*l.memory_swap), "memory.swap");
    };
    bool swap_first = l.memory_swap && l.memory && (*l.memory_swap < 0 || *l.memory_swap > *l.memory);
    if (swap_first) memsw();
    if (l.memory) put(dirs, false, "memory.limit_in_bytes", std::to_string(*l.memory), "memory.limit");
    if (!swap_first) memsw();
    if (l.cpu_shares) put(dirs, false, "cpu.shares", std::to_string(*l.cpu_shares), "cpu.shares");
    if (l.cpu_period) put(dirs, false, "cpu.cfs_period_us", std::to_string(*l.cpu_period), "cpu.period");
    if (l.cpu_quota) put(dirs, false, "cpu.cfs_quota_us", std::to_string(*l.cpu_quota), "cpu.quota");
    if (l.cpuset_cpus) put(dirs, false, "cpuset.cpus", *l.cpuset_cpus, "cpu.cpus");
    if (l.cpuset_mems) put(dirs, false, "cpuset.mems", *l.cpuset_mems, "cpu.mems");
    if (l.pids) put(dirs, false, "pids.max", *l.pids > 0 ? std::to_string(*l.pids) : "max", "pids.limit");
    more_v1(dirs, l);
    return;
  }
  if (l.memory) put(dirs, true, "memory.max", max_or(*l.memory), "memory.limit");
  if (l.memory_swap) {
    std::string swap = "max";
    if (*l.memory_swap > 0 && l.memory && *l.memory > 0) swap = std::to_string(std::max<int64_t>(0, *l.memory_swap - *l.memory));
    put(dirs, true, "memory.swap.max", swap, "memory.swap");
  }
  if (l.cpu_shares) put(dirs, true, "cpu.weight", std::to_string(shares_to_weight(*l.cpu_shares)), "cpu.shares");
  if (l.cpu_quota || l.cpu_period) {
    std::string quota = l.cpu_quota && *l.cpu_quota > 0 ? std::to_string(*l.cpu_quota) : "max";
    put(dirs, true, "cpu.max", quota + " " + std::to_string(l.cpu_period.value_or(100000)), "cpu.quota");
  }
  if (l.cpuset_cpus) put(dirs, true, "cpuset.cpus", *l.cpuset_cpus, "cpu.cpus");
  if (l.cpuset_mems) put(dirs, true, "cpuset.mems", *l.cpuset_mems, "cpu.mems");
  if (l.pids) put(dirs, true, "pids.max", max_or(*l.pids), "pids.limit");
  more_v2(dirs, l);
}

void set_frozen(const std::vector<fs::path>& dirs, bool frozen) {
  if (auto dir = find(dirs, "freezer.state", false)) {
    const char* want = frozen ? "FROZEN" : "THAWED";
    for (int attempt = 0; attempt < 1000; ++attempt) {
      write_control(*dir, "freezer.state", want);
      std::string now = read_control(*dir, "freezer.state");
      if (now.rfind(want, 0) == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(attempt < 10 ? 1 : 10));
    }
    throw Error(std::string("cgroup: the freezer did not reach ") + want + " in " + dir->string());
  }
  if (auto dir = find(dirs, "cgroup.freeze", true)) {
    write_control(*dir, "cgroup.freeze", frozen ? "1" : "0");
    std::string want = frozen ? "frozen 1" : "frozen 0";
    for (int attempt = 0; attempt < 1000; ++attempt) {
      if (read_control(*dir, "cgroup.events").find(want) != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(attempt < 10 ? 1 : 10));
    }
    throw Error("cgroup: " + dir->string() + " did not report " + want);
  }
  throw Error("the container has no freezer cgroup (v1 freezer or v2 cgroup.freeze); mount one to pause containers");
}

bool is_frozen(const std::vector<fs::path>& dirs) {
  try {
    if (auto dir = find(dirs, "freezer.state", false)) return read_control(*dir, "freezer.state").rfind("FROZEN", 0) == 0;
    if (auto dir = find(dirs, "cgroup.freeze", true)) return read_control(*dir, "cgroup.freeze").rfind("1", 0) == 0;
  } catch (const Error&) {
  }
  return false;
}

}  // namespace mini::runtime::cgroup
