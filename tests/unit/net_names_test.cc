// Container names and hostnames: Docker's rule, and nothing that could add
// a line to a peer's /etc/hosts.
#include "net/names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "net/etc_files.h"
#include "common/error.h"
#include "support/error_of.h"

namespace mini::net {
namespace {

using test::error_of;

using ::testing::HasSubstr;

TEST(Names, DockersPatternForContainerNames) {
  for (const char* name : {"web", "a", "web_1", "my.app-2", "0day", "A.B_C-D"})
    EXPECT_TRUE(is_valid_container_name(name)) << name;
  for (const char* name : {"", "-rm", "..", ".hidden", "_x", "a/b", "../x", "a b", "a\nb", "a\tb", "x#y", "é",
                           "a:b", "/web", "web\n10.0.0.1 bank.example"})
    EXPECT_FALSE(is_valid_container_name(name)) << name;
  EXPECT_FALSE(is_valid_container_name(std::string("a\0b", 3)));
  EXPECT_TRUE(is_valid_container_name(random_container_name()));
}

TEST(Names, TheMessageIsDockersOnOneLine) {
  EXPECT_EQ(error_of([] { check_container_name("a/b"); }),
            "Invalid container name (a/b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  std::string newline = error_of([] { check_container_name("web\n10.0.0.1 bank"); });
  EXPECT_THAT(newline, HasSubstr("Invalid container name (web\\x0a10.0.0.1 bank)"));
  EXPECT_EQ(newline.find('\n'), std::string::npos);
  EXPECT_EQ(error_of([] { check_container_name("ok-name"); }), "");
}

TEST(Names, Hostnames) {
  for (const char* name : {"box", "web-1", "a.b.c", "db_primary", "x"}) EXPECT_TRUE(is_valid_hostname(name)) << name;
  EXPECT_TRUE(is_valid_hostname(std::string(63, 'a')));
  std::string long_label(64, 'a');
  std::string long_total = std::string(32, 'a') + "." + std::string(32, 'b');
  for (const std::string& name : {std::string(""), std::string("-x"), std::string("x-"), std::string("a..b"),
                                  std::string(".a"), std::string("a."), std::string("a b"), std::string("a\nb"),
                                  std::string("a/b"), long_label, long_total})
    EXPECT_FALSE(is_valid_hostname(name)) << name;
  std::string message = error_of([] { check_hostname("evil\n1.2.3.4 bank"); });
  EXPECT_THAT(message, HasSubstr("invalid hostname"));
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(Names, HostsFileNeverTakesAnInjectedLine) {
  std::string hosts = hosts_file("evil\n6.6.6.6 bank.example");
  EXPECT_EQ(hosts.find("bank.example"), std::string::npos) << hosts;
  std::string bridged = hosts_file("box", {{"172.18.0.2", {"box", "peer\n6.6.6.6 bank.example", "ok-peer"}},
                                           {"172.18.0.3", {"tab\tname", "x y"}}});
  EXPECT_EQ(bridged.find("bank.example"), std::string::npos) << bridged;
  EXPECT_EQ(bridged.find("172.18.0.3"), std::string::npos) << "a peer with no valid name gets no line";
  EXPECT_THAT(bridged, HasSubstr("172.18.0.2\tbox ok-peer\n"));
}

}  // namespace
}  // namespace mini::net
