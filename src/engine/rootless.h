#pragma once
// Rootless mini: an ordinary user's mini runs as root of a user namespace
// of its own, with a mount namespace it owns, so that unpacking (chown to
// the image's ids), the overlay mount (userxattr) and the container's birth
// all work as they do for root, without privilege on the host.
//
// Container root is the user. With a range in /etc/subuid and /etc/subgid
// the maps come from newuidmap/newgidmap (Debian's uidmap), so the image's
// ids 0..65535 are real, distinct host ids:
//   0 UID 1
//   1 SUBUID COUNT
// Without a range the user alone is mapped (0 UID 1): files owned by other
// ids unpack as the user's, and chown inside the container fails.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/identity.h"
#include "engine/userns.h"

namespace mini::engine {

struct RootlessMaps {
  uid_t uid = 0;
  gid_t gid = 0;
  std::optional<IdRange> subuid, subgid;  // both, or neither is used
  // The newuidmap/newgidmap arguments after the pid, or the one line each
  // that an unprivileged process may write itself.
  std::vector<std::string> uid_args() const;
  std::vector<std::string> gid_args() const;
  bool full() const { return subuid && subgid; }
};

// The maps for user `name` (uid `uid`, gid `gid`) from subuid/subgid file
// content; entries may name the user or its uid, as shadow's tools allow.
RootlessMaps plan_rootless_maps(uid_t uid, gid_t gid, const std::string& name, const std::string& subuid,
                                const std::string& subgid);

// Puts this process into its rootless user and mount namespace, unless it
// is the host's root or already in a user namespace (a monitor started by a
// rootless mini inherits its parent's). Must be called while the process
// has one thread. Throws mini::Error with what to fix.
void enter_rootless_namespace();

// True when this rootless process maps only its own user (no subuid range).
bool single_id_namespace();

// The one-line notice of what a namespace without a subuid range costs.
std::string single_id_notice(const std::string& user);

}  // namespace mini::engine

#include <nlohmann/json.hpp>

#include "runtime/lifecycle.h"

namespace mini::engine {

// Where a rootless container's limits go. Where cgroup v2 is delegated to
// the user (the parent of mini's own cgroup is the user's, with the
// controllers the limits need), a cgroup beside mini's own; otherwise none,
// and `ignored` says which limits that drops and why, in one line.
struct RootlessCgroups {
  runtime::CgroupDriver driver = runtime::CgroupDriver::None;
  std::string cgroups_path;  // for spec.cgroups_path, under the unified root
  std::string ignored;       // "" when nothing asked for is lost
};

// `resources` is linux.resources; `mountinfo`/`proc_self_cgroup` as read
// from /proc/self, `writable` says whether the user may write a path
// (access(W_OK) in production), so the choice is testable.
RootlessCgroups plan_rootless_cgroups(const nlohmann::json& resources, const std::string& container_id,
                                      const runtime::cgroup::Hierarchy& hierarchy,
                                      const std::string& proc_self_cgroup,
                                      const std::function<bool(const std::filesystem::path&)>& writable,
                                      const std::function<std::string(const std::filesystem::path&)>& read);
RootlessCgroups rootless_cgroups(const nlohmann::json& resources, const std::string& container_id);

}  // namespace mini::engine
