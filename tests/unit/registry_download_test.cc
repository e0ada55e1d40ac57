#include "registry/download.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace mini::registry {
namespace {

TEST(ContentRange, Parses) {
  auto range = parse_content_range("bytes 100-199/1000");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->first, 100u);
  EXPECT_EQ(range->last, 199u);
  EXPECT_EQ(range->total, 1000u);
  auto open = parse_content_range("bytes 5-9/*");
  ASSERT_TRUE(open);
  EXPECT_FALSE(open->total);
  for (const char* bad : {"", "bytes */1000", "items 1-2/3", "bytes 9-5/10", "bytes 1-2/2", "bytes x-2/3", "bytes 1-2"})
    EXPECT_FALSE(parse_content_range(bad)) << bad;
}

TEST(ResumeSkip, DropsWhatIsAlreadyHeld) {
  // The server honoured the range exactly.
  EXPECT_EQ(resume_skip(100, 206, "bytes 100-999/1000"), 0u);
  // It started earlier than asked: drop the overlap.
  EXPECT_EQ(resume_skip(100, 206, "bytes 60-999/1000"), 40u);
  // It ignored the range and sends everything.
  EXPECT_EQ(resume_skip(100, 200, ""), 100u);
  EXPECT_EQ(resume_skip(0, 200, ""), 0u);
  // It started past what we hold, or said nothing usable: can't continue.
  EXPECT_THROW(resume_skip(100, 206, "bytes 150-999/1000"), Error);
  EXPECT_THROW(resume_skip(100, 206, ""), Error);
}

}  // namespace
}  // namespace mini::registry
