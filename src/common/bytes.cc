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

// Divides by `base` while the value reaches it; returns the unit's index.
template <size_t N>
size_t scale(uint64_t bytes, double base, const char* const (&)[N], double& value) {
  value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= base && unit + 1 < N) {
    value /= base;
    ++unit;
  }
  return unit;
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

std::string decimal_bytes(uint64_t bytes, int significant) {
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double value = 0;
  size_t unit = scale(bytes, 1000, kUnits, value);
  char buf[32];
  if (unit == 0)
    std::snprintf(buf, sizeof buf, "%lluB", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, "%.*g%s", significant, value, kUnits[unit]);
  return buf;
}

std::string binary_bytes(uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = 0;
  size_t unit = scale(bytes, 1024, kUnits, value);
  char buf[32];
  if (unit == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", value, kUnits[unit]);
  return buf;
}

}  // namespace mini
