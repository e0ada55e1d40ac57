#include "net/ports.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"

namespace mini::net {
namespace {

PortMapping one(const char* spec) {
  auto mappings = parse_publish(spec);
  EXPECT_EQ(mappings.size(), 1u) << spec;
  return mappings.at(0);
}

TEST(NetPorts, DockerForms) {
  EXPECT_EQ(one("127.0.0.1:18080:80"), (PortMapping{"127.0.0.1", 18080, 80, "tcp"}));
  EXPECT_EQ(one("8080:80"), (PortMapping{"", 8080, 80, "tcp"}));
  EXPECT_EQ(one("80"), (PortMapping{"", 0, 80, "tcp"}));
  EXPECT_EQ(one("127.0.0.1::80"), (PortMapping{"127.0.0.1", 0, 80, "tcp"}));
  EXPECT_EQ(one("5353:53/udp"), (PortMapping{"", 5353, 53, "udp"}));
  EXPECT_EQ(one("0.0.0.0:8080:80/tcp"), (PortMapping{"", 8080, 80, "tcp"}));
}

TEST(NetPorts, RangesExpand) {
  auto mappings = parse_publish("8000-8002:80-82/udp");
  ASSERT_EQ(mappings.size(), 3u);
  EXPECT_EQ(mappings[0], (PortMapping{"", 8000, 80, "udp"}));
  EXPECT_EQ(mappings[2], (PortMapping{"", 8002, 82, "udp"}));
}

TEST(NetPorts, RejectsWithTheAcceptedForms) {
  for (const char* bad : {"", "0:80", "80:0", "70000:80", "a:80", "1.2.3:80:80", "80/sctp", "[::1]:80:80",
                          "::1:80:80", "8000-8001:80", "8001-8000:80-81", "8000-8002:80-81", "80-81", "8080:80x"}) {
    try {
      parse_publish(bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("[IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp]")) << bad;
    }
  }
}

TEST(NetPorts, DescribeAsDockerPs) {
  EXPECT_EQ(describe(one("127.0.0.1:18080:80")), "127.0.0.1:18080->80/tcp");
  EXPECT_EQ(describe(one("53:53/udp")), "0.0.0.0:53->53/udp");
}

TEST(NetPorts, CollisionsNeedTheSamePortProtocolAndAnOverlappingAddress) {
  PortMapping all{"", 8080, 80, "tcp"}, local{"127.0.0.1", 8080, 81, "tcp"}, other_ip{"192.0.2.2", 8080, 80, "tcp"};
  EXPECT_TRUE(ports_collide(all, local));
  EXPECT_TRUE(ports_collide(local, all));
  EXPECT_FALSE(ports_collide(local, other_ip));
  EXPECT_FALSE(ports_collide(all, PortMapping{"", 8080, 80, "udp"}));
  EXPECT_FALSE(ports_collide(all, PortMapping{"", 8081, 80, "tcp"}));
  EXPECT_FALSE(ports_collide(PortMapping{"", 0, 80, "tcp"}, PortMapping{"", 0, 80, "tcp"}));
}

}  // namespace
}  // namespace mini::net
