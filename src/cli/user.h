#pragma once
// Resolves a Docker USER value ("name", "uid", "name:group", "uid:gid")
// against the image's /etc/passwd and /etc/group.
#include <optional>
#include <string>
#include <vector>

#include "cli/spec_builder.h"

namespace mini::cli {

// `passwd` and `group` are file contents (empty when the image has none).
// Throws mini::Error when a name is not found, as Docker does.
ResolvedUser resolve_user(const std::string& spec, const std::string& passwd, const std::string& group);
// --group-add: names from `group` (the image's /etc/group) or numbers.
void add_groups(ResolvedUser& user, const std::vector<std::string>& names, const std::string& group);

}  // namespace mini::cli
