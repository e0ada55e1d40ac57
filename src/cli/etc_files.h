#pragma once
// The files mini writes for a container: /etc/hostname, /etc/hosts,
// /etc/resolv.conf, and reads from the image before it runs (/etc/passwd).
#include <filesystem>
#include <string>
#include <vector>

namespace mini::cli {

struct HostsEntry {
  std::string address;
  std::vector<std::string> names;  // empty, repeated and malformed names are left out
};
// Without `network` the hostname means 127.0.1.1, as on Debian; on a bridge
// the entries (the container's own first, then its peers) say where each
// name lives.
std::string hosts_file(const std::string& hostname, const std::vector<HostsEntry>& network = {});
// The host's resolv.conf minus loopback nameservers, which mean nothing
// inside a network namespace; Docker's public fallbacks when none remain.
std::string container_resolv_conf(const std::string& host_resolv_conf);

// An image's or a container's /etc/passwd and /etc/group ("" when absent),
// for resolve_user. Read with read_contained_file's rules: a FIFO, device,
// symlink out of the root or oversized file there is a one-line error,
// never a hang or a host file.
struct UserFiles {
  std::string passwd, group;
};
// As the container will see them: the merged view of the image's layers
// (a top layer's symlink into a lower layer works, a whiteout hides).
UserFiles user_files_from_layers(const std::vector<std::filesystem::path>& layers_bottom_first);
// From a running container's root (/proc/PID/root), its changes included.
UserFiles user_files_from_root(const std::filesystem::path& root);

}  // namespace mini::cli
