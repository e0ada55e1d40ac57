// The user-mode network helpers' command lines (slirp4netns, pasta).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "net/user_mode.h"

namespace mini {
namespace {

using ::testing::HasSubstr;
using ::testing::ElementsAre;

TEST(RootlessNetwork, HelperCommandLines) {
  auto slirp = net::slirp4netns_args("/run/user/1/mini/net/x/netns", "/run/user/1/mini/net/x/slirp4netns.sock", 5, 6);
  EXPECT_THAT(slirp, ElementsAre("slirp4netns", "--configure", "--mtu=65520", "--disable-host-loopback",
                                 "--api-socket", "/run/user/1/mini/net/x/slirp4netns.sock", "--ready-fd", "5",
                                 "--exit-fd", "6", "--netns-type=path", "/run/user/1/mini/net/x/netns", "tap0"));
  net::PortMapping web{"127.0.0.1", 18081, 80, "tcp"};
  EXPECT_EQ(net::slirp_hostfwd_request(web),
            R"({"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"127.0.0.1","host_port":18081,"guest_port":80}})");
  auto pasta = net::pasta_args("/run/n/netns", {web, {"", 5353, 53, "udp"}}, "/p");
  EXPECT_THAT(pasta, ElementsAre("pasta", "--config-net", "--quiet", "--pid", "/p", "-t", "127.0.0.1/18081:80",
                                 "-u", "5353:53", "-T", "none", "-U", "none", "--netns", "/run/n/netns"));
  EXPECT_EQ(net::user_mode_resolv_conf("slirp4netns", "nameserver 127.0.0.53\n"), "nameserver 10.0.2.3\n");
}

}  // namespace
}  // namespace mini
