// The document's own mediaType decides what it is; a Content-Type or shape
// that disagrees is refused by name.
#include <gtest/gtest.h>

#include "common/error.h"
#include "registry/manifest.h"
#include "support/error_of.h"

namespace mini::registry {
namespace {

using test::error_of;

using nlohmann::json;

json oci_manifest() {
  return {
      {"schemaVersion", 2}, {"mediaType", media::kOciManifest}, {"config", json::object()}, {"layers", json::array()}};
}

json oci_index() { return {{"schemaVersion", 2}, {"mediaType", media::kOciIndex}, {"manifests", json::array()}}; }

TEST(MediaType, TheDocumentDecides) {
  EXPECT_EQ(detect_manifest_kind(media::kOciManifest, oci_manifest()), ManifestKind::Image);
  EXPECT_EQ(detect_manifest_kind("application/json", oci_manifest()), ManifestKind::Image);
  EXPECT_EQ(detect_manifest_kind("", oci_index()), ManifestKind::Index);
  EXPECT_EQ(detect_manifest_kind("text/plain; charset=utf-8", oci_index()), ManifestKind::Index);
}

TEST(MediaType, AContentTypeThatDisagreesIsRefusedByName) {
  // The same bytes must not pull as an index under one Content-Type and as
  // a manifest under another.
  std::string message = error_of([] { detect_manifest_kind(media::kOciIndex, oci_manifest()); });
  EXPECT_NE(message.find("mediaType is application/vnd.oci.image.manifest.v1+json"), std::string::npos) << message;
  EXPECT_NE(message.find("Content-Type application/vnd.oci.image.index.v1+json"), std::string::npos) << message;
  EXPECT_NE(message.find("disagree"), std::string::npos) << message;
  EXPECT_THROW(detect_manifest_kind(media::kOciManifest, oci_index()), Error);
  EXPECT_THROW(detect_manifest_kind(media::kDockerManifest, oci_manifest()), Error);
}

TEST(MediaType, AShapeThatDisagreesIsRefused) {
  json lying = oci_manifest();
  lying.erase("config");
  lying.erase("layers");
  lying["manifests"] = json::array();
  std::string message = error_of([&] { detect_manifest_kind("", lying); });
  EXPECT_NE(message.find("holds an index"), std::string::npos) << message;
  // Without a mediaType, the Content-Type and the shape must agree.
  json bare = {{"schemaVersion", 2}, {"manifests", json::array()}};
  EXPECT_THROW(detect_manifest_kind(media::kOciManifest, bare), Error);
  json both = {{"schemaVersion", 2}, {"manifests", json::array()}, {"layers", json::array()}};
  EXPECT_THROW(detect_manifest_kind(media::kOciIndex, both), Error);
  json odd = oci_manifest();
  odd["mediaType"] = 7;
  EXPECT_THROW(detect_manifest_kind(media::kOciManifest, odd), Error);
}

TEST(MediaType, Schema1IsNamedWhateverItIsServedAs) {
  json schema1 = {{"schemaVersion", 1}, {"name", "x"}, {"tag", "y"}, {"fsLayers", json::array()}};
  for (std::string_view type :
       {media::kOciManifest, media::kOciIndex, media::kDockerManifest, std::string_view("application/json")}) {
    std::string message = error_of([&] { detect_manifest_kind(type, schema1); });
    EXPECT_NE(message.find("schema1"), std::string::npos) << type << ": " << message;
    EXPECT_NE(message.find("push it again"), std::string::npos) << message;
  }
  json declared = {{"mediaType", media::kDockerSchema1Signed}};
  EXPECT_NE(error_of([&] { detect_manifest_kind(media::kOciManifest, declared); }).find("schema1"), std::string::npos);
}

TEST(MediaType, AnUnknownDeclaredTypeIsShownEscaped) {
  json weird = oci_manifest();
  weird["mediaType"] = "application/x\x1b[2J" + std::string(5000, 'y');
  std::string message = error_of([&] { detect_manifest_kind("", weird); });
  EXPECT_EQ(message.find('\x1b'), std::string::npos) << message;
  EXPECT_LT(message.size(), 400u);
}

TEST(SelectManifest, AHugeIndexMakesAShortMessage) {
  json manifests = json::array();
  for (int i = 0; i < 20000; ++i)
    manifests.push_back({{"mediaType", media::kOciManifest},
                         {"digest", "sha256:" + std::string(64, 'a')},
                         {"size", 1},
                         {"platform", {{"os", "linux"}, {"architecture", "arch\x1b" + std::to_string(i)}}}});
  json index = {{"schemaVersion", 2}, {"mediaType", media::kOciIndex}, {"manifests", manifests}};
  std::string message = error_of([&] { select_manifest(index, parse_platform("linux/amd64")); });
  EXPECT_LT(message.size(), 1000u) << message.size();
  EXPECT_EQ(message.find('\x1b'), std::string::npos);
  EXPECT_NE(message.find("more); choose one with --platform"), std::string::npos) << message;
}

}  // namespace
}  // namespace mini::registry
