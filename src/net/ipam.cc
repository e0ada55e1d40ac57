#include "net/ipam.h"

#include <arpa/inet.h>

#include <charconv>

#include "common/error.h"

namespace mini::net {

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  in_addr address{};
  if (::inet_pton(AF_INET, std::string(text).c_str(), &address) != 1) return std::nullopt;
  return ntohl(address.s_addr);
}

std::string format_ipv4(uint32_t address) {
  in_addr in{htonl(address)};
  char text[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &in, text, sizeof text);
  return text;
}

bool Subnet::overlaps(uint32_t other_network, int other_prefix) const {
  int shorter = std::min(prefix, other_prefix);
  uint32_t common = shorter == 0 ? 0 : ~uint32_t(0) << (32 - shorter);
  return (network & common) == (other_network & common);
}

std::string Subnet::cidr() const { return format_ipv4(network) + "/" + std::to_string(prefix); }

Subnet parse_bip(std::string_view text, const std::string& origin) {
  auto fail = [&](const std::string& why) -> Subnet {
    throw Error(origin + ": \"bip\" " + std::string(text) + " " + why +
                "; give the bridge's address and prefix, e.g. 10.88.0.1/16");
  };
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return fail("has no /PREFIX");
  auto address = parse_ipv4(text.substr(0, slash));
  if (!address) return fail("is not an IPv4 address");
  int prefix = -1;
  auto digits = text.substr(slash + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
  if (ec != std::errc() || end != digits.data() + digits.size() || prefix < 0 || prefix > 32)
    return fail("has an invalid prefix length");
  // A /31 or /32 leaves no address for a container beside the gateway.
  if (prefix < 8 || prefix > 30) return fail("needs a prefix length between 8 and 30");
  Subnet subnet;
  subnet.prefix = prefix;
  subnet.network = *address & subnet.mask();
  subnet.gateway = *address == subnet.network ? subnet.network + 1 : *address;
  if (subnet.gateway == subnet.broadcast()) return fail("is the subnet's broadcast address");
  return subnet;
}

std::optional<uint32_t> next_free_address(const Subnet& subnet, const std::set<uint32_t>& used, uint32_t last) {
  uint32_t first = subnet.network + 1, end = subnet.broadcast();  // [first, end)
  uint64_t count = end - first;
  uint32_t start = subnet.contains(last) && last >= first && last < end ? last + 1 : first;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t candidate = uint64_t(start) + i;
    if (candidate >= end) candidate = first + (candidate - end);
    auto address = static_cast<uint32_t>(candidate);
    if (address == subnet.gateway || used.count(address)) continue;
    return address;
  }
  return std::nullopt;
}

std::optional<Route> conflicting_route(const Subnet& subnet, const std::vector<Route>& host_routes) {
  for (const auto& route : host_routes)
    if (route.prefix > 0 && subnet.overlaps(route.destination, route.prefix)) return route;
  return std::nullopt;
}

std::optional<Subnet> pick_default_subnet(const std::vector<Route>& host_routes) {
  std::vector<uint32_t> candidates;
  for (uint32_t second = 88; second <= 99; ++second) candidates.push_back((10u << 24) | (second << 16));
  for (uint32_t second : {30u, 31u}) candidates.push_back((172u << 24) | (second << 16));
  for (uint32_t network : candidates) {
    Subnet subnet{network, 16, network + 1};
    if (!conflicting_route(subnet, host_routes)) return subnet;
  }
  return std::nullopt;
}

}  // namespace mini::net
