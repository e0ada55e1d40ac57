#pragma once
// mini's daemon-style configuration: /etc/mini/config.json, $MINI_CONFIG or
// --config. The registry keys are Docker's daemon.json ones, so a
// daemon.json can be used as it is; unknown keys are ignored.
//   "registry-mirrors":         ["https://mirror.example"]  docker.io only
//   "insecure-registries":      ["127.0.0.1:5000", "10.0.0.0/8"]
//   "max-concurrent-downloads": 3
//   "max-download-attempts":    3
// and mini's own limits on what a registry may make a pull wait for or take:
//   "registry-connect-timeout": 30      seconds
//   "registry-stall-timeout":   60      seconds without a byte
//   "registry-request-timeout": 60      seconds for a whole document or any headers
//   "registry-min-speed":       1024    bytes per second over a stall window (0: off)
//   "max-image-layers":         127     layers per image, as Docker
//   "max-pull-size":            "64GB"  received by one pull in all (0: no limit)
// Docker's "bip" (the mini0 bridge's address and prefix, "10.88.0.1/16") is
// read here too, and checked by the network code that uses it.
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
  std::string bip;  // "" means mini picks a free default subnet
};

// `origin` names the file in error messages.
RegistryConfig parse_registry_config(std::string_view text, const std::string& origin);
// `flag` is --config; empty means $MINI_CONFIG, then /etc/mini/config.json,
// which alone may be absent.
RegistryConfig load_registry_config(const std::string& flag);

// Whether plain HTTP and unverified TLS may be used for `host` ("host:port"):
// listed as insecure, or a loopback address, as Docker allows.
bool is_insecure_registry(const RegistryConfig& config, std::string_view host);

}  // namespace mini::registry
