#pragma once
// The files mini writes for a container: /etc/hostname, /etc/hosts,
// /etc/resolv.conf, and reads from the image before it runs (/etc/passwd).
#include <filesystem>
#include <string>
#include <vector>

namespace mini::cli {

struct HostsEntry {
  std::string address;
  std::vector<std::string> names;  // empty and repeated names are left out
};
// Without `network` the hostname means 127.0.1.1, as on Debian; on a bridge
// the entries (the container's own first, then its peers) say where each
// name lives.
std::string hosts_file(const std::string& hostname, const std::vector<HostsEntry>& network = {});
// The host's resolv.conf minus loopback nameservers, which mean nothing
// inside a network namespace; Docker's public fallbacks when none remain.
std::string container_resolv_conf(const std::string& host_resolv_conf);

// Reads `path` (relative, e.g. "etc/passwd") as the image shows it: the
// topmost layer that has it wins; a whiteout or absence gives "". Resolution
// stays inside each layer directory, so a hostile symlink can't read the host.
std::string read_from_layers(const std::vector<std::filesystem::path>& layers_bottom_first, const std::string& path);

}  // namespace mini::cli
