#include "net/ruleset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mini::net {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Lease lease(const std::string& id, const char* address, std::vector<PortMapping> ports = {}) {
  Lease l;
  l.container_id = id;
  l.address = *parse_ipv4(address);
  l.ports = std::move(ports);
  return l;
}

TEST(NetRuleset, NoLeasesOnlyDeletesTheTable) {
  std::string text = nft_ruleset("mini0", parse_bip("10.88.0.1/16", "c"), {});
  EXPECT_EQ(text, "table ip mini\ndelete table ip mini\n");
}

TEST(NetRuleset, ReplacesTheWholeTableAtomically) {
  std::string text = nft_ruleset("mini0", parse_bip("10.88.0.1/16", "c"), {lease("aaa", "10.88.0.2")});
  // Declared, deleted and declared again in one batch: works whether or not it existed.
  EXPECT_EQ(text.rfind("table ip mini\ndelete table ip mini\ntable ip mini {\n", 0), 0u) << text;
  EXPECT_THAT(text, HasSubstr("ip saddr 10.88.0.0/16 oifname != \"mini0\" masquerade"));
  EXPECT_THAT(text, HasSubstr("oifname \"mini0\" ct status dnat ip saddr 127.0.0.0/8 masquerade"));
  EXPECT_THAT(text, HasSubstr("iifname \"mini0\" ip daddr 127.0.0.0/8 drop"));
  EXPECT_THAT(text, HasSubstr("type nat hook output priority -100"));
  EXPECT_THAT(text, Not(HasSubstr("dnat to")));
}

TEST(NetRuleset, PublishedPortsAreDnatRulesTaggedWithTheContainer) {
  std::vector<Lease> leases = {
      lease("web", "10.88.0.2", {{"127.0.0.1", 18080, 80, "tcp"}, {"", 5353, 53, "udp"}}),
      lease("db", "10.88.0.3", {{"", 5432, 5432, "tcp"}}),
  };
  std::string text = nft_ruleset("mini0", parse_bip("10.88.0.1/16", "c"), leases);
  EXPECT_THAT(text, HasSubstr("ip daddr 127.0.0.1 tcp dport 18080 dnat to 10.88.0.2:80 comment \"web\"\n"));
  EXPECT_THAT(text, HasSubstr("\t\tudp dport 5353 dnat to 10.88.0.2:53 comment \"web\"\n"));
  EXPECT_THAT(text, HasSubstr("\t\ttcp dport 5432 dnat to 10.88.0.3:5432 comment \"db\"\n"));
  // Only traffic for the host's own addresses is redirected, from outside and from the host itself.
  EXPECT_THAT(text, HasSubstr("type nat hook prerouting priority dstnat; policy accept;\n\t\tfib daddr type local jump "
                              "published"));
  EXPECT_THAT(text, HasSubstr("type nat hook output priority -100; policy accept;\n\t\tfib daddr type local jump "
                              "published"));
}

TEST(NetRuleset, FollowsTheBridgeAndSubnet) {
  std::string text = nft_ruleset("br9", parse_bip("192.168.7.1/24", "c"), {lease("x", "192.168.7.2")});
  EXPECT_THAT(text, HasSubstr("ip saddr 192.168.7.0/24 oifname != \"br9\" masquerade"));
  EXPECT_THAT(text, Not(HasSubstr("mini0")));
}

}  // namespace
}  // namespace mini::net
