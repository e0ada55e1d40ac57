#include "cli/userns.h"

#include <sstream>

#include "common/error.h"

namespace mini::cli {

std::optional<IdRange> find_subid_range(const std::string& content, const std::string& user) {
  std::istringstream lines(content);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string name, start, count;
    if (!std::getline(fields, name, ':') || !std::getline(fields, start, ':') || !std::getline(fields, count)) continue;
    if (name != user) continue;
    try {
      IdRange range{static_cast<uint32_t>(std::stoul(start)), static_cast<uint32_t>(std::stoul(count))};
      if (range.count > 0) return range;
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

}  // namespace mini::cli
