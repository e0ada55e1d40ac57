#include "common/bytes.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>

#include "common/error.h"

namespace mini {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

uint64_t parse_byte_size(std::string_view text, const std::string& what) {
  auto bad = [&] {
    return Error(what + " must be a size such as 1073741824, 512MB or 20GB (0 for no limit), not \"" +
                 std::string(text) + "\"");
  };
  size_t pos = 0;
  while (pos < text.size() && ((text[pos] >= '0' && text[pos] <= '9') || text[pos] == '.')) ++pos;
  std::string number(text.substr(0, pos));
  if (number.empty() || number == "." || number.find('.') != number.rfind('.')) throw bad();
  std::string unit = lower(text.substr(pos));
  if (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  // Docker's RAMInBytes: k, kb, kib (and so on) all mean powers of 1024.
  static const std::pair<const char*, int> kUnits[] = {{"", 0}, {"b", 0}, {"k", 1}, {"m", 2}, {"g", 3}, {"t", 4}};
  int power = -1;
  for (const auto& [name, p] : kUnits) {
    std::string u = name;
    if (unit == u || (!u.empty() && u != "b" && (unit == u + "b" || unit == u + "ib"))) power = p;
  }
  if (power < 0) throw bad();
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(number.c_str(), &end);
  if (errno != 0 || *end != '\0') throw bad();
  double bytes = std::floor(value * std::pow(1024.0, power));
  if (!(bytes < 18446744073709551615.0)) throw bad();
  return static_cast<uint64_t>(bytes);
}

namespace {

// `bytes` in the largest of `units` (each `base` times the last) that
// keeps it at 1 or more: whole bytes as they are, the rest with `digits`
// in printf's `style` (%g: significant digits, %f: decimals).
template <size_t N>
std::string scaled_bytes(uint64_t bytes, unsigned base, const char* const (&units)[N], const char* space,
                         char style, int digits) {
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= base && unit + 1 < N) {
    value /= base;
    ++unit;
  }
  const char format[] = {'%', '.', '*', style, '%', 's', '%', 's', '\0'};
  char buf[32];
  if (unit == 0)
    std::snprintf(buf, sizeof buf, "%llu%s%s", static_cast<unsigned long long>(bytes), space, units[0]);
  else
    std::snprintf(buf, sizeof buf, format, digits, value, space, units[unit]);
  return buf;
}

}  // namespace

std::string decimal_bytes(uint64_t bytes, int significant) {
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  return scaled_bytes(bytes, 1000, kUnits, "", 'g', significant);
}

std::string binary_bytes(uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  return scaled_bytes(bytes, 1024, kUnits, " ", 'f', 1);
}

}  // namespace mini
