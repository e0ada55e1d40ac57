#pragma once
// The host side of mini's bridge network, from plain values: the bridge,
// a veth pair per container, and the sysctls NAT needs. Addresses are IPv4
// in host byte order.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "net/ipam.h"

namespace mini::net {

struct BridgeSettings {
  std::string name;
  uint32_t gateway = 0;  // the bridge's own address
  int prefix = 0;
};

// Creates the bridge when it is missing, leaves it exactly this IPv4
// address, brings it up, and turns on IPv4 forwarding and, on the bridge
// only, route_localnet (see ruleset.h for why).
void ensure_bridge(const BridgeSettings& bridge);

struct Endpoint {
  std::string bridge;
  std::string host_veth;  // "veth" + ID prefix
  uint32_t address = 0;
  int prefix = 0;
  uint32_t gateway = 0;
};

// Creates a veth pair whose host end joins the bridge and whose peer is
// eth0 inside the network namespace of `pid`, with the endpoint's address
// and a default route through the gateway. A stale host end of the same
// name (a crashed earlier run) is replaced.
void connect_container(pid_t pid, const Endpoint& endpoint);

// False when there was no such interface. Deleting one end of a veth pair
// deletes both.
bool delete_link(const std::string& name);

// The names of the interfaces attached to `bridge`.
std::vector<std::string> bridge_ports(const std::string& bridge);

// The host's IPv4 routes in the main table.
std::vector<Route> host_routes();

// The bridge's IPv4 address and prefix, when it exists and has one.
struct BridgeAddress {
  uint32_t address = 0;
  int prefix = 0;
};
std::vector<BridgeAddress> bridge_addresses(const std::string& bridge);

}  // namespace mini::net
