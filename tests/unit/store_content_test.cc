#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common/error.h"
#include "store/content_store.h"
#include "store/digest.h"
#include "store/fs_tree.h"
#include "support/temp_dir.h"

namespace mini::store {
namespace {

using ::testing::HasSubstr;

class StoreContent : public test::TempDirTest {
 protected:
  void SetUp() override {
    layout_.root = dir_ / "root";
    layout_.create();
  }

  static bool empty(const fs::path& dir) { return fs::is_empty(dir); }

  Layout layout_;
};

constexpr const char* kEmptySha = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kHelloSha = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

// One-shot digests of small documents use mini's own SHA-256; it must agree
// with OpenSSL's streaming hash at every padding boundary and beyond.
TEST(StoreDigest, SmallAndStreamingHashesAgree) {
  std::string data;
  for (size_t size = 0; size <= 1100; ++size) {
    Sha256 stream;
    stream.update(data.data(), data.size());
    ASSERT_EQ(sha256_digest(data), stream.finish()) << size << " bytes";
    data.push_back(static_cast<char>((size * 131 + 7) & 0xff));
  }
  std::string large((1 << 20) + 3, 'x');  // past the small-hash limit
  Sha256 stream;
  stream.update(large.data(), large.size());
  EXPECT_EQ(sha256_digest(large), stream.finish());
  EXPECT_EQ(sha256_digest("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(StoreDigest, HashesAndValidates) {
  EXPECT_EQ(sha256_digest(""), kEmptySha);
  EXPECT_EQ(sha256_digest("hello"), kHelloSha);
  Sha256 hash;
  hash.update("hel", 3);
  hash.update("lo", 2);
  EXPECT_EQ(hash.finish(), kHelloSha);

  EXPECT_TRUE(is_valid_digest(kHelloSha));
  EXPECT_FALSE(is_valid_digest("sha256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824"));
  EXPECT_FALSE(is_valid_digest("sha512:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"));
  EXPECT_FALSE(is_valid_digest("sha256:2cf24dba"));
  EXPECT_FALSE(is_valid_digest(""));
  EXPECT_EQ(digest_hex(kHelloSha), std::string(kHelloSha).substr(7));
  try {
    digest_hex("sha256:../../etc");
    FAIL() << "digest_hex accepted a bad digest";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("sha256:../../etc"));
  }
}

TEST_F(StoreContent, LayoutIsPrivate) {
  struct stat st {};
  ASSERT_EQ(::stat(layout_.root.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  for (const auto& sub : {layout_.blobs(), layout_.ingest(), layout_.layers(), layout_.containers(), layout_.locks()})
    EXPECT_TRUE(fs::is_directory(sub)) << sub;
  layout_.create();  // idempotent
}

TEST_F(StoreContent, CommitStoresReadOnlyBlob) {
  ContentStore store(layout_);
  auto ingest = store.begin_ingest();
  ingest->write("hel");
  ingest->write(std::string_view("lo"));
  EXPECT_EQ(ingest->size(), 5u);
  EXPECT_TRUE(fs::exists(ingest->path()));
  std::string digest = store.commit(std::move(ingest), {kHelloSha, 5});
  EXPECT_EQ(digest, kHelloSha);
  EXPECT_TRUE(store.has(digest));
  EXPECT_EQ(store.blob_path(digest), layout_.blobs() / std::string(kHelloSha).substr(7));
  struct stat st {};
  ASSERT_EQ(::stat(store.blob_path(digest).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_EQ(store.read(digest), "hello");
  EXPECT_EQ(store.size(digest), 5u);
  EXPECT_EQ(store.list(), std::vector<std::string>{kHelloSha});
  EXPECT_TRUE(empty(layout_.ingest()));
}

TEST_F(StoreContent, CommittingExistingContentIsANoop) {
  ContentStore store(layout_);
  EXPECT_EQ(store.put("hello"), kHelloSha);
  EXPECT_EQ(store.put("hello", {kHelloSha, std::nullopt}), kHelloSha);
  EXPECT_EQ(store.list().size(), 1u);
  EXPECT_TRUE(empty(layout_.ingest()));
}

TEST_F(StoreContent, DigestMismatchLeavesNothing) {
  ContentStore store(layout_);
  try {
    store.put("hello", {kEmptySha, std::nullopt});
    FAIL() << "commit accepted the wrong digest";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), std::string("digest mismatch: expected ") + kEmptySha + ", got " + kHelloSha);
  }
  EXPECT_TRUE(empty(layout_.blobs()));
  EXPECT_TRUE(empty(layout_.ingest()));
}

TEST_F(StoreContent, SizeMismatchLeavesNothing) {
  ContentStore store(layout_);
  try {
    store.put("hello", {kHelloSha, 6});
    FAIL() << "commit accepted the wrong size";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("size mismatch"));
    EXPECT_THAT(e.what(), HasSubstr("6"));
    EXPECT_THAT(e.what(), HasSubstr("5"));
  }
  EXPECT_TRUE(empty(layout_.blobs()));
  EXPECT_TRUE(empty(layout_.ingest()));
}

TEST_F(StoreContent, DroppedIngestLeavesNothing) {
  ContentStore store(layout_);
  {
    auto ingest = store.begin_ingest();
    ingest->write("partial");
    EXPECT_FALSE(empty(layout_.ingest()));
  }
  EXPECT_TRUE(empty(layout_.ingest()));
  EXPECT_TRUE(empty(layout_.blobs()));
}

// The Ingester a fetcher writes through (store/content.h): a writer for an
// expected digest and size commits only that, and none is handed out for
// content the store has.
TEST_F(StoreContent, IngesterWriterCommitsWhatWasExpected) {
  ContentStore store(layout_);
  Ingester& ingester = store;
  auto writer = ingester.writer({kHelloSha, 5});
  ASSERT_NE(writer, nullptr);
  writer->write("hel");
  writer->write("lo");
  EXPECT_EQ(writer->size(), 5u);
  EXPECT_FALSE(store.has(kHelloSha));  // nothing is visible before commit
  EXPECT_EQ(writer->commit(), kHelloSha);
  EXPECT_TRUE(store.has(kHelloSha));
  writer.reset();
  EXPECT_TRUE(empty(layout_.ingest()));
  EXPECT_EQ(ingester.writer({kHelloSha, 5}), nullptr);

  const Provider& provider = store;
  ASSERT_TRUE(provider.info(kHelloSha));
  EXPECT_EQ(provider.info(kHelloSha)->size, 5u);
  EXPECT_EQ(provider.read(kHelloSha, 5), "hello");
  EXPECT_FALSE(provider.info(kEmptySha));
  EXPECT_FALSE(provider.info("sha256:nothex"));
}

TEST_F(StoreContent, IngesterWriterRefusesOtherContentAndLeavesNothing) {
  ContentStore store(layout_);
  for (const Expected& expected : {Expected{kEmptySha, 5}, Expected{kHelloSha, 4}}) {
    auto writer = store.writer(expected);
    ASSERT_NE(writer, nullptr);
    writer->write("hello");
    EXPECT_THROW(writer->commit(), Error);
    EXPECT_THROW(writer->commit(), Error);  // spent: no second try with the same bytes
    writer.reset();
    EXPECT_TRUE(empty(layout_.blobs()));
    EXPECT_TRUE(empty(layout_.ingest()));
  }
  // Dropped before commit: nothing either, and the blob's lock is free again.
  { store.writer({kHelloSha, 5})->write("hel"); }
  EXPECT_TRUE(empty(layout_.ingest()));
  auto again = store.writer({kHelloSha, 5});
  ASSERT_NE(again, nullptr);
  again->write("hello");
  EXPECT_EQ(again->commit(), kHelloSha);
}

TEST_F(StoreContent, ReadRefusesOversizedAndMissingBlobs) {
  ContentStore store(layout_);
  std::string digest = store.put("hello");
  try {
    store.read(digest, 4);
    FAIL() << "read ignored max_size";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(digest));
    EXPECT_THAT(e.what(), HasSubstr("5 bytes"));
  }
  EXPECT_FALSE(store.has(kEmptySha));
  EXPECT_FALSE(store.has("not-a-digest"));
  EXPECT_THROW(store.read(kEmptySha), Error);
  EXPECT_THROW(store.size(kEmptySha), Error);
}

TEST_F(StoreContent, ReadDetectsCorruption) {
  ContentStore store(layout_);
  std::string digest = store.put("hello");
  fs::path path = store.blob_path(digest);
  ::chmod(path.c_str(), 0644);
  fsutil::write_file_atomic(path, "jello");
  EXPECT_THROW(store.read(digest), Error);
}

TEST_F(StoreContent, RemoveAndList) {
  ContentStore store(layout_);
  std::string a = store.put("a");
  std::string b = store.put("b");
  auto listed = store.list();
  std::sort(listed.begin(), listed.end());
  std::vector<std::string> expected = {a, b};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listed, expected);
  store.remove(a);
  EXPECT_FALSE(store.has(a));
  store.remove(a);  // already gone: fine
  EXPECT_EQ(store.list(), std::vector<std::string>{b});
}

}  // namespace
}  // namespace mini::store
