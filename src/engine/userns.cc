#include "engine/userns.h"

#include <cstdint>
#include <sstream>

#include "common/error.h"

namespace mini::engine {

std::optional<IdRange> find_subid_range(const std::string& content, const std::string& user) {
  std::istringstream lines(content);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string name, start, count;
    if (!std::getline(fields, name, ':') || !std::getline(fields, start, ':') || !std::getline(fields, count)) continue;
    if (name != user) continue;
    try {
      // A value past 32 bits would wrap into a range that includes host root.
      unsigned long long first = std::stoull(start), size = std::stoull(count);
      if (first > UINT32_MAX || size > UINT32_MAX || size == 0) continue;
      return IdRange{static_cast<uint32_t>(first), static_cast<uint32_t>(size)};
    } catch (const std::exception&) {
      continue;
    }
  }
  return std::nullopt;
}

UsernsMode parse_userns(const std::string& value) {
  if (value.empty() || value == "host") return UsernsMode::Host;
  if (value == "remap" || value == "default") return UsernsMode::Remap;
  throw Error("invalid --userns \"" + value + "\"; use host or remap");
}

}  // namespace mini::engine
