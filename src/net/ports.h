#pragma once
// `-p/--publish [IP:][HOSTPORT:]CTRPORT[/tcp|udp]`, as Docker parses it.
// Pure; the host side (free ports, conflicts) is in network.cc.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mini::net {

struct PortMapping {
  std::string host_ip;         // "" means every host address (Docker's 0.0.0.0)
  uint16_t host_port = 0;      // 0: a free port is chosen when the container starts
  uint16_t container_port = 0;
  std::string protocol = "tcp";  // "tcp" or "udp"
  bool operator==(const PortMapping&) const = default;
};

// One flag value; ranges ("8000-8001:80-81") give one mapping per port.
// Throws mini::Error with the accepted forms.
std::vector<PortMapping> parse_publish(std::string_view spec);

// "127.0.0.1:18080->80/tcp", as `docker ps` shows it.
std::string describe(const PortMapping& mapping);

// Whether both would catch the same packets: one protocol, one host port and
// host addresses that overlap ("" overlaps all).
bool ports_collide(const PortMapping& a, const PortMapping& b);

}  // namespace mini::net
