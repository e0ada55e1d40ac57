#pragma once
// Where a mount may go inside a container, as pure rules shared by the CLI
// (lexical checks before anything is created), the planner, and the child
// (checks on the path a target really resolved to). The child calls the
// noexcept ones after clone: they neither allocate nor throw.
#include <string>

namespace mini::runtime {

// Go's path.Clean for a path inside the container: "." and ".." resolved
// lexically, repeated slashes folded, always absolute (a relative path is
// taken from /, as runc does). "/bin/..", "//" and "." all give "/".
std::string clean_container_path(const std::string& path);

// Docker's words for a destination that is the container's root, and the
// whole message with the mount's type: `invalid mount config for type
// "bind": invalid specification: destination can't be '/'`.
inline constexpr const char* kDestinationIsRoot = "invalid specification: destination can't be '/'";
std::string root_destination_error(const std::string& type);

// runc's checkProcMount: /proc itself takes only a procfs (fresh, or a bind
// of one); below it only the files lxcfs emulates may be mounted over. Every
// other mount inside /proc could hide a mask or a read-only path.
enum class ProcPlacement {
  Outside,  // not under /proc
  Root,     // /proc itself
  Allowed,  // one of the lxcfs files
  Inside,   // anything else under /proc
};
// `clean_path` is absolute and clean (clean_container_path's form).
ProcPlacement proc_placement(const char* clean_path) noexcept;

// Filesystems the kernel fills, or that mini fills itself, go only on a
// real directory reached without a symlink: a mask is a path, and it must
// name what is really mounted there.
bool needs_real_directory(const std::string& fstype, const std::string& clean_target);

}  // namespace mini::runtime
