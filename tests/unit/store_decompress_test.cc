// The layer decompressor: gzip through igzip (one member, several, trailing
// padding, corruption, truncation), everything else through libarchive.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "store/decompress.h"
#include "support/temp_dir.h"

namespace mini::store {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class StoreDecompress : public test::TempDirTest {
 protected:

  fs::path write(const std::string& name, const std::string& data) {
    fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << data;
    return path;
  }

  // `data` through a compressor command (gzip -c, zstd -c ...).
  std::string compress(const std::string& command, const std::string& data) {
    fs::path in = write("plain", data);
    std::string out;
    FILE* pipe = ::popen((command + " < " + in.string()).c_str(), "r");
    char buffer[65536];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    EXPECT_EQ(::pclose(pipe), 0) << command;
    return out;
  }

  std::string read_all(const std::string& data) {
    fs::path path = write("input", data);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    std::string out;
    {
      auto stream = open_decompressed(fd, path.string());
      for (std::string_view block; !(block = stream->next()).empty();) out.append(block);
    }
    ::close(fd);
    return out;
  }

  static std::string sample(size_t size) {
    std::mt19937 random(7);
    std::string data(size, '\0');
    for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>(i % 3 == 0 ? random() % 256 : 'a' + i % 7);
    return data;
  }

};

TEST_F(StoreDecompress, GzipLargerThanOneBlock) {
  std::string data = sample(3 << 20);
  EXPECT_EQ(read_all(compress("gzip -c", data)), data);
}

TEST_F(StoreDecompress, ConcatenatedMembersAndTrailingPadding) {
  std::string a = sample(100000), b = "second member\n";
  std::string joined = compress("gzip -c", a) + compress("gzip -c", b);
  EXPECT_EQ(read_all(joined), a + b);
  EXPECT_EQ(read_all(joined + std::string(1024, '\0')), a + b) << "padding after the last member is ignored";
}

TEST_F(StoreDecompress, CorruptAndTruncatedGzipAreErrors) {
  std::string gz = compress("gzip -c", sample(200000));
  std::string truncated = gz.substr(0, gz.size() / 2);
  EXPECT_THAT([&] { read_all(truncated); }, ::testing::ThrowsMessage<Error>(HasSubstr("truncated")));
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 0x55;  // inside the CRC32 of the trailer
  EXPECT_THAT([&] { read_all(bad_crc); }, ::testing::ThrowsMessage<Error>(HasSubstr("checksum")));
  std::string bad_data = gz;
  for (size_t i = 20; i < 60; ++i) bad_data[i] = static_cast<char>(0xff);
  EXPECT_THROW(read_all(bad_data), Error);
}

TEST_F(StoreDecompress, OtherFormatsGoThroughLibarchive) {
  std::string data = sample(500000);
  EXPECT_EQ(read_all(data), data) << "uncompressed";
  EXPECT_EQ(read_all(compress("zstd -q -c", data)), data);
  EXPECT_EQ(read_all(compress("xz -c", data)), data);
}

TEST_F(StoreDecompress, EmptyFileIsAnError) {
  EXPECT_THAT([&] { read_all(""); }, ::testing::ThrowsMessage<Error>(HasSubstr("is empty")));
}

}  // namespace
}  // namespace mini::store
