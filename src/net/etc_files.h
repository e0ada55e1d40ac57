#pragma once
// The network's files mini writes for a container: /etc/hosts and
// /etc/resolv.conf.
#include <string>
#include <vector>

namespace mini::net {

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

}  // namespace mini::net
