#include "engine/pull_progress.h"

#include <gtest/gtest.h>

namespace mini::engine {
namespace {

TEST(Progress, DockerUnitsAndBar) {
  EXPECT_EQ(human_bytes(512), "512B");
  EXPECT_EQ(human_bytes(886160), "886.2kB");
  EXPECT_EQ(human_bytes(2226327), "2.226MB");
  EXPECT_EQ(progress_bar(0, 100), "[>" + std::string(49, ' ') + "]");
  EXPECT_EQ(progress_bar(50, 100), "[" + std::string(25, '=') + ">" + std::string(24, ' ') + "]");
  EXPECT_EQ(progress_bar(100, 100), "[" + std::string(50, '=') + "]");
}

// What the registry reports reaches the output in Docker's words, one line
// per status where the output is no terminal, without byte counts.
TEST(Progress, SinkSpeaksDocker) {
  char* buf = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buf, &size);
  ASSERT_NE(out, nullptr);
  {
    Progress progress(out, Progress::Mode::Plain);
    DockerProgressSink sink(progress);
    sink.downloading("abc");
    sink.bytes("abc", 1, 2);
    sink.retrying("abc", "the server answered 503");
    sink.verifying("abc");
    sink.downloaded("abc");
  }
  std::fclose(out);
  std::string text(buf, size);
  std::free(buf);
  EXPECT_EQ(text,
            "abc: Downloading\nabc: Retrying: the server answered 503\nabc: Verifying Checksum\n"
            "abc: Download complete\n");
}

}  // namespace
}  // namespace mini::engine
