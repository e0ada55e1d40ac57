#include "store/layer_limits.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fs_util.h"

namespace mini::store {

namespace {

constexpr const char* kDefaultConfigFile = "/etc/mini/config.json";

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

std::string format_bytes(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 6) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", value, kUnits[unit]);
  return buf;
}

std::filesystem::path default_config_file() {
  if (const char* env = std::getenv("MINI_CONFIG"); env && *env) return env;
  return kDefaultConfigFile;
}

uint64_t max_layer_bytes(const std::filesystem::path& config_file) {
  if (const char* env = std::getenv("MINI_MAX_LAYER_BYTES"); env && *env)
    return parse_byte_size(env, "MINI_MAX_LAYER_BYTES");
  struct stat st {};
  if (config_file.empty() || ::stat(config_file.c_str(), &st) != 0) return kDefaultMaxLayerBytes;
  const std::string origin = "config file " + config_file.string();
  nlohmann::json doc = nlohmann::json::parse(fsutil::read_file(config_file, 1 << 20), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw Error(origin + " must hold a JSON object");
  auto it = doc.find("max-layer-size");
  if (it == doc.end()) return kDefaultMaxLayerBytes;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_string()) return parse_byte_size(it->get<std::string>(), origin + ": \"max-layer-size\"");
  throw Error(origin + ": \"max-layer-size\" must be a size such as 20GB, or a number of bytes");
}

}  // namespace mini::store
