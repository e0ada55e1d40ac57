#include "registry/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <system_error>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fs_util.h"
#include "store/layer_limits.h"

namespace mini::registry {

namespace {

constexpr const char* kDefaultConfig = "/etc/mini/config.json";

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
  return store::parse_byte_size(it->get<std::string>(), what);
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

// "host:port" -> "host"; "[::1]:5000" -> "[::1]".
std::string_view host_part(std::string_view host) {
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.rfind(':'));
}

std::optional<uint32_t> ipv4(std::string_view text) {
  in_addr addr{};
  if (inet_pton(AF_INET, std::string(text).c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

bool in_cidr(std::string_view host, std::string_view cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos) return false;
  auto address = ipv4(host), network = ipv4(cidr.substr(0, slash));
  int bits = std::atoi(std::string(cidr.substr(slash + 1)).c_str());
  if (!address || !network || bits < 0 || bits > 32) return false;
  uint32_t mask = bits == 0 ? 0 : ~uint32_t(0) << (32 - bits);
  return (*address & mask) == (*network & mask);
}

bool is_loopback(std::string_view host) {
  std::string_view name = host_part(host);
  return name == "localhost" || name == "[::1]" || in_cidr(name, "127.0.0.0/8");
}

}  // namespace

RegistryConfig parse_registry_config(std::string_view text, const std::string& origin) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(origin + " is not valid JSON: " + e.what());
  }
  if (!doc.is_object()) throw Error(origin + " must hold a JSON object");
  RegistryConfig config;
  for (auto& mirror : string_list(doc, "registry-mirrors", origin))
    config.mirrors.push_back(validate_mirror(mirror, origin));
  for (auto& entry : string_list(doc, "insecure-registries", origin))
    config.insecure.push_back(validate_insecure(entry, origin));
  config.max_concurrent_downloads =
      static_cast<int>(positive_number(doc, "max-concurrent-downloads", config.max_concurrent_downloads, origin));
  config.max_download_attempts =
      static_cast<int>(positive_number(doc, "max-download-attempts", config.max_download_attempts, origin));
  config.timeouts.connect_seconds =
      positive_number(doc, "registry-connect-timeout", config.timeouts.connect_seconds, origin);
  config.timeouts.stall_seconds = positive_number(doc, "registry-stall-timeout", config.timeouts.stall_seconds, origin);
  config.timeouts.request_seconds =
      positive_number(doc, "registry-request-timeout", config.timeouts.request_seconds, origin);
  config.timeouts.min_bytes_per_second =
      byte_size(doc, "registry-min-speed", config.timeouts.min_bytes_per_second, origin);
  config.max_layers = static_cast<int>(
      std::min<long>(positive_number(doc, "max-image-layers", config.max_layers, origin), 1 << 20));
  config.max_pull_bytes = byte_size(doc, "max-pull-size", config.max_pull_bytes, origin);
  if (auto bip = doc.find("bip"); bip != doc.end()) {
    if (!bip->is_string()) throw Error(origin + ": \"bip\" must be a string such as \"10.88.0.1/16\"");
    config.bip = bip->get<std::string>();
  }
  return config;
}

RegistryConfig load_registry_config(const std::string& flag) {
  std::string path = flag;
  if (path.empty())
    if (const char* env = std::getenv("MINI_CONFIG"); env && *env) path = env;
  bool explicit_path = !path.empty();
  if (!explicit_path) path = kDefaultConfig;
  std::error_code ec;
  if (!explicit_path && !std::filesystem::exists(path, ec)) return {};
  return parse_registry_config(fsutil::read_file(path, 1 << 20), "config file " + path);
}

bool is_insecure_registry(const RegistryConfig& config, std::string_view host) {
  if (is_loopback(host)) return true;
  for (const auto& entry : config.insecure)
    if (entry == host || entry == host_part(host) || in_cidr(host_part(host), entry)) return true;
  return false;
}

}  // namespace mini::registry
