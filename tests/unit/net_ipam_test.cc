#include "net/ipam.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"

namespace mini::net {
namespace {

uint32_t ip(const char* text) { return *parse_ipv4(text); }

TEST(NetIpam, ParsesAndFormatsAddresses) {
  EXPECT_EQ(parse_ipv4("10.88.0.1"), 0x0a580001u);
  EXPECT_EQ(format_ipv4(0x0a580001u), "10.88.0.1");
  EXPECT_FALSE(parse_ipv4("10.88.0"));
  EXPECT_FALSE(parse_ipv4("10.88.0.256"));
  EXPECT_FALSE(parse_ipv4("::1"));
}

TEST(NetIpam, BipIsTheGatewayWithItsPrefix) {
  Subnet subnet = parse_bip("10.88.0.1/16", "config");
  EXPECT_EQ(subnet.network, ip("10.88.0.0"));
  EXPECT_EQ(subnet.prefix, 16);
  EXPECT_EQ(subnet.gateway, ip("10.88.0.1"));
  EXPECT_EQ(subnet.cidr(), "10.88.0.0/16");
  EXPECT_EQ(subnet.broadcast(), ip("10.88.255.255"));

  Subnet other = parse_bip("192.168.5.77/24", "config");
  EXPECT_EQ(other.network, ip("192.168.5.0"));
  EXPECT_EQ(other.gateway, ip("192.168.5.77"));
  // A network address means its first host, as people often write it.
  EXPECT_EQ(parse_bip("172.30.0.0/16", "config").gateway, ip("172.30.0.1"));
}

TEST(NetIpam, BadBipsSayWhatToWrite) {
  for (const char* bad : {"10.88.0.1", "10.88.0.1/", "10.88.0.1/33", "10.88.0.1/31", "10.88.0.1/4", "x/16",
                          "10.88.0.1/16x", "10.88.0.255/24"}) {
    try {
      parse_bip(bad, "config file");
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("e.g. 10.88.0.1/16")) << bad;
      EXPECT_THAT(e.what(), ::testing::StartsWith("config file: \"bip\"")) << bad;
    }
  }
}

TEST(NetIpam, AllocatesAfterTheLastAndSkipsReservedAddresses) {
  Subnet subnet = parse_bip("10.0.0.1/29", "c");  // hosts .1-.6, .1 the gateway
  EXPECT_EQ(next_free_address(subnet, {}, 0), ip("10.0.0.2"));
  EXPECT_EQ(next_free_address(subnet, {ip("10.0.0.2")}, ip("10.0.0.2")), ip("10.0.0.3"));
  // A just-released address is reused last: after .3 comes .4 even though .2 is free.
  EXPECT_EQ(next_free_address(subnet, {}, ip("10.0.0.3")), ip("10.0.0.4"));
  // Wraps round past the broadcast address and the gateway.
  EXPECT_EQ(next_free_address(subnet, {ip("10.0.0.2")}, ip("10.0.0.6")), ip("10.0.0.3"));
  EXPECT_EQ(next_free_address(subnet, {}, ip("10.0.0.6")), ip("10.0.0.2"));
  std::set<uint32_t> full = {ip("10.0.0.2"), ip("10.0.0.3"), ip("10.0.0.4"), ip("10.0.0.5"), ip("10.0.0.6")};
  EXPECT_EQ(next_free_address(subnet, full, ip("10.0.0.4")), std::nullopt);
  full.erase(ip("10.0.0.3"));
  EXPECT_EQ(next_free_address(subnet, full, ip("10.0.0.4")), ip("10.0.0.3"));
  // A `last` from another subnet starts from the beginning.
  EXPECT_EQ(next_free_address(subnet, {}, ip("192.168.0.9")), ip("10.0.0.2"));
}

TEST(NetIpam, GatewayInTheMiddleIsNeverHandedOut) {
  Subnet subnet = parse_bip("10.0.0.3/29", "c");
  std::set<uint32_t> used = {ip("10.0.0.1"), ip("10.0.0.2")};
  EXPECT_EQ(next_free_address(subnet, used, ip("10.0.0.2")), ip("10.0.0.4"));
}

TEST(NetIpam, DefaultSubnetAvoidsHostRoutes) {
  EXPECT_EQ(pick_default_subnet({})->cidr(), "10.88.0.0/16");
  std::vector<Route> routes = {{0, 0, "eth0"},  // the default route never counts
                               {ip("192.0.2.0"), 24, "eth0"}};
  EXPECT_EQ(pick_default_subnet(routes)->cidr(), "10.88.0.0/16");
  routes.push_back({ip("10.88.3.0"), 24, "wg0"});
  EXPECT_EQ(pick_default_subnet(routes)->cidr(), "10.89.0.0/16");
  EXPECT_EQ(pick_default_subnet(routes)->gateway, ip("10.89.0.1"));
  routes.push_back({ip("10.0.0.0"), 8, "vpn"});
  EXPECT_EQ(pick_default_subnet(routes)->cidr(), "172.30.0.0/16");
  routes.push_back({ip("172.16.0.0"), 12, "vpn"});
  EXPECT_EQ(pick_default_subnet(routes), std::nullopt);
}

TEST(NetIpam, ConflictingRouteNamesTheRoute) {
  Subnet subnet = parse_bip("10.88.0.1/16", "c");
  auto route = conflicting_route(subnet, {{ip("10.0.0.0"), 8, "tun0"}});
  ASSERT_TRUE(route);
  EXPECT_EQ(route->device, "tun0");
  EXPECT_FALSE(conflicting_route(subnet, {{ip("10.89.0.0"), 16, "x"}}));
  EXPECT_TRUE(conflicting_route(subnet, {{ip("10.88.7.0"), 24, "x"}}));
}

}  // namespace
}  // namespace mini::net
