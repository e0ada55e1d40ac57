#include "runtime/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <iterator>

#include "common/error.h"
#include "common/fs_util.h"

namespace mini::runtime {

namespace {

// Indexed by capability number, as in <linux/capability.h>.
constexpr const char* kNames[] = {
    "CAP_CHOWN",          "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",         "CAP_FSETID",
    "CAP_KILL",           "CAP_SETGID",         "CAP_SETUID",          "CAP_SETPCAP",        "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",      "CAP_NET_RAW",        "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",      "CAP_SYS_MODULE",     "CAP_SYS_RAWIO",       "CAP_SYS_CHROOT",     "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",      "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",       "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",           "CAP_LEASE",          "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",  "CAP_SETFCAP",        "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",
    "CAP_WAKE_ALARM",     "CAP_BLOCK_SUSPEND",  "CAP_AUDIT_READ",      "CAP_PERFMON",        "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE"};

uint64_t all_caps(int last_cap) { return last_cap >= 63 ? ~uint64_t{0} : (uint64_t{1} << (last_cap + 1)) - 1; }

}  // namespace

std::optional<int> capability_number(std::string_view name) {
  for (size_t i = 0; i < std::size(kNames); ++i)
    if (name == kNames[i]) return static_cast<int>(i);
  return std::nullopt;
}

std::string capability_name(int number) {
  if (number >= 0 && static_cast<size_t>(number) < std::size(kNames)) return kNames[number];
  return "CAP_" + std::to_string(number);
}

uint64_t capability_mask(const std::vector<std::string>& names) {
  uint64_t mask = 0;
  for (const auto& name : names) {
    auto number = capability_number(name);
    if (!number) throw Error("unknown capability \"" + name + "\"; names look like CAP_NET_ADMIN");
    mask |= uint64_t{1} << *number;
  }
  return mask;
}

CapabilitySets resolve_capabilities(const std::optional<Capabilities>& caps, int last_cap) {
  CapabilitySets sets;
  sets.last_cap = last_cap;
  uint64_t known = all_caps(last_cap);
  if (!caps) {
    sets.bounding = sets.effective = sets.permitted = known;
    return sets;
  }
  // Capabilities this kernel doesn't know can't be granted; drop them quietly.
  sets.bounding = capability_mask(caps->bounding) & known;
  sets.effective = capability_mask(caps->effective) & known;
  sets.permitted = capability_mask(caps->permitted) & known;
  sets.inheritable = capability_mask(caps->inheritable) & known;
  sets.ambient = capability_mask(caps->ambient) & known;
  return sets;
}

int read_last_cap() {
  try {
    return std::stoi(fsutil::read_file("/proc/sys/kernel/cap_last_cap", 64));
  } catch (const std::exception&) {
    return static_cast<int>(std::size(kNames)) - 1;
  }
}

int drop_bounding_set(const CapabilitySets& sets, Step* step) noexcept {
  for (int cap = 0; cap <= sets.last_cap; ++cap) {
    if (sets.bounding & (uint64_t{1} << cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      *step = Step::DropCapabilityFromTheBoundingSet;
      return errno;
    }
  }
  return 0;
}

int apply_capability_sets(const CapabilitySets& sets, Step* step) noexcept {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  for (int i = 0; i < 2; ++i) {
    data[i].effective = static_cast<uint32_t>(sets.effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(sets.permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(sets.inheritable >> (32 * i));
  }
  if (::syscall(SYS_capset, &header, data) != 0) {
    *step = Step::SetCapabilities;
    return errno;
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    *step = Step::ClearAmbientCapabilities;
    return errno;
  }
  for (int cap = 0; cap <= sets.last_cap; ++cap) {
    if (!(sets.ambient & (uint64_t{1} << cap))) continue;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) {
      *step = Step::RaiseAmbientCapability;
      return errno;
    }
  }
  return 0;
}

}  // namespace mini::runtime
