#include "common/identity.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "common/error.h"
#include "common/fs_util.h"

namespace mini::identity {

IdMap parse_id_map(const std::string& text) {
  IdMap map;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    unsigned long long inside, outside, count;
    if (!(fields >> inside >> outside >> count)) continue;
    if (inside > UINT32_MAX || outside > UINT32_MAX || count > UINT32_MAX || count == 0) continue;
    map.push_back({static_cast<uint32_t>(inside), static_cast<uint32_t>(outside), static_cast<uint32_t>(count)});
  }
  return map;
}

bool is_identity_map(const IdMap& map) {
  return map.size() == 1 && map[0].inside == 0 && map[0].outside == 0 && map[0].count == UINT32_MAX;
}

std::optional<uint32_t> to_outside(const IdMap& map, uint32_t id) {
  for (const auto& e : map)
    if (id >= e.inside && id - e.inside < e.count) return e.outside + (id - e.inside);
  return std::nullopt;
}

std::string describe_inside(const IdMap& map) {
  // Ranges that touch are one: "0 UID 1" and "1 SUBUID 65536" read 0-65536.
  IdMap sorted = map;
  std::sort(sorted.begin(), sorted.end(), [](const IdExtent& a, const IdExtent& b) { return a.inside < b.inside; });
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto& e : sorted) {
    uint64_t first = e.inside, last = first + e.count - 1;
    if (!ranges.empty() && first <= ranges.back().second + 1)
      ranges.back().second = std::max(ranges.back().second, last);
    else
      ranges.emplace_back(first, last);
  }
  std::string out;
  for (const auto& [first, last] : ranges) {
    if (!out.empty()) out += ", ";
    out += std::to_string(first);
    if (last > first) out += "-" + std::to_string(last);
  }
  return out.empty() ? "none" : out;
}

namespace {

IdMap read_map(const char* path) {
  try {
    return parse_id_map(fsutil::read_file(path, 1 << 16));
  } catch (const Error&) {
    // No /proc: treat as the initial namespace, as a kernel without user namespaces is.
    return {{0, 0, UINT32_MAX}};
  }
}

std::optional<IdMap>& cached_uid_map() {
  static std::optional<IdMap> map;
  return map;
}

std::optional<IdMap>& cached_gid_map() {
  static std::optional<IdMap> map;
  return map;
}

}  // namespace

const IdMap& uid_map() {
  auto& map = cached_uid_map();
  if (!map) map = read_map("/proc/self/uid_map");
  return *map;
}

const IdMap& gid_map() {
  auto& map = cached_gid_map();
  if (!map) map = read_map("/proc/self/gid_map");
  return *map;
}

void refresh() {
  cached_uid_map().reset();
  cached_gid_map().reset();
}

bool in_user_namespace() { return !is_identity_map(uid_map()); }

uid_t host_uid() {
  uid_t uid = ::geteuid();
  if (!in_user_namespace()) return uid;
  // Unmapped (overflow) ids count as not root.
  return to_outside(uid_map(), uid).value_or(65534);
}

gid_t host_gid() {
  gid_t gid = ::getegid();
  if (!in_user_namespace()) return gid;
  return to_outside(gid_map(), gid).value_or(65534);
}

std::filesystem::path runtime_dir() {
  if (const char* env = std::getenv("XDG_RUNTIME_DIR"); env && *env) return env;
  std::filesystem::path dir = "/tmp/mini-run-" + std::to_string(host_uid());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("create " + dir.string());
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) throw_errno("stat " + dir.string());
  // Our own uid as this namespace shows it: in the user namespace the user is 0.
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
    throw Error(dir.string() + " is not a private directory of yours (someone else may have made it); set "
                "XDG_RUNTIME_DIR to one that is, or remove it");
  return dir;
}

}  // namespace mini::identity
