#include "engine/settings.h"

namespace mini::engine {

registry::RegistryConfig registry_settings(const config::Registry& config) {
  registry::RegistryConfig out;
  out.mirrors = config.mirrors;
  out.insecure = config.insecure;
  out.max_concurrent_downloads = config.max_concurrent_downloads;
  out.max_download_attempts = config.max_download_attempts;
  out.timeouts.connect_seconds = config.connect_timeout_seconds;
  out.timeouts.stall_seconds = config.stall_timeout_seconds;
  out.timeouts.request_seconds = config.request_timeout_seconds;
  out.timeouts.min_bytes_per_second = config.min_bytes_per_second;
  out.max_layers = config.max_layers;
  out.max_pull_bytes = config.max_pull_bytes;
  return out;
}

}  // namespace mini::engine
