#include "store/image_index.h"

#include <sys/stat.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fs_util.h"

namespace mini::store {

namespace {

constexpr uint64_t kMaxIndexBytes = 64ull << 20;

[[noreturn]] void corrupt(const fs::path& file, const std::string& why) {
  throw Error(file.string() + " is corrupt (" + why +
              "); repair it or move it away, then pull or import the images "
              "again (their blobs are still in the store)");
}

}  // namespace

ImageIndex::ImageIndex(Layout layout) : layout_(std::move(layout)) {}

std::map<std::string, ImageRecord> ImageIndex::load() const {
  const fs::path file = layout_.images_file();
  std::map<std::string, ImageRecord> images;
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    if (errno == ENOENT) return images;
    throw_errno("stat " + file.string());
  }
  // Written by rename, so a reader never sees a torn file and needs no lock.
  std::string text = fsutil::read_file(file, kMaxIndexBytes);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    corrupt(file, e.what());
  }
  if (!doc.is_object()) corrupt(file, "the top level is not a JSON object");
  for (const auto& [name, value] : doc.items()) {
    if (!value.is_object() || !value.contains("manifest_digest") || !value["manifest_digest"].is_string())
      corrupt(file, "entry \"" + name + "\" has no manifest_digest");
    ImageRecord record;
    try {
      record.manifest_digest = value["manifest_digest"].get<std::string>();
      record.repo_digest = value.value("repo_digest", "");
      record.created = value.value("created", "");
    } catch (const nlohmann::json::exception& e) {
      corrupt(file, "entry \"" + name + "\": " + e.what());
    }
    images.emplace(name, std::move(record));
  }
  return images;
}

std::optional<ImageRecord> ImageIndex::find(const std::string& name) const {
  auto images = load();
  auto it = images.find(name);
  if (it == images.end()) return std::nullopt;
  return it->second;
}

void ImageIndex::set(const std::string& name, const ImageRecord& record) {
  update([&](std::map<std::string, ImageRecord>& images) { images[name] = record; });
}

bool ImageIndex::remove(const std::string& name) {
  bool removed = false;
  update([&](std::map<std::string, ImageRecord>& images) { removed = images.erase(name) > 0; });
  return removed;
}

void ImageIndex::update(const std::function<void(std::map<std::string, ImageRecord>&)>& change) {
  fsutil::FileLock lock(layout_.locks() / "images.lock");
  auto images = load();
  change(images);
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [name, record] : images)
    doc[name] = {
        {"manifest_digest", record.manifest_digest}, {"repo_digest", record.repo_digest}, {"created", record.created}};
  fsutil::write_file_atomic(layout_.images_file(), doc.dump(2) + "\n", 0600);
}

}  // namespace mini::store
