// store/rootfs planning: a layer listed twice is stacked once, at its top
// position, which is what applying both would leave.
#include <gtest/gtest.h>

#include "store/rootfs.h"

namespace mini::store {
namespace {

TEST(RootfsPlan, RepeatedLayersKeepTheirTopmostPosition) {
  std::vector<fs::path> layers = {"/l/base", "/l/a", "/l/b", "/l/a", "/l/base", "/l/c"};
  RootfsPlan plan = plan_rootfs(StorageDriver::Overlay, layers, "/c/1");
  EXPECT_EQ(plan.lower, (std::vector<fs::path>{"/l/b", "/l/a", "/l/base", "/l/c"}));
  EXPECT_EQ(plan.overlay_options(), "lowerdir=/l/c:/l/base:/l/a:/l/b,upperdir=/c/1/upper,workdir=/c/1/work");
  EXPECT_EQ(plan_rootfs(StorageDriver::Copy, {"/x", "/x"}, "/c/2").lower, (std::vector<fs::path>{"/x"}));
}

}  // namespace
}  // namespace mini::store
