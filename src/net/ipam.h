#pragma once
// IPv4 address management for the mini0 bridge: the subnet, its gateway and
// which address a new container gets. Pure, so every rule is unit-tested.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mini::net {

// Addresses are host byte order throughout; only netlink sees network order.
std::optional<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t address);

struct Route {
  uint32_t destination = 0;
  int prefix = 0;
  std::string device;  // for error messages
};

struct Subnet {
  uint32_t network = 0;
  int prefix = 0;
  uint32_t gateway = 0;  // the bridge's own address

  uint32_t mask() const { return prefix == 0 ? 0 : ~uint32_t(0) << (32 - prefix); }
  uint32_t broadcast() const { return network | ~mask(); }
  bool contains(uint32_t address) const { return (address & mask()) == network; }
  bool overlaps(uint32_t other_network, int other_prefix) const;
  std::string cidr() const;  // "10.88.0.0/16"
  bool operator==(const Subnet&) const = default;
};

// Docker's "bip": the bridge's address with the subnet's prefix
// ("10.88.0.1/16"). A network address ("10.88.0.0/16") means its first host.
// Throws mini::Error naming `origin` for anything else.
Subnet parse_bip(std::string_view text, const std::string& origin);

// The first free address after `last` (wrapping round), so a just-released
// address, which peers may still hold in their ARP caches, is reused last.
// Never the network, gateway or broadcast address; nullopt when all are used.
std::optional<uint32_t> next_free_address(const Subnet& subnet, const std::set<uint32_t>& used, uint32_t last);

// The first of mini's default subnets (10.88.0.0/16, 10.89.0.0/16, ...,
// then 172.30.0.0/16, 172.31.0.0/16) that overlaps no host route, as Docker
// picks a free range for docker0. The default route never counts.
std::optional<Subnet> pick_default_subnet(const std::vector<Route>& host_routes);

// The host route `subnet` would shadow or be shadowed by, if any.
std::optional<Route> conflicting_route(const Subnet& subnet, const std::vector<Route>& host_routes);

}  // namespace mini::net
