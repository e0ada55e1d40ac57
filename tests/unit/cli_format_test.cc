#include "cli/format.h"

#include <gtest/gtest.h>

namespace mini::cli {
namespace {

TEST(Format, SizesLikeDocker) {
  EXPECT_EQ(human_size(512), "512B");
  EXPECT_EQ(human_size(3623807), "3.62MB");
  EXPECT_EQ(human_size(7800000), "7.8MB");
  EXPECT_EQ(human_size(1000), "1kB");
}

TEST(Format, DurationsLikeDocker) {
  EXPECT_EQ(human_duration(0), "Less than a second");
  EXPECT_EQ(human_duration(5), "5 seconds");
  EXPECT_EQ(human_duration(70), "About a minute");
  EXPECT_EQ(human_duration(3 * 3600), "3 hours");
  EXPECT_EQ(human_duration(3 * 86400), "3 days");
  EXPECT_EQ(human_duration(70 * 86400), "2 months");
}

TEST(Format, TableAlignsColumns) {
  EXPECT_EQ(format_table({{"A", "BB"}, {"ccc", "d"}}), "A     BB\nccc   d\n");
}

}  // namespace
}  // namespace mini::cli
