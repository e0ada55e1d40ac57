#include "cli/user.h"

#include <algorithm>

#include <charconv>
#include <sstream>

#include "common/error.h"

namespace mini::cli {

namespace {

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

std::optional<uint32_t> parse_id(const std::string& text) {
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// A passwd or group entry whose name (field 0) or id (field 2) matches.
const Entry* find_entry(const std::vector<Entry>& entries, const std::string& name_or_id, size_t min_fields) {
  auto id = parse_id(name_or_id);
  for (const auto& entry : entries) {
    if (entry.fields.size() < min_fields) continue;
    if (entry.fields[0] == name_or_id) return &entry;
    if (id && parse_id(entry.fields[2]) == id) return &entry;
  }
  return nullptr;
}

}  // namespace

ResolvedUser resolve_user(const std::string& spec, const std::string& passwd, const std::string& group) {
  std::string user_part = spec.substr(0, spec.find(':'));
  std::optional<std::string> group_part;
  if (auto colon = spec.find(':'); colon != std::string::npos) group_part = spec.substr(colon + 1);
  if (user_part.empty()) user_part = "0";

  ResolvedUser user;
  auto users = parse_colon_file(passwd);
  const Entry* pw = find_entry(users, user_part, 7);
  if (pw) {
    user.uid = parse_id(pw->fields[2]).value_or(0);
    user.gid = parse_id(pw->fields[3]).value_or(0);
    user.home = pw->fields[5].empty() ? "/" : pw->fields[5];
  } else if (auto uid = parse_id(user_part)) {
    user.uid = *uid;
    user.gid = *uid == 0 ? 0 : *uid;
    user.home = *uid == 0 ? "/root" : "/";
  } else {
    throw Error("unable to find user " + user_part + ": no matching entries in the image's /etc/passwd");
  }

  auto groups = parse_colon_file(group);
  if (group_part) {
    if (const Entry* gr = find_entry(groups, *group_part, 3)) {
      user.gid = parse_id(gr->fields[2]).value_or(0);
    } else if (auto gid = parse_id(*group_part)) {
      user.gid = *gid;
    } else {
      throw Error("unable to find group " + *group_part + ": no matching entries in the image's /etc/group");
    }
  }
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
        if (auto gid = parse_id(entry.fields[2]); gid && *gid != user.gid) user.additional_gids.push_back(*gid);
      }
    }
  }
  return user;
}

void add_groups(ResolvedUser& user, const std::vector<std::string>& names, const std::string& group) {
  auto groups = parse_colon_file(group);
  for (const auto& name : names) {
    std::optional<uint32_t> gid;
    if (const Entry* gr = find_entry(groups, name, 3)) gid = parse_id(gr->fields[2]);
    if (!gid) gid = parse_id(name);
    if (!gid) throw Error("unable to find group " + name + " for --group-add: no matching entries in the image's /etc/group");
    if (std::find(user.additional_gids.begin(), user.additional_gids.end(), *gid) == user.additional_gids.end())
      user.additional_gids.push_back(*gid);
  }
}

}  // namespace mini::cli
