#include "registry/display.h"

#include <algorithm>

namespace mini::registry {

namespace {

// Length of the valid, printable UTF-8 sequence at `s`, 0 when it is none.
size_t printable_sequence(std::string_view s) {
  unsigned char c = static_cast<unsigned char>(s[0]);
  if (c >= 0x20 && c < 0x7f) return 1;
  size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (len == 0 || len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k)
    if ((static_cast<unsigned char>(s[k]) & 0xc0) != 0x80) return 0;
  // U+0080..U+009F (C2 80..C2 9F) are the C1 control characters.
  if (len == 2 && c == 0xc2 && static_cast<unsigned char>(s[1]) < 0xa0) return 0;
  return len;
}

void escape_into(std::string& out, std::string_view raw, size_t max, size_t& consumed) {
  static const char* hex = "0123456789abcdef";
  size_t i = 0;
  while (i < raw.size() && out.size() < max) {
    size_t len = printable_sequence(raw.substr(i));
    if (len > 0) {
      out.append(raw.substr(i, len));
      i += len;
    } else {
      unsigned char c = static_cast<unsigned char>(raw[i++]);
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  consumed = i;
}

}  // namespace

std::string shown(std::string_view untrusted, size_t max) {
  std::string out;
  size_t consumed = 0;
  escape_into(out, untrusted, max, consumed);
  if (consumed < untrusted.size()) out += "... (" + std::to_string(untrusted.size() - consumed) + " more bytes)";
  return out;
}

bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char ch) {
    unsigned char c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7f;
  });
}

std::string shown_list(const std::vector<std::string>& items, size_t max) {
  std::string out;
  size_t count = std::min(items.size(), max);
  for (size_t i = 0; i < count; ++i) out += (i ? ", " : "") + shown(items[i], 80);
  if (items.size() > count) out += " and " + std::to_string(items.size() - count) + " more";
  return out;
}

std::string one_line(std::string_view message, size_t max) {
  std::string escaped;
  size_t consumed = 0;
  escape_into(escaped, message, std::string::npos, consumed);
  if (escaped.size() <= max) return escaped;
  // Keep whole UTF-8 sequences: cut only before a byte that starts one.
  auto boundary = [&](size_t pos) {
    while (pos > 0 && (static_cast<unsigned char>(escaped[pos]) & 0xc0) == 0x80) --pos;
    return pos;
  };
  size_t head = boundary(max * 2 / 3), tail = boundary(escaped.size() - max / 3);
  return escaped.substr(0, head) + " ... (" + std::to_string(tail - head) + " characters left out) ... " +
         escaped.substr(tail);
}

}  // namespace mini::registry
