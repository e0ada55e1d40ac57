// libFuzzer target: a layer tarball (any compression libarchive detects)
// unpacked into a fresh directory, then applied with the copy storage
// driver. Besides crashes, leaks and UB, it checks the property the store
// depends on: nothing appears or changes outside the layer directory.
// Run it as root to reach the device, ownership and xattr paths.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.h"
#include "common/fs_util.h"
#include "store/fs_tree.h"
#include "store/layer_copy.h"
#include "store/unpack.h"

namespace fs = std::filesystem;
using mini::store::remove_tree;

namespace {

struct Sandbox {
  fs::path dir, canary;
  struct stat canary_stat {};

  Sandbox() {
    char tmpl[] = "/tmp/mini-fuzz-unpack-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::abort();
    dir = tmpl;
    fs::create_directory(dir / "outside");
    canary = dir / "outside" / "canary";
    std::ofstream(canary) << "canary";
    if (::lstat(canary.c_str(), &canary_stat) != 0) std::abort();
  }
  ~Sandbox() {
    try {
      remove_tree(dir);
    } catch (const mini::Error&) {
    }
  }
  static Sandbox& instance() {
    static Sandbox sandbox;
    return sandbox;
  }

  // Only our own entries may exist next to the layer, and the canary keeps
  // its content, link count and times.
  void check() const {
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::string name = entry.path().filename().string();
      if (name != "outside" && name != "layer" && name != "copy") {
        std::fprintf(stderr, "unpack created %s outside the layer\n", entry.path().c_str());
        std::abort();
      }
    }
    for (const auto& entry : fs::directory_iterator(dir / "outside")) {
      if (entry.path() != canary) {
        std::fprintf(stderr, "unpack created %s outside the layer\n", entry.path().c_str());
        std::abort();
      }
    }
    struct stat st {};
    if (::lstat(canary.c_str(), &st) != 0 || st.st_size != canary_stat.st_size || st.st_nlink != 1 ||
        st.st_mtim.tv_sec != canary_stat.st_mtim.tv_sec || st.st_mtim.tv_nsec != canary_stat.st_mtim.tv_nsec ||
        st.st_mode != canary_stat.st_mode || st.st_uid != canary_stat.st_uid) {
      std::fprintf(stderr, "unpack changed the canary outside the layer\n");
      std::abort();
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Sandbox& box = Sandbox::instance();
  mini::fsutil::UniqueFd archive(::memfd_create("layer", MFD_CLOEXEC));
  if (!archive) std::abort();
  mini::fsutil::write_all(archive.get(), std::string_view(reinterpret_cast<const char*>(data), size));
  const fs::path source = "/proc/self/fd/" + std::to_string(archive.get());
  const fs::path layer = box.dir / "layer", copy = box.dir / "copy";
  fs::create_directory(layer);
  bool unpacked = false;
  try {
    // A small limit keeps sparse and zero-filled inputs from filling the disk.
    mini::store::unpack_layer(source, layer, {64ull << 20});
    unpacked = true;
  } catch (const mini::Error&) {
  }
  box.check();
  if (unpacked) {
    fs::create_directory(copy);
    try {
      mini::store::apply_layer_copy(layer, copy);
    } catch (const mini::Error&) {
    }
    box.check();
  }
  remove_tree(layer);
  remove_tree(copy);
  return 0;
}
