#pragma once
// --userns=remap: container root becomes an unprivileged host range, taken
// from /etc/subuid and /etc/subgid (the "mini" entry) or 100000:65536.
#include <cstdint>
#include <optional>
#include <string>

namespace mini::engine {

struct IdRange {
  uint32_t start = 100000, count = 65536;
};

// Finds `user`'s first range in subuid/subgid file content.
std::optional<IdRange> find_subid_range(const std::string& content, const std::string& user);

enum class UsernsMode { Host, Remap };
// "host" (the default as root, as in Docker) or "remap".
UsernsMode parse_userns(const std::string& value);

}  // namespace mini::engine
