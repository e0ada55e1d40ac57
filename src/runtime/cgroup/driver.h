#pragma once
// Cgroups behind one interface (Manager), one driver per file here:
// cgroupfs v1, cgroupfs v2, systemd, none. A host may have cgroup v1
// hierarchies, a cgroup2 unified mount, or both (hybrid: v1 controllers plus
// a nearly empty cgroup2). Each controller is driven where it is mounted.
// Everything here runs in the parent, before clone, and may throw mini::Error.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/cgroup/hierarchy.h"
#include "runtime/device_filter.h"

namespace mini::runtime::cgroup {

namespace fs = std::filesystem;

// How the drivers touch the control files. The kernel's files exist as soon
// as a cgroup directory is made; a test's fake root, plain files in a temp
// dir, overrides this to create them and to remove what rmdir can't.
class ControlFiles {
 public:
  virtual ~ControlFiles() = default;
  // Writes `value` to `dir/file`, naming both on error.
  virtual void write(const fs::path& dir, const std::string& file, const std::string& value) const;
  virtual std::string read(const fs::path& dir, const std::string& file) const;
  // rmdir with a short retry: the kernel frees a cgroup a moment after its last task.
  virtual void remove(const fs::path& dir) const;
};
// The real cgroupfs (immutable: nothing in it changes).
const ControlFiles& kernel_files();

// The limits mini applies, from the OCI linux.resources object.
struct Limits {
  std::optional<int64_t> memory;       // bytes
  std::optional<int64_t> memory_swap;  // memory + swap, bytes; -1 = unlimited
  std::optional<uint64_t> cpu_shares;
  std::optional<int64_t> cpu_quota;    // microseconds per period
  std::optional<uint64_t> cpu_period;
  std::optional<std::string> cpuset_cpus, cpuset_mems;
  std::optional<int64_t> pids;         // -1 or 0 = unlimited
  std::vector<DeviceRule> devices;     // in order; the last match wins
  // The rest of linux.resources, applied by apply_more() to the
  // directories a driver made (v1 and v2 alike).
  std::optional<int64_t> memory_reservation, memory_kernel, memory_kernel_tcp;
  std::optional<uint64_t> memory_swappiness;
  std::optional<bool> memory_disable_oom_killer;
  std::optional<int64_t> cpu_rt_runtime;
  std::optional<uint64_t> cpu_rt_period;
  struct DeviceValue {
    int64_t major, minor;
    std::optional<uint64_t> value, leaf;  // a weight, or a rate (value only)
  };
  std::optional<uint64_t> blkio_weight, blkio_leaf_weight;
  std::vector<DeviceValue> blkio_weight_devices, blkio_read_bps, blkio_write_bps, blkio_read_iops, blkio_write_iops;
  std::vector<std::pair<std::string, uint64_t>> hugepages;  // "2MB" -> bytes
  std::optional<uint32_t> net_class_id;
  std::vector<std::pair<std::string, uint32_t>> net_priorities;  // interface -> priority
  std::map<std::string, std::string> unified;                   // v2 file -> value
};

// Throws mini::Error naming a malformed field.
Limits parse_limits(const nlohmann::json& resources);

// v1 cpu.shares (2..262144) to v2 cpu.weight (1..10000), as runc converts.
uint64_t shares_to_weight(uint64_t shares);

class Manager {
 public:
  virtual ~Manager() = default;
  // Creates the cgroup(s) and applies `limits`; nothing joins yet.
  virtual void create(const Limits& limits) = 0;
  virtual void add_process(pid_t pid) = 0;
  // Files a single-threaded child can write "0" to, to move itself in
  // (cgroup_v1.cc says why that is faster); empty when it can't, and the
  // parent calls add_process instead.
  virtual std::vector<fs::path> self_join_files() const { return {}; }
  // Whether the kernel OOM-killed a process in this cgroup.
  virtual bool oom_killed() const = 0;
  // Removes the cgroup(s); the processes must be gone.
  virtual void destroy() = 0;
  virtual std::vector<fs::path> paths() const = 0;
};

// `relative` like "mini/<id>". v1: under this process's own cgroup in each
// hierarchy, so mini stays inside whatever confines it. v2: under the
// unified root, because v2 forbids enabling controllers for children of a
// cgroup that holds processes (mini's own usually does).
std::unique_ptr<Manager> make_v1_manager(const Hierarchy& hierarchy, const std::string& relative,
                                         const ControlFiles& files = kernel_files());
std::unique_ptr<Manager> make_v2_manager(const fs::path& unified_root, const std::string& relative,
                                         const ControlFiles& files = kernel_files());
// v2 on a pure cgroup2 host; otherwise (v1 or hybrid) the v1 controllers,
// where the limits live on such hosts.
std::unique_ptr<Manager> make_manager(const Hierarchy& hierarchy, const std::string& relative);

// The "none" driver: no cgroup at all; refuses limits.
std::unique_ptr<Manager> make_none_manager();

// systemd's cgroupsPath, "slice:prefix:name": the scope "prefix-name.scope"
// in "slice". Empty parts default as runc's do (system.slice, the id).
struct SystemdPath {
  std::string slice, prefix, name;
  std::string unit() const;
};
// Throws mini::Error for a path that is not "slice:prefix:name".
SystemdPath parse_systemd_path(const std::string& cgroups_path, const std::string& id);
// Throws a clear mini::Error where systemd is not PID 1 (`pid1_comm` is
// /proc/1/comm); the D-Bus side is not written yet, so it throws there too.
std::unique_ptr<Manager> make_systemd_manager(const std::string& cgroups_path, const std::string& id,
                                              const std::string& pid1_comm);
std::unique_ptr<Manager> make_systemd_manager(const std::string& cgroups_path, const std::string& id);

// On a container's existing cgroup directories (its state's cgroup paths),
// each told apart by the control files it has (v1 controller or v2):
// the limits parse_limits does not give the drivers, at create time;
void apply_more(const std::vector<fs::path>& dirs, const Limits& limits);
// every limit, for `update` of a running container;
void update_limits(const std::vector<fs::path>& dirs, const Limits& limits);
// the freezer (v1 freezer.state, v2 cgroup.freeze): throws when none of
// the directories has one; returns once the kernel reports the new state.
void set_frozen(const std::vector<fs::path>& dirs, bool frozen);
bool is_frozen(const std::vector<fs::path>& dirs);

// kernel_files()'s, for the real cgroupfs.
void write_control(const fs::path& dir, const std::string& file, const std::string& value);
std::string read_control(const fs::path& dir, const std::string& file);
void remove_cgroup_dir(const fs::path& dir);

}  // namespace mini::runtime::cgroup
