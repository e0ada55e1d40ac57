#include "runtime/mount_rules.h"

#include <cstring>
#include <vector>

#include "common/text.h"

namespace mini::runtime {

std::string clean_container_path(const std::string& path) {
  std::vector<std::string> parts;
  for (auto& part : split(path, '/')) {
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
  }
  std::string out;
  for (const auto& part : parts) out += "/" + part;
  return out.empty() ? "/" : out;
}

std::string root_destination_error(const std::string& type) {
  return "invalid mount config for type \"" + type + "\": " + kDestinationIsRoot;
}

ProcPlacement proc_placement(const char* clean_path) noexcept {
  if (std::strncmp(clean_path, "/proc", 5) != 0) return ProcPlacement::Outside;
  if (clean_path[5] == '\0') return ProcPlacement::Root;
  if (clean_path[5] != '/') return ProcPlacement::Outside;  // "/processes"
  // runc's list: what lxcfs serves so that top and free see the container's limits.
  static const char* const lxcfs_files[] = {
      "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",
      "/proc/swaps",   "/proc/uptime",    "/proc/loadavg", "/proc/slabinfo",
      "/proc/sys/kernel/ns_last_pid",     "/proc/sys/crypto/fips_enabled",
  };
  for (const char* allowed : lxcfs_files)
    if (std::strcmp(clean_path, allowed) == 0) return ProcPlacement::Allowed;
  return ProcPlacement::Inside;
}

bool needs_real_directory(const std::string& fstype, const std::string& clean_target) {
  // A tmpfs the user asks for is a scratch directory like a volume, and
  // follows symlinks inside the root as runc does (--tmpfs /var/run on an
  // image where /var/run -> /run); the /dev tmpfs is mini's to fill.
  if (fstype == "tmpfs") return clean_target == "/dev";
  return true;
}

}  // namespace mini::runtime
