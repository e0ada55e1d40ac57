// uid_map parsing: who a process in a user namespace is on the host.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "common/identity.h"

namespace mini {
namespace {

using ::testing::HasSubstr;
using ::testing::ElementsAre;

TEST(RootlessIdentity, ParsesMapsAndMapsIdsOut) {
  auto map = identity::parse_id_map("         0       1000          1\n         1     100000      65536\n");
  ASSERT_EQ(map.size(), 2u);
  EXPECT_FALSE(identity::is_identity_map(map));
  EXPECT_EQ(identity::to_outside(map, 0), 1000u);
  EXPECT_EQ(identity::to_outside(map, 42), 100041u);
  EXPECT_EQ(identity::to_outside(map, 65536), 165535u);
  EXPECT_EQ(identity::to_outside(map, 65537), std::nullopt);
  EXPECT_EQ(identity::describe_inside(map), "0-65536");
  EXPECT_EQ(identity::describe_inside(identity::parse_id_map("0 1000 1\n2 100000 10\n")), "0, 2-11");
  EXPECT_TRUE(identity::is_identity_map(identity::parse_id_map("0 0 4294967295\n")));
}

}  // namespace
}  // namespace mini
