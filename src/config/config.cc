#include "config/config.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/error.h"
#include "common/fs_util.h"
#include "common/identity.h"
#include "config/paths.h"

namespace mini::config {

namespace {

std::vector<std::string> string_list(const nlohmann::json& doc, const char* key, const std::string& origin) {
  std::vector<std::string> out;
  auto it = doc.find(key);
  if (it == doc.end()) return out;
  if (!it->is_array()) throw Error(origin + ": \"" + key + "\" must be a list of strings");
  for (const auto& item : *it) {
    if (!item.is_string()) throw Error(origin + ": \"" + key + "\" must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

long positive_number(const nlohmann::json& doc, const char* key, long fallback, const std::string& origin) {
  auto it = doc.find(key);
  if (it == doc.end()) return fallback;
  if (!it->is_number_integer() || it->get<long>() <= 0)
    throw Error(origin + ": \"" + key + "\" must be a positive whole number");
  return it->get<long>();
}

// A byte count as a number or with Docker's units ("64GB"); 0 allowed.
uint64_t byte_size(const nlohmann::json& doc, const char* key, uint64_t fallback, const std::string& origin) {
  auto it = doc.find(key);
  if (it == doc.end()) return fallback;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  std::string what = origin + ": \"" + key + "\"";
  if (!it->is_string()) throw Error(what + " must be a size such as 1048576, 512MB or 20GB");
  return parse_byte_size(it->get<std::string>(), what);
}

// Docker's ValidateMirror: a scheme and a host, nothing after them.
std::string validate_mirror(std::string url, const std::string& origin) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  bool has_scheme = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
  std::string_view rest = std::string_view(url).substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
  if (!has_scheme || rest.empty() || rest.find_first_of("/?#") != std::string_view::npos)
    throw Error(origin + ": registry mirror \"" + url + "\" must be http(s)://HOST[:PORT] with nothing after it");
  return url;
}

std::string validate_insecure(const std::string& entry, const std::string& origin) {
  if (entry.find("://") != std::string::npos)
    throw Error(origin + ": insecure registry \"" + entry + "\" must be HOST[:PORT] or a CIDR, without a scheme");
  return entry;
}

Registry parse_registry(const nlohmann::json& doc, const std::string& origin) {
  Registry r;
  for (auto& mirror : string_list(doc, "registry-mirrors", origin)) r.mirrors.push_back(validate_mirror(mirror, origin));
  for (auto& entry : string_list(doc, "insecure-registries", origin))
    r.insecure.push_back(validate_insecure(entry, origin));
  r.max_concurrent_downloads =
      static_cast<int>(positive_number(doc, "max-concurrent-downloads", r.max_concurrent_downloads, origin));
  r.max_download_attempts =
      static_cast<int>(positive_number(doc, "max-download-attempts", r.max_download_attempts, origin));
  r.connect_timeout_seconds = positive_number(doc, "registry-connect-timeout", r.connect_timeout_seconds, origin);
  r.stall_timeout_seconds = positive_number(doc, "registry-stall-timeout", r.stall_timeout_seconds, origin);
  r.request_timeout_seconds = positive_number(doc, "registry-request-timeout", r.request_timeout_seconds, origin);
  r.min_bytes_per_second = byte_size(doc, "registry-min-speed", r.min_bytes_per_second, origin);
  r.max_layers =
      static_cast<int>(std::min<long>(positive_number(doc, "max-image-layers", r.max_layers, origin), 1 << 20));
  r.max_pull_bytes = byte_size(doc, "max-pull-size", r.max_pull_bytes, origin);
  return r;
}

StoreLimits parse_store(const nlohmann::json& doc, const std::string& origin) {
  StoreLimits s;
  auto it = doc.find("max-layer-size");
  if (it == doc.end()) return s;
  if (it->is_number_unsigned())
    s.max_layer_bytes = it->get<uint64_t>();
  else if (it->is_string())
    s.max_layer_bytes = parse_byte_size(it->get<std::string>(), origin + ": \"max-layer-size\"");
  else
    throw Error(origin + ": \"max-layer-size\" must be a size such as 20GB, or a number of bytes");
  return s;
}

}  // namespace

Config parse(std::string_view text, const std::string& origin) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(origin + " is not valid JSON: " + e.what());
  }
  if (!doc.is_object()) throw Error(origin + " must hold a JSON object");
  Config config;
  config.registry = parse_registry(doc, origin);
  config.store = parse_store(doc, origin);
  if (auto bip = doc.find("bip"); bip != doc.end()) {
    if (!bip->is_string()) throw Error(origin + ": \"bip\" must be a string such as \"10.88.0.1/16\"");
    config.network.bip = bip->get<std::string>();
  }
  return config;
}

Config load(const std::string& flag) {
  std::string path = flag;
  if (path.empty())
    if (const char* env = std::getenv("MINI_CONFIG"); env && *env) path = env;
  bool explicit_path = !path.empty();
  if (!explicit_path) {
    // Root's /etc/mini/config.json, a user's $XDG_CONFIG_HOME/mini/config.json.
    path = paths_for(identity::rootless(), [](const std::string& name) -> std::optional<std::string> {
             const char* v = std::getenv(name.c_str());
             return v ? std::optional<std::string>(v) : std::nullopt;
           }).config_file.string();
  }
  Config config;
  std::error_code ec;
  if (explicit_path || std::filesystem::exists(path, ec))
    config = parse(fsutil::read_file(path, 1 << 20), "config file " + path);
  if (const char* env = std::getenv("MINI_MAX_LAYER_BYTES"); env && *env)
    config.store.max_layer_bytes = parse_byte_size(env, "MINI_MAX_LAYER_BYTES");
  return config;
}

}  // namespace mini::config
