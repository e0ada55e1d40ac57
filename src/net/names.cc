#include "net/names.h"

#include <cstdint>
#include <iterator>
#include <string_view>

#include "common/error.h"
#include "common/fs_util.h"

namespace mini::net {

std::string random_container_name() {
  static const char* adjectives[] = {"admiring", "bold",    "brave",   "clever",  "dazzling", "eager",
                                     "focused",  "gallant", "happy",   "jolly",   "keen",     "lucid",
                                     "modest",   "nifty",   "quirky",  "serene",  "tender",   "vibrant"};
  static const char* names[] = {"curie",   "darwin", "euler",    "fermi",  "galois", "hopper", "hypatia",
                                "kepler",  "lovelace", "noether", "pascal", "ritchie", "shannon", "thompson",
                                "turing",  "wozniak", "yonath",   "torvalds"};
  std::string hex = fsutil::random_hex(4);
  uint32_t r = static_cast<uint32_t>(std::stoul(hex, nullptr, 16));
  return std::string(adjectives[r % std::size(adjectives)]) + "_" + names[(r / 97) % std::size(names)] + "_" +
         hex.substr(0, 4);
}

namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// For messages: a name with a newline or escape in it stays on one line.
std::string printable(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace

bool is_valid_container_name(const std::string& name) {
  if (name.empty() || !is_alnum(name.front())) return false;
  for (char c : name)
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

void check_container_name(const std::string& name) {
  if (!is_valid_container_name(name))
    throw Error("Invalid container name (" + printable(name) + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
}

bool is_valid_hostname(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    std::string_view label(name.data() + start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!is_alnum(c) && c != '-' && c != '_') return false;
    start = dot + 1;
  }
  return true;
}

void check_hostname(const std::string& name) {
  if (!is_valid_hostname(name))
    throw Error("invalid hostname \"" + printable(name) +
                "\": use letters, digits, '-' and '_' in dot-separated labels, at most 64 characters in all");
}

}  // namespace mini::net
