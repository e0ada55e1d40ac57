#pragma once
// Cgroups behind one interface. A host may have cgroup v1 hierarchies, a
// cgroup2 unified mount, or both (hybrid: v1 controllers plus a nearly empty
// cgroup2). Each controller is driven where it is mounted. Everything here
// runs in the parent, before clone, and may throw mini::Error.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/device_filter.h"

namespace mini::runtime::cgroup {

namespace fs = std::filesystem;

// Where the cgroup filesystems are and where this process sits in them.
struct Hierarchy {
  std::optional<fs::path> unified;               // cgroup2 mount point
  std::map<std::string, fs::path> v1_mounts;     // controller -> mount point
  std::map<std::string, std::string> v1_own_paths;  // controller -> our path in it
};

// Pure: parses /proc/self/mountinfo and /proc/self/cgroup text.
Hierarchy parse_hierarchy(const std::string& mountinfo, const std::string& proc_self_cgroup);
Hierarchy detect_hierarchy();

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
std::unique_ptr<Manager> make_v1_manager(const Hierarchy& hierarchy, const std::string& relative);
std::unique_ptr<Manager> make_v2_manager(const fs::path& unified_root, const std::string& relative);
// v2 on a pure cgroup2 host; otherwise (v1 or hybrid) the v1 controllers,
// where the limits live on such hosts.
std::unique_ptr<Manager> make_manager(const Hierarchy& hierarchy, const std::string& relative);

// Shared by both versions: writes `value` to `dir/file`, naming both on error.
void write_control(const fs::path& dir, const std::string& file, const std::string& value);
std::string read_control(const fs::path& dir, const std::string& file);
// rmdir with a short retry: the kernel frees a cgroup a moment after its last task.
void remove_cgroup_dir(const fs::path& dir);

}  // namespace mini::runtime::cgroup
