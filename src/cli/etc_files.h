#pragma once
// The files mini writes for a container: /etc/hostname, /etc/hosts,
// /etc/resolv.conf, and reads from the image before it runs (/etc/passwd).
#include <filesystem>
#include <string>
#include <vector>

namespace mini::cli {

std::string hosts_file(const std::string& hostname);
// The host's resolv.conf minus loopback nameservers, which mean nothing
// inside a network namespace; Docker's public fallbacks when none remain.
std::string container_resolv_conf(const std::string& host_resolv_conf);

// Reads `path` (relative, e.g. "etc/passwd") as the image shows it: the
// topmost layer that has it wins; a whiteout or absence gives "". Resolution
// stays inside each layer directory, so a hostile symlink can't read the host.
std::string read_from_layers(const std::vector<std::filesystem::path>& layers_bottom_first, const std::string& path);

}  // namespace mini::cli
