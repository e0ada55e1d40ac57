#pragma once
// mini's daemon-style configuration, found and parsed once: --config,
// $MINI_CONFIG or /etc/mini/config.json. The keys are Docker's daemon.json
// ones where Docker has them, so a daemon.json can be used as it is;
// unknown keys are ignored.
//   "registry-mirrors":         ["https://mirror.example"]  docker.io only
//   "insecure-registries":      ["127.0.0.1:5000", "10.0.0.0/8"]
//   "max-concurrent-downloads": 3
//   "max-download-attempts":    3
// mini's own limits on what a registry may make a pull wait for or take:
//   "registry-connect-timeout": 30      seconds
//   "registry-stall-timeout":   60      seconds without a byte
//   "registry-request-timeout": 60      seconds for a whole document or any headers
//   "registry-min-speed":       1024    bytes per second over a stall window (0: off)
//   "max-image-layers":         127     layers per image, as Docker
//   "max-pull-size":            "64GB"  received by one pull in all (0: no limit)
// the store's:
//   "max-layer-size":           "32GB"  one unpacked layer (0: no limit);
//                                        $MINI_MAX_LAYER_BYTES wins over it
// and the network's, Docker's "bip": the mini0 bridge's address and prefix
// ("10.88.0.1/16"), checked by the network code that uses it.
//
// The values are plain data; the modules that use them get the part they
// need from the engine and never read the file themselves.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mini::config {

struct Registry {
  std::vector<std::string> mirrors;   // "https://host[:port]", no trailing slash
  std::vector<std::string> insecure;  // "host[:port]" or an IPv4 CIDR
  int max_concurrent_downloads = 3;
  int max_download_attempts = 3;
  long connect_timeout_seconds = 30;
  long stall_timeout_seconds = 60;
  long request_timeout_seconds = 60;
  uint64_t min_bytes_per_second = 1024;
  int max_layers = 127;                   // Docker's (overlay stops near 500)
  uint64_t max_pull_bytes = 64ull << 30;  // 0: no limit
};

struct Network {
  std::string bip;  // "" means mini picks a free default subnet
};

struct StoreLimits {
  uint64_t max_layer_bytes = 32ull << 30;  // 0: no limit
};

struct Config {
  Registry registry;
  Network network;
  StoreLimits store;
};

// `origin` names the file in error messages. Throws mini::Error.
Config parse(std::string_view text, const std::string& origin);

// `flag` is --config; empty means $MINI_CONFIG, then /etc/mini/config.json
// (a user's: $XDG_CONFIG_HOME/mini/config.json, paths.h), which alone may be
// absent. $MINI_MAX_LAYER_BYTES overrides
// "max-layer-size". Throws mini::Error.
Config load(const std::string& flag);

}  // namespace mini::config
