#pragma once
// Resolves a Docker USER value ("name", "uid", "name:group", "uid:gid")
// against the image's /etc/passwd and /etc/group, as runc does: a number
// is an id (looked up only for its home, group and supplementary groups,
// never as a name), a name is a name, and ids past 2^31-1 are refused.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/spec_builder.h"

namespace mini::engine {

// `passwd` and `group` are file contents (empty when the image has none).
// A numeric user without a passwd entry gets group 0 and home "/" ("/root"
// for uid 0). Throws mini::Error when a name is not found, as Docker does,
// and when an id (asked for, or the found entry's) is out of range.
ResolvedUser resolve_user(const std::string& spec, const std::string& passwd, const std::string& group);
// --group-add: numbers are gids, names come from `group` (the image's
// /etc/group); the same range rule.
void add_groups(ResolvedUser& user, const std::vector<std::string>& names, const std::string& group);

// An image's or a container's /etc/passwd and /etc/group ("" when absent),
// for resolve_user. Read with read_contained_file's rules: a FIFO, device,
// symlink out of the root or oversized file there is a one-line error,
// never a hang or a host file.
struct UserFiles {
  std::string passwd, group;
};
// As the container will see them: the merged view of the image's layers
// (a top layer's symlink into a lower layer works, a whiteout hides).
UserFiles user_files_from_layers(const std::vector<std::filesystem::path>& layers_bottom_first);
// From a running container's root (/proc/PID/root), its changes included.
UserFiles user_files_from_root(const std::filesystem::path& root);

}  // namespace mini::engine
