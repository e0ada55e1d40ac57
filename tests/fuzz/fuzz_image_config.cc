// libFuzzer target: the image config, the document every image brings and
// mini reads its Env, Cmd, User and the rest from. Loading an image may
// only fail with mini::Error, and what it accepts must be what the engine
// can read without a JSON type error.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "registry/manifest.h"
#include "store/image.h"
#include "store/image_config.h"

namespace {

// Reads every field as the engine does, so an accepted config that would
// still throw a JSON exception later shows up here as a crash.
void read_like_the_engine(const nlohmann::json& config) {
  auto it = config.find("config");
  if (it == config.end() || !it->is_object()) return;
  for (const char* key : {"Env", "Cmd", "Entrypoint", "Shell", "OnBuild"}) {
    auto field = it->find(key);
    if (field == it->end() || field->is_null()) continue;
    if (field->is_string()) continue;
    for (const auto& item : field->get<std::vector<std::string>>())
      if (item.find('\0') != std::string::npos) std::abort();
  }
  for (const char* key : {"User", "WorkingDir", "StopSignal"}) {
    auto field = it->find(key);
    if (field != it->end() && !field->is_null()) (void)field->get<std::string>();
  }
  if (auto labels = it->find("Labels"); labels != it->end() && !labels->is_null())
    (void)labels->get<std::map<std::string, std::string>>();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json config = nlohmann::json::parse(data, data + size, nullptr, false);
  if (config.is_discarded()) return 0;
  bool accepted = true;
  try {
    mini::store::validate_image_config(config);
  } catch (const mini::Error&) {
    accepted = false;
  }
  if (accepted) read_like_the_engine(config);

  size_t layers = 0;
  if (config.is_object())
    if (auto rootfs = config.find("rootfs"); rootfs != config.end() && rootfs->is_object())
      if (auto ids = rootfs->find("diff_ids"); ids != rootfs->end() && ids->is_array()) layers = ids->size();
  try {
    (void)mini::registry::parse_image_config(config, layers);
  } catch (const mini::Error&) {
  }
  nlohmann::json manifest = {{"config", {{"digest", "sha256:" + std::string(64, 'c')}, {"size", size}}},
                             {"layers", nlohmann::json::array()}};
  for (size_t i = 0; i < layers && i < 1000; ++i)
    manifest["layers"].push_back({{"digest", "sha256:" + std::string(64, 'd')}, {"size", 1}});
  try {
    (void)mini::store::image_from_documents("sha256:" + std::string(64, 'e'), manifest, config);
  } catch (const mini::Error&) {
  }
  return 0;
}
