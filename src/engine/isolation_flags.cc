#include "engine/isolation_flags.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "common/error.h"
#include "runtime/capabilities.h"

namespace mini::engine {

namespace {

using nlohmann::json;

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), ::toupper);
  return text;
}

std::string canonical_cap(const std::string& name) {
  std::string cap = upper(name);
  if (cap != "ALL" && cap.rfind("CAP_", 0) != 0) cap = "CAP_" + cap;
  if (cap != "ALL" && !runtime::capability_number(cap))
    throw Error("unknown capability: \"" + name + "\"; see capabilities(7) for the names");
  return cap;
}

std::vector<std::string> all_capabilities() {
  std::vector<std::string> caps;
  for (int i = 0; i <= runtime::read_last_cap(); ++i) caps.push_back(runtime::capability_name(i));
  return caps;
}

}  // namespace

int64_t parse_bytes(const std::string& text) {
  static const std::map<char, int64_t> units = {
      {'b', 1}, {'k', 1ll << 10}, {'m', 1ll << 20}, {'g', 1ll << 30}, {'t', 1ll << 40}, {'p', 1ll << 50}};
  size_t pos = 0;
  double value = 0;
  try {
    value = std::stod(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  std::string suffix = text.substr(pos);
  std::transform(suffix.begin(), suffix.end(), suffix.begin(), ::tolower);
  if (suffix.size() == 2 && suffix[1] == 'b') suffix.pop_back();  // "mb", "gb"
  if (suffix.size() == 2 && suffix[1] == 'i') suffix.pop_back();  // "mi", "gi"
  int64_t unit = 1;
  if (!suffix.empty()) {
    auto it = units.find(suffix[0]);
    if (suffix.size() != 1 || it == units.end()) pos = 0;
    else unit = it->second;
  }
  if (pos == 0 || value < 0 || !std::isfinite(value))
    throw Error("invalid size: '" + text + "'; use a number with an optional unit, like 512m or 1g");
  return static_cast<int64_t>(value * static_cast<double>(unit));
}

json resources_from_flags(const IsolationFlags& flags) {
  json resources = json::object();
  if (flags.memory) {
    int64_t memory = parse_bytes(*flags.memory);
    if (memory < 6 * (1 << 20)) throw Error("minimum memory limit allowed is 6MB; ask for more with --memory");
    resources["memory"]["limit"] = memory;
    int64_t swap = 2 * memory;
    if (flags.memory_swap) swap = *flags.memory_swap == "-1" ? -1 : parse_bytes(*flags.memory_swap);
    if (swap != -1 && swap < memory)
      throw Error("minimum memoryswap limit should be larger than memory limit, see usage");
    resources["memory"]["swap"] = swap;
  } else if (flags.memory_swap && *flags.memory_swap != "-1") {
    throw Error("you should always set the memory limit when using the memoryswap limit, see usage");
  }
  if (flags.cpus) {
    if (*flags.cpus <= 0) throw Error("range of CPUs is from 0.01 to the number of CPUs available; got --cpus " + std::to_string(*flags.cpus));
    resources["cpu"]["period"] = 100000;
    resources["cpu"]["quota"] = static_cast<int64_t>(std::llround(*flags.cpus * 100000));
  }
  if (flags.cpu_shares) resources["cpu"]["shares"] = *flags.cpu_shares;
  if (flags.cpuset_cpus) resources["cpu"]["cpus"] = *flags.cpuset_cpus;
  if (flags.pids_limit) resources["pids"]["limit"] = *flags.pids_limit;
  return resources;
}

std::vector<std::string> capabilities_from_flags(const IsolationFlags& flags, const std::vector<std::string>& defaults) {
  std::vector<std::string> add, drop;
  for (const auto& c : flags.cap_add) add.push_back(canonical_cap(c));
  for (const auto& c : flags.cap_drop) drop.push_back(canonical_cap(c));
  auto has = [](const std::vector<std::string>& list, const std::string& c) {
    return std::find(list.begin(), list.end(), c) != list.end();
  };
  if (flags.privileged || has(add, "ALL")) return all_capabilities();
  std::vector<std::string> caps;
  if (!has(drop, "ALL"))
    for (const auto& c : defaults)
      if (!has(drop, c)) caps.push_back(c);
  for (const auto& c : add)
    if (!has(caps, c)) caps.push_back(c);
  return caps;
}

json rlimits_from_flags(const std::vector<std::string>& ulimits) {
  static const std::map<std::string, std::string> names = {
      {"core", "RLIMIT_CORE"},       {"cpu", "RLIMIT_CPU"},         {"data", "RLIMIT_DATA"},
      {"fsize", "RLIMIT_FSIZE"},     {"locks", "RLIMIT_LOCKS"},     {"memlock", "RLIMIT_MEMLOCK"},
      {"msgqueue", "RLIMIT_MSGQUEUE"}, {"nice", "RLIMIT_NICE"},     {"nofile", "RLIMIT_NOFILE"},
      {"nproc", "RLIMIT_NPROC"},     {"rss", "RLIMIT_RSS"},         {"rtprio", "RLIMIT_RTPRIO"},
      {"rttime", "RLIMIT_RTTIME"},   {"sigpending", "RLIMIT_SIGPENDING"}, {"stack", "RLIMIT_STACK"}};
  json rlimits = json::array();
  for (const auto& ulimit : ulimits) {
    auto eq = ulimit.find('=');
    auto name = names.find(ulimit.substr(0, eq));
    if (eq == std::string::npos || name == names.end())
      throw Error("invalid ulimit \"" + ulimit + "\"; use TYPE=SOFT[:HARD], e.g. nofile=1024:2048");
    std::string values = ulimit.substr(eq + 1);
    auto colon = values.find(':');
    try {
      uint64_t soft = std::stoull(values.substr(0, colon));
      uint64_t hard = colon == std::string::npos ? soft : std::stoull(values.substr(colon + 1));
      if (soft > hard) throw Error("ulimit " + ulimit + ": the soft limit is larger than the hard limit");
      rlimits.push_back({{"type", name->second}, {"soft", soft}, {"hard", hard}});
    } catch (const std::logic_error&) {
      throw Error("invalid ulimit value in \"" + ulimit + "\"; use numbers, e.g. nofile=1024:2048");
    }
  }
  return rlimits;
}

SecurityOptions parse_security_opts(const std::vector<std::string>& options) {
  SecurityOptions parsed;
  for (const auto& option : options) {
    auto sep = option.find_first_of("=:");
    std::string key = option.substr(0, sep), value = sep == std::string::npos ? "" : option.substr(sep + 1);
    if (key == "no-new-privileges") {
      if (value != "" && value != "true" && value != "false")
        throw Error("invalid --security-opt " + option + "; use no-new-privileges or no-new-privileges=true");
      parsed.no_new_privileges = value != "false";
    } else if (key == "seccomp" && !value.empty()) {
      if (value == "unconfined") parsed.seccomp_unconfined = true;
      else parsed.seccomp_profile_path = value;
    } else {
      throw Error("invalid --security-opt \"" + option +
                  "\"; mini supports seccomp=unconfined, seccomp=PROFILE.json and no-new-privileges");
    }
  }
  return parsed;
}

}  // namespace mini::engine
