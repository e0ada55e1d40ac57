// libarchive, loaded by the first unpack or import. See lazy_library.h.
#include <archive.h>
#include <archive_entry.h>

#include "lazy/lazy_library.h"

namespace {
constexpr mini::lazy::Library kArchive{MINI_SONAME_ARCHIVE, "libarchive13"};
}  // namespace

extern "C" {

time_t archive_entry_atime(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_atime);
  return real(a0);
}

int archive_entry_atime_is_set(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_atime_is_set);
  return real(a0);
}

long archive_entry_atime_nsec(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_atime_nsec);
  return real(a0);
}

__LA_MODE_T archive_entry_filetype(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_filetype);
  return real(a0);
}

la_int64_t archive_entry_gid(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_gid);
  return real(a0);
}

const char*archive_entry_hardlink(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_hardlink);
  return real(a0);
}

const char*archive_entry_hardlink_utf8(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_hardlink_utf8);
  return real(a0);
}

time_t archive_entry_mtime(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_mtime);
  return real(a0);
}

long archive_entry_mtime_nsec(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_mtime_nsec);
  return real(a0);
}

const char*archive_entry_pathname(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_pathname);
  return real(a0);
}

const char*archive_entry_pathname_utf8(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_pathname_utf8);
  return real(a0);
}

__LA_MODE_T archive_entry_perm(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_perm);
  return real(a0);
}

dev_t archive_entry_rdevmajor(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_rdevmajor);
  return real(a0);
}

dev_t archive_entry_rdevminor(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_rdevminor);
  return real(a0);
}

la_int64_t archive_entry_size(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_size);
  return real(a0);
}

int archive_entry_size_is_set(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_size_is_set);
  return real(a0);
}

const char*archive_entry_symlink(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_symlink);
  return real(a0);
}

const char*archive_entry_symlink_utf8(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_symlink_utf8);
  return real(a0);
}

la_int64_t archive_entry_uid(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_uid);
  return real(a0);
}

int archive_entry_xattr_next(struct archive_entry* a0, const char** a1, const void** a2, size_t* a3) {
  MINI_LAZY_REAL(kArchive, archive_entry_xattr_next);
  return real(a0, a1, a2, a3);
}

int archive_entry_xattr_reset(struct archive_entry* a0) {
  MINI_LAZY_REAL(kArchive, archive_entry_xattr_reset);
  return real(a0);
}

const char*archive_error_string(struct archive* a0) {
  MINI_LAZY_REAL(kArchive, archive_error_string);
  return real(a0);
}

int archive_filter_code(struct archive* a0, int a1) {
  MINI_LAZY_REAL(kArchive, archive_filter_code);
  return real(a0, a1);
}

int archive_read_data_block(struct archive* a0, const void** a1, size_t* a2, la_int64_t* a3) {
  MINI_LAZY_REAL(kArchive, archive_read_data_block);
  return real(a0, a1, a2, a3);
}

int archive_read_free(struct archive* a0) {
  MINI_LAZY_REAL(kArchive, archive_read_free);
  return real(a0);
}

struct archive*archive_read_new() {
  MINI_LAZY_REAL(kArchive, archive_read_new);
  return real();
}

int archive_read_next_header(struct archive* a0, struct archive_entry** a1) {
  MINI_LAZY_REAL(kArchive, archive_read_next_header);
  return real(a0, a1);
}

int archive_read_open(struct archive* a0, void* a1, archive_open_callback* a2, archive_read_callback* a3, archive_close_callback* a4) {
  MINI_LAZY_REAL(kArchive, archive_read_open);
  return real(a0, a1, a2, a3, a4);
}

int archive_read_open_fd(struct archive* a0, int a1, size_t a2) {
  MINI_LAZY_REAL(kArchive, archive_read_open_fd);
  return real(a0, a1, a2);
}

int archive_read_open_filename(struct archive* a0, const char* a1, size_t a2) {
  MINI_LAZY_REAL(kArchive, archive_read_open_filename);
  return real(a0, a1, a2);
}

int archive_read_support_filter_all(struct archive* a0) {
  MINI_LAZY_REAL(kArchive, archive_read_support_filter_all);
  return real(a0);
}

int archive_read_support_format_gnutar(struct archive* a0) {
  MINI_LAZY_REAL(kArchive, archive_read_support_format_gnutar);
  return real(a0);
}

int archive_read_support_format_raw(struct archive* a0) {
  MINI_LAZY_REAL(kArchive, archive_read_support_format_raw);
  return real(a0);
}

int archive_read_support_format_tar(struct archive* a0) {
  MINI_LAZY_REAL(kArchive, archive_read_support_format_tar);
  return real(a0);
}

}  // extern "C"
