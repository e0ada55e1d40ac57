#pragma once
// Who this process really is, whichever user namespace it sits in. A
// rootless mini runs as root of a user namespace of its own (geteuid() is 0
// there), so "are we root?" must ask which host user we are, not geteuid().
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mini::identity {

// One line of /proc/PID/uid_map or gid_map: ids inside .. inside+count-1
// are outside .. outside+count-1 in the parent namespace.
struct IdExtent {
  uint32_t inside = 0, outside = 0, count = 0;
};
using IdMap = std::vector<IdExtent>;

// Parses uid_map/gid_map content; lines that don't parse are skipped.
IdMap parse_id_map(const std::string& text);
// The initial namespace's map: every id is itself.
bool is_identity_map(const IdMap& map);
// `id` inside, as the parent namespace sees it.
std::optional<uint32_t> to_outside(const IdMap& map, uint32_t id);
// "0-65536" style: the inside ranges a map covers, for messages.
std::string describe_inside(const IdMap& map);

// This process's maps, read once (again after refresh()).
const IdMap& uid_map();
const IdMap& gid_map();
// Forgets the maps read: call after entering another user namespace.
void refresh();

// True when this process is not in the initial user namespace.
bool in_user_namespace();
// The host uid/gid this process acts as (geteuid() mapped out of our user
// namespace; geteuid() itself in the initial one).
uid_t host_uid();
gid_t host_gid();
// Not the host's root: mini keeps its files in the user's own directories.
inline bool rootless() { return host_uid() != 0; }

// The user's private run-time directory: $XDG_RUNTIME_DIR, or
// /tmp/mini-run-UID, created 0700, which must be a directory the user owns
// and nobody else can enter (another user could have made it first).
// Throws mini::Error.
std::filesystem::path runtime_dir();

}  // namespace mini::identity
