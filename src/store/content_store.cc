#include "store/content_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"
#include "store/fs_tree.h"
#include "store/scratch.h"

namespace mini::store {

namespace {

bool is_hex64(const std::string& name) {
  if (name.size() != 64) return false;
  for (char c : name)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

Ingest::Ingest(const ContentStore& store, fs::path dir, fsutil::UniqueFd dir_lock, fs::path path, fsutil::UniqueFd fd)
    : store_(store), dir_(std::move(dir)), dir_lock_(std::move(dir_lock)), path_(std::move(path)), fd_(std::move(fd)) {}

Ingest::~Ingest() {
  fd_.reset();
  try {
    remove_tree(dir_);
  } catch (const std::exception&) {
    // A destructor can't report; the next ingest doesn't depend on this one.
  }
}

void Ingest::write(const void* data, size_t size) {
  if (committed_) throw Error("internal error: write to a committed ingest");
  fsutil::write_all(fd_.get(), std::string_view(static_cast<const char*>(data), size));
  hash_.update(data, size);
  size_ += size;
}

std::string Ingest::commit() {
  if (committed_) throw Error("internal error: commit of a committed ingest");
  // The data file is renamed away on success; ingest/<random> itself goes
  // when the caller drops this writer, committed or not.
  return store_.commit_in_place(*this, expected_);
}

ContentStore::ContentStore(Layout layout) : layout_(std::move(layout)) {}

std::unique_ptr<Ingest> ContentStore::begin_ingest() {
  fs::path dir = layout_.ingest() / fsutil::random_hex(16);
  fsutil::UniqueFd dir_lock = make_scratch_dir(layout_, dir);
  fs::path path = dir / "data";
  fsutil::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) {
    int err = errno;
    ::rmdir(dir.c_str());
    throw_errno("create " + path.string(), err);
  }
  return std::unique_ptr<Ingest>(new Ingest(*this, dir, std::move(dir_lock), path, std::move(fd)));
}

std::unique_ptr<Writer> ContentStore::writer(const Expected& expected) {
  std::optional<fsutil::FileLock> lock;
  if (expected.digest) {
    const std::string hex = digest_hex(*expected.digest);
    if (has(*expected.digest)) return nullptr;
    lock.emplace(layout_.locks() / ("blob-" + hex + ".lock"));
    if (has(*expected.digest)) return nullptr;  // another writer committed it meanwhile
  }
  std::unique_ptr<Ingest> ingest = begin_ingest();
  ingest->expected_ = expected;
  if (lock) ingest->blob_lock_.emplace(std::move(*lock));
  return ingest;
}

std::string ContentStore::commit(std::unique_ptr<Ingest> ingest, const Expected& expected) {
  // `ingest` dies with this call, success or not, and takes ingest/<random> with it.
  return commit_in_place(*ingest, expected);
}

std::string ContentStore::commit_in_place(Ingest& ingest, const Expected& expected) const {
  // The ingest is spent either way: a failed commit can't be retried, and
  // its owner's drop removes ingest/<random>.
  ingest.committed_ = true;
  if (expected.size && *expected.size != ingest.size_)
    throw Error("size mismatch: expected " + std::to_string(*expected.size) + " bytes, got " +
                std::to_string(ingest.size_));
  std::string digest = ingest.hash_.finish();
  if (expected.digest && *expected.digest != digest)
    throw Error("digest mismatch: expected " + *expected.digest + ", got " + digest);
  if (has(digest)) return digest;
  int fd = ingest.fd_.get();
  if (::fsync(fd) != 0) throw_errno("fsync " + ingest.path_.string());
  if (::fchmod(fd, 0444) != 0) throw_errno("chmod " + ingest.path_.string());
  ingest.fd_.reset();
  fs::path target = blob_path(digest);
  // Same content under the same name: a concurrent commit winning the rename is harmless.
  if (::rename(ingest.path_.c_str(), target.c_str()) != 0) throw_errno("rename into " + target.string());
  fsutil::fsync_dir(layout_.blobs());
  return digest;
}

std::string ContentStore::put(std::string_view data, const Expected& expected) {
  auto ingest = begin_ingest();
  ingest->write(data);
  return commit(std::move(ingest), expected);
}

bool ContentStore::has(std::string_view digest) const { return info(digest).has_value(); }

std::optional<Info> ContentStore::info(std::string_view digest) const {
  if (!is_valid_digest(digest)) return std::nullopt;
  struct stat st {};
  if (::stat(blob_path(digest).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return Info{std::string(digest), static_cast<uint64_t>(st.st_size)};
}

fs::path ContentStore::blob_path(std::string_view digest) const { return layout_.blobs() / digest_hex(digest); }

std::string ContentStore::read(std::string_view digest, uint64_t max_size) const {
  uint64_t bytes = size(digest);
  if (bytes > max_size)
    throw Error("blob " + std::string(digest) + " is " + std::to_string(bytes) + " bytes, more than the " +
                std::to_string(max_size) + " allowed for it; the image is not usable by mini");
  std::string data = fsutil::read_file(blob_path(digest), max_size);
  std::string actual = sha256_digest(data);
  if (actual != digest)
    throw Error("blob " + std::string(digest) + " is corrupt (its content hashes to " + actual +
                "); remove the image with mini rmi and pull or import it again");
  return data;
}

uint64_t ContentStore::size(std::string_view digest) const {
  fs::path path = blob_path(digest);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      throw Error("blob " + std::string(digest) + " is missing from the store; pull or import the image again");
    throw_errno("stat " + path.string());
  }
  return static_cast<uint64_t>(st.st_size);
}

void ContentStore::remove(std::string_view digest) {
  fs::path path = blob_path(digest);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno("remove " + path.string());
}

std::vector<std::string> ContentStore::list() const {
  std::vector<std::string> digests;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout_.blobs(), ec)) {
    std::string name = entry.path().filename().string();
    if (is_hex64(name)) digests.push_back("sha256:" + name);
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw Error("list " + layout_.blobs().string() + ": " + ec.message());
  return digests;
}

}  // namespace mini::store
