#include "store/decompress.h"

#include <archive.h>
#include <archive_entry.h>
#include <isa-l/igzip_lib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/error.h"

namespace mini::store {

namespace {

constexpr size_t kBlock = 1 << 18;

bool is_gzip(const unsigned char* head, size_t size) { return size >= 2 && head[0] == 0x1f && head[1] == 0x8b; }

std::string isal_error(int code) {
  switch (code) {
    case ISAL_INVALID_BLOCK:
    case ISAL_INVALID_SYMBOL:
    case ISAL_INVALID_LOOKBACK:
      return "corrupt deflate data";
    case ISAL_INVALID_WRAPPER:
      return "not a valid gzip header";
    case ISAL_UNSUPPORTED_METHOD:
      return "unsupported gzip compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "gzip checksum mismatch";
    default:
      return "gzip error " + std::to_string(code);
  }
}

class GzipStream : public DecompressedStream {
 public:
  GzipStream(int fd, std::string name, std::vector<unsigned char> head)
      : fd_(fd), name_(std::move(name)), in_(std::move(head)), out_(kBlock), state_(new inflate_state) {
    start_member(in_.data(), static_cast<uint32_t>(in_.size()));
  }

  std::string_view next() override {
    for (;;) {
      if (state_->block_state == ISAL_BLOCK_FINISH) {
        // Concatenated members are one stream, as gzip -d reads them; bytes
        // after the last member that start no new one are ignored, as
        // libarchive and gzip -d do (the blob's digest covers them).
        if (!more_input() || !starts_member()) return {};
        start_member(state_->next_in, state_->avail_in);
      }
      if (state_->avail_in == 0 && !more_input())
        throw Error("the gzip stream ends early: the file is truncated; download or copy it again");
      state_->next_out = out_.data();
      state_->avail_out = static_cast<uint32_t>(out_.size());
      int rc = isal_inflate(state_.get());
      if (rc != ISAL_DECOMP_OK) throw Error(isal_error(rc));
      size_t produced = out_.size() - state_->avail_out;
      if (produced > 0) return {reinterpret_cast<const char*>(out_.data()), produced};
    }
  }

 private:
  void start_member(uint8_t* next_in, uint32_t avail_in) {
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;
    state_->next_in = next_in;
    state_->avail_in = avail_in;
  }

  // Whether the unread input begins with gzip's magic. A magic split across
  // two reads counts as no new member: only padding ends that way.
  bool starts_member() const { return is_gzip(state_->next_in, state_->avail_in); }

  // Refills the input when it is used up; false at the end of the file.
  bool more_input() {
    if (state_->avail_in > 0) return true;
    in_.resize(kBlock);
    ssize_t n;
    do {
      n = ::read(fd_, in_.data(), in_.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw_errno("read " + name_);
    in_.resize(static_cast<size_t>(n));
    state_->next_in = in_.data();
    state_->avail_in = static_cast<uint32_t>(n);
    return n > 0;
  }

  int fd_;
  std::string name_;
  std::vector<unsigned char> in_, out_;
  std::unique_ptr<inflate_state> state_;  // ~90 KiB of tables
};

// libarchive's filters (zstd, xz, bzip2, none) with its "raw" format: one
// pseudo-entry whose data is the decompressed stream.
class ArchiveStream : public DecompressedStream {
 public:
  ArchiveStream(int fd, std::string name, std::vector<unsigned char> head)
      : fd_(fd), name_(std::move(name)), head_(std::move(head)), owned_(archive_read_new()), archive_(owned_.get()) {
    if (!archive_) throw Error("libarchive: out of memory");
    archive_read_support_filter_all(archive_);
    archive_read_support_format_raw(archive_);
    block_.resize(kBlock);
    archive_entry* entry = nullptr;
    if (archive_read_open(archive_, this, nullptr, read_callback, nullptr) != ARCHIVE_OK ||
        archive_read_next_header(archive_, &entry) != ARCHIVE_OK)
      throw Error("read layer " + name_ + ": " + message());
  }

  std::string_view next() override {
    for (;;) {
      const void* buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      int r = archive_read_data_block(archive_, &buf, &size, &offset);
      if (r == ARCHIVE_EOF) return {};
      if (r < ARCHIVE_WARN) throw Error(message());
      if (size > 0) return {static_cast<const char*>(buf), size};
    }
  }

 private:
  std::string message() const {
    if (!read_error_.empty()) return read_error_;
    const char* msg = archive_error_string(archive_);
    return msg ? msg : "decompression failed";
  }

  // The bytes already read to recognise the format come first.
  static la_ssize_t read_callback(archive* /*a*/, void* client, const void** out) {
    auto* self = static_cast<ArchiveStream*>(client);
    if (!self->head_.empty()) {
      self->block_.swap(self->head_);
      self->head_.clear();
      *out = self->block_.data();
      return static_cast<la_ssize_t>(self->block_.size());
    }
    self->block_.resize(kBlock);
    ssize_t n;
    do {
      n = ::read(self->fd_, self->block_.data(), self->block_.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      self->read_error_ = std::strerror(errno);
      return ARCHIVE_FATAL;
    }
    *out = self->block_.data();
    return n;
  }

  int fd_;
  std::string name_;
  std::vector<unsigned char> head_, block_;
  std::string read_error_;
  // Owned through a member, so a constructor that throws frees it too
  // (fuzz_unpack found the leak).
  struct Free {
    void operator()(archive* a) const { archive_read_free(a); }
  };
  std::unique_ptr<archive, Free> owned_;
  archive* archive_;
};

}  // namespace

std::unique_ptr<DecompressedStream> open_decompressed(int fd, const std::string& name) {
  std::vector<unsigned char> head(kBlock);
  ssize_t n;
  do {
    n = ::read(fd, head.data(), head.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw_errno("read " + name);
  if (n == 0) throw Error(name + " is empty, not a tar archive");
  head.resize(static_cast<size_t>(n));
  if (is_gzip(head.data(), head.size())) return std::make_unique<GzipStream>(fd, name, std::move(head));
  return std::make_unique<ArchiveStream>(fd, name, std::move(head));
}

}  // namespace mini::store
