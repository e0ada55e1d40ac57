#pragma once
// What the registry client needs to know of mini's configuration: mirrors,
// insecure registries, downloads, deadlines and budgets. The engine fills it
// from config::Config (config/config.h documents the keys); the registry
// never reads the config file itself.
#include <string>
#include <string_view>
#include <vector>

#include "registry/http.h"

namespace mini::registry {

struct RegistryConfig {
  std::vector<std::string> mirrors;   // "https://host[:port]", no trailing slash
  std::vector<std::string> insecure;  // "host[:port]" or an IPv4 CIDR
  int max_concurrent_downloads = 3;
  int max_download_attempts = 3;
  Timeouts timeouts;
  int max_layers = kDefaultMaxLayers;
  uint64_t max_pull_bytes = kDefaultMaxPullBytes;
};

// Whether plain HTTP and unverified TLS may be used for `host` ("host:port"):
// listed as insecure, or a loopback address, as Docker allows.
bool is_insecure_registry(const RegistryConfig& config, std::string_view host);

}  // namespace mini::registry
