#include "engine/user.h"

#include <algorithm>
#include <cstdint>
#include <sstream>

#include "common/contained_file.h"
#include "common/error.h"
#include "store/layer_view.h"

namespace mini::engine {

namespace {

// runc's range: uid_t -1 means "leave unchanged" to setresuid, so an id of
// 4294967295 would keep the process root; ids past 2^31-1 are refused.
constexpr uint64_t kMaxId = 2147483647;
constexpr const char* kRangeHint = "uids and gids must be in range 0-2147483647";

struct Entry {
  std::vector<std::string> fields;
};

std::vector<Entry> parse_colon_file(const std::string& content) {
  std::vector<Entry> entries;
  std::istringstream lines(content);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    Entry entry;
    std::string field;
    std::istringstream parts(line);
    while (std::getline(parts, field, ':')) entry.fields.push_back(field);
    if (line.back() == ':') entry.fields.emplace_back();
    entries.push_back(std::move(entry));
  }
  return entries;
}

// What runc's strconv.Atoi accepts: an optional sign and decimal digits.
// Such a spec is an id, never a name, whatever the image's files say.
bool is_numeric(const std::string& text) {
  size_t start = !text.empty() && (text[0] == '+' || text[0] == '-') ? 1 : 0;
  if (start == text.size()) return false;
  return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(start), text.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

// The id `text` names, or nullopt when it is out of range (a sign, or
// past 2^31-1, however many digits). `text` is_numeric.
std::optional<uint32_t> id_in_range(const std::string& text) {
  if (text[0] == '-') return text.find_first_not_of("-0") == std::string::npos ? std::optional<uint32_t>(0) : std::nullopt;
  uint64_t value = 0;
  for (char c : text.substr(text[0] == '+' ? 1 : 0)) {
    value = value * 10 + static_cast<uint64_t>(c - '0');
    if (value > kMaxId) return std::nullopt;
  }
  return static_cast<uint32_t>(value);
}

// An id the user typed: a number in range, or a one-line refusal.
uint32_t requested_id(const std::string& text, const std::string& what) {
  auto id = id_in_range(text);
  if (!id) throw Error("invalid " + what + " \"" + text + "\": " + kRangeHint);
  return *id;
}

// An id field of the image's passwd or group file, for the entry that
// was asked for: anything but a plain number in range is refused rather
// than read as 0, as a lenient parser would.
uint32_t file_id(const Entry& entry, size_t field, const std::string& file) {
  const std::string& text = entry.fields[field];
  std::optional<uint32_t> id;
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) id = id_in_range(text);
  if (!id)
    throw Error("the image's " + file + " gives " + entry.fields[0] + " the id \"" + text + "\"; " + kRangeHint +
                "; fix the image or pass a numeric -u");
  return *id;
}

// The first entry with name `name`, or whose id field equals `id`.
const Entry* find_by_name(const std::vector<Entry>& entries, const std::string& name, size_t min_fields) {
  for (const auto& entry : entries)
    if (entry.fields.size() >= min_fields && entry.fields[0] == name) return &entry;
  return nullptr;
}

const Entry* find_by_id(const std::vector<Entry>& entries, uint32_t id, size_t min_fields) {
  for (const auto& entry : entries) {
    if (entry.fields.size() < min_fields) continue;
    const std::string& text = entry.fields[2];
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) continue;
    if (id_in_range(text) == id) return &entry;
  }
  return nullptr;
}

// A group spec (after ':', or a --group-add value) as a gid: a number is
// the gid itself, a name is looked up in the image's /etc/group.
uint32_t group_id(const std::string& spec, const std::vector<Entry>& groups, const std::string& what,
                  const std::string& not_found_for) {
  if (is_numeric(spec)) return requested_id(spec, what);
  if (const Entry* gr = find_by_name(groups, spec, 3)) return file_id(*gr, 2, "/etc/group");
  throw Error("unable to find group " + spec + not_found_for + ": no matching entries in the image's /etc/group");
}

void add_unique(std::vector<uint32_t>& gids, uint32_t gid) {
  if (std::find(gids.begin(), gids.end(), gid) == gids.end()) gids.push_back(gid);
}

}  // namespace

ResolvedUser resolve_user(const std::string& spec, const std::string& passwd, const std::string& group) {
  std::string user_part = spec.substr(0, spec.find(':'));
  std::optional<std::string> group_part;
  if (auto colon = spec.find(':'); colon != std::string::npos) group_part = spec.substr(colon + 1);
  if (user_part.empty()) user_part = "0";

  ResolvedUser user;
  auto users = parse_colon_file(passwd);
  const Entry* pw = nullptr;
  if (is_numeric(user_part)) {
    uint32_t uid = requested_id(user_part, "user");
    pw = find_by_id(users, uid, 7);
    // No entry: runc's defaults, group 0 and home "/" (root's is /root).
    user.uid = uid;
    user.gid = 0;
    user.home = uid == 0 ? "/root" : "/";
  } else {
    pw = find_by_name(users, user_part, 7);
    if (!pw) throw Error("unable to find user " + user_part + ": no matching entries in the image's /etc/passwd");
    user.uid = file_id(*pw, 2, "/etc/passwd");
  }
  if (pw) {
    user.gid = file_id(*pw, 3, "/etc/passwd");
    user.home = pw->fields[5].empty() ? "/" : pw->fields[5];
  }

  auto groups = parse_colon_file(group);
  if (group_part) user.gid = group_id(*group_part, groups, "group", "");
  // Supplementary groups, as runc sets them: the primary group, then every
  // group that lists the user by name.
  user.additional_gids.push_back(user.gid);
  if (pw) {
    for (const auto& entry : groups) {
      if (entry.fields.size() < 4) continue;
      std::istringstream members(entry.fields[3]);
      std::string member;
      while (std::getline(members, member, ',')) {
        if (member != pw->fields[0]) continue;
        add_unique(user.additional_gids, file_id(entry, 2, "/etc/group"));
      }
    }
  }
  return user;
}

void add_groups(ResolvedUser& user, const std::vector<std::string>& names, const std::string& group) {
  auto groups = parse_colon_file(group);
  for (const auto& name : names) add_unique(user.additional_gids, group_id(name, groups, "--group-add", " for --group-add"));
}

namespace {

// Docker images' passwd and group files are a few KiB; big directories
// belong in NSS, which a container's runtime never consults.
constexpr size_t kMaxUserFileBytes = 4 << 20;

ContainedRead user_file(const std::string& whose, const char* name) {
  return {whose + " /etc/" + name, kMaxUserFileBytes, true};
}

}  // namespace

UserFiles user_files_from_layers(const std::vector<std::filesystem::path>& layers_bottom_first) {
  UserFiles files;
  files.passwd = store::read_layered_file(layers_bottom_first, "etc/passwd", user_file("the image's", "passwd")).value_or("");
  files.group = store::read_layered_file(layers_bottom_first, "etc/group", user_file("the image's", "group")).value_or("");
  return files;
}

UserFiles user_files_from_root(const std::filesystem::path& root) {
  UserFiles files;
  files.passwd = read_contained_file(root, "etc/passwd", user_file("the container's", "passwd")).value_or("");
  files.group = read_contained_file(root, "etc/group", user_file("the container's", "group")).value_or("");
  return files;
}

}  // namespace mini::engine
