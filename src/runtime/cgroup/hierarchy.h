#pragma once
// Where the cgroup filesystems are mounted and where this process sits in
// them: read from /proc/self, or injected (a test's fake root).
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace mini::runtime::cgroup {

struct Hierarchy {
  std::optional<std::filesystem::path> unified;               // cgroup2 mount point
  std::map<std::string, std::filesystem::path> v1_mounts;     // controller -> mount point
  std::map<std::string, std::string> v1_own_paths;            // controller -> our path in it
};

// Pure: parses /proc/self/mountinfo and /proc/self/cgroup text.
Hierarchy parse_hierarchy(const std::string& mountinfo, const std::string& proc_self_cgroup);
Hierarchy detect_hierarchy();

}  // namespace mini::runtime::cgroup
