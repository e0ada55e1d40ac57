#include "registry/manifest.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "support/error_of.h"

namespace mini::registry {
namespace {

using test::error_of;

using nlohmann::json;

const std::string kA = "sha256:" + std::string(64, 'a');
const std::string kB = "sha256:" + std::string(64, 'b');
const std::string kC = "sha256:" + std::string(64, 'c');
const std::string kD = "sha256:" + std::string(64, 'd');

json entry(const std::string& digest, json platform) {
  return {{"mediaType", media::kOciManifest}, {"digest", digest}, {"size", 608}, {"platform", platform}};
}

json busybox_index() {
  return {{"schemaVersion", 2},
          {"mediaType", media::kOciIndex},
          {"manifests",
           {entry(kA, {{"os", "linux"}, {"architecture", "arm64"}, {"variant", "v8"}}),
            entry(kB, {{"os", "linux"}, {"architecture", "amd64"}}),
            entry(kC, {{"os", "linux"}, {"architecture", "arm"}, {"variant", "v6"}}),
            entry(kD, {{"os", "unknown"}, {"architecture", "unknown"}})}}};
}

TEST(Platform, Normalization) {
  EXPECT_EQ(parse_platform("linux/amd64").str(), "linux/amd64");
  EXPECT_EQ(parse_platform("linux/x86_64").str(), "linux/amd64");
  EXPECT_EQ(parse_platform("linux/arm64").str(), "linux/arm64/v8");
  EXPECT_EQ(parse_platform("linux/aarch64").str(), "linux/arm64/v8");
  EXPECT_EQ(parse_platform("linux/arm64/8").str(), "linux/arm64/v8");
  EXPECT_EQ(parse_platform("linux/arm").str(), "linux/arm/v7");
  EXPECT_EQ(parse_platform("linux/armhf").str(), "linux/arm/v7");
  EXPECT_EQ(parse_platform("Linux/ARM/6").str(), "linux/arm/v6");
  EXPECT_EQ(parse_platform("linux/i386").str(), "linux/386");
  EXPECT_THROW(parse_platform("linux"), Error);
  EXPECT_THROW(parse_platform("linux//v8"), Error);
  EXPECT_THROW(parse_platform("a/b/c/d"), Error);
}

TEST(Platform, HostIsNormalized) {
  Platform host = host_platform();
  EXPECT_EQ(host.os, "linux");
  EXPECT_EQ(host, normalize_platform(host));
}

TEST(SelectManifest, PicksTheRequestedPlatform) {
  EXPECT_EQ(select_manifest(busybox_index(), parse_platform("linux/amd64")).digest, kB);
  EXPECT_EQ(select_manifest(busybox_index(), parse_platform("linux/arm64/v8")).digest, kA);
  // An index entry without variant still matches arm64/v8.
  json index = busybox_index();
  index["manifests"][0]["platform"].erase("variant");
  EXPECT_EQ(select_manifest(index, parse_platform("linux/arm64")).digest, kA);
  // An arm v7 machine runs the v6 image when there is no v7 one.
  EXPECT_EQ(select_manifest(busybox_index(), parse_platform("linux/arm/v7")).digest, kC);
}

TEST(SelectManifest, MissingPlatformListsTheAvailableOnes) {
  std::string message = error_of([] { select_manifest(busybox_index(), parse_platform("linux/ppc64le")); });
  EXPECT_NE(message.find("no matching manifest for linux/ppc64le"), std::string::npos) << message;
  EXPECT_NE(message.find("linux/amd64"), std::string::npos) << message;
  EXPECT_NE(message.find("linux/arm64/v8"), std::string::npos) << message;
  EXPECT_EQ(message.find("unknown/unknown"), std::string::npos) << message;
  EXPECT_THROW(select_manifest(busybox_index(), parse_platform("linux/arm/v5")), Error);
  EXPECT_THROW(select_manifest(json{{"manifests", 1}}, parse_platform("linux/amd64")), Error);
}

TEST(ManifestKind, FromContentTypeBodyOrShape) {
  json image = {{"schemaVersion", 2}, {"config", json::object()}, {"layers", json::array()}};
  EXPECT_EQ(detect_manifest_kind(media::kOciIndex, json::object()), ManifestKind::Index);
  EXPECT_EQ(detect_manifest_kind(media::kDockerManifestList, json::object()), ManifestKind::Index);
  EXPECT_EQ(detect_manifest_kind(media::kOciManifest, json::object()), ManifestKind::Image);
  EXPECT_EQ(detect_manifest_kind(std::string(media::kDockerManifest) + "; charset=utf-8", json::object()),
            ManifestKind::Image);
  EXPECT_EQ(detect_manifest_kind("application/json", busybox_index()), ManifestKind::Index);
  EXPECT_EQ(detect_manifest_kind("", image), ManifestKind::Image);
  EXPECT_EQ(detect_manifest_kind("text/plain", json{{"manifests", json::array()}}), ManifestKind::Index);
  EXPECT_THROW(detect_manifest_kind("application/vnd.example+json", json{{"x", 1}}), Error);
}

TEST(ManifestKind, Schema1IsRefusedClearly) {
  std::string message = error_of([] { detect_manifest_kind(media::kDockerSchema1Signed, json::object()); });
  EXPECT_NE(message.find("schema1"), std::string::npos) << message;
  EXPECT_THROW(detect_manifest_kind(media::kDockerSchema1, json::object()), Error);
  EXPECT_THROW(detect_manifest_kind("application/json", json{{"schemaVersion", 1}, {"fsLayers", json::array()}}),
               Error);
}

TEST(ManifestAccept, ListsAllFourFormats) {
  std::string accept = manifest_accept_header();
  for (auto type : {media::kOciIndex, media::kDockerManifestList, media::kOciManifest, media::kDockerManifest})
    EXPECT_NE(accept.find(type), std::string::npos) << type;
  EXPECT_EQ(accept.rfind("Accept: ", 0), 0u);
}

json image_manifest(const std::string& layer_type) {
  return {{"schemaVersion", 2},
          {"mediaType", media::kOciManifest},
          {"config", {{"mediaType", media::kOciConfig}, {"digest", kA}, {"size", 462}}},
          {"layers", {{{"mediaType", layer_type}, {"digest", kB}, {"size", 886160}}}}};
}

TEST(ImageManifest, ParsesConfigAndLayers) {
  for (std::string type :
       {"application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.v1.tar", "application/vnd.docker.image.rootfs.diff.tar.gzip"}) {
    ImageManifest m = parse_image_manifest(image_manifest(type));
    EXPECT_EQ(m.config.digest, kA);
    ASSERT_EQ(m.layers.size(), 1u);
    EXPECT_EQ(m.layers[0].size, 886160u);
    EXPECT_EQ(m.layers[0].media_type, type);
  }
}

TEST(ImageManifest, RefusesWhatItCannotUse) {
  EXPECT_THROW(parse_image_manifest(image_manifest("application/vnd.cncf.helm.chart.content.v1.tar+gzip")), Error);
  json m = image_manifest("application/vnd.oci.image.layer.v1.tar+gzip");
  m["config"]["mediaType"] = "application/vnd.cncf.helm.config.v1+json";
  EXPECT_THROW(parse_image_manifest(m), Error);
  m = image_manifest("application/vnd.oci.image.layer.v1.tar+gzip");
  m["layers"][0]["digest"] = "sha512:abc";
  EXPECT_THROW(parse_image_manifest(m), Error);
  m = image_manifest("application/vnd.oci.image.layer.v1.tar+gzip");
  m["layers"][0].erase("size");
  EXPECT_THROW(parse_image_manifest(m), Error);
  EXPECT_THROW(parse_image_manifest(json{{"config", 1}}), Error);
}

}  // namespace
}  // namespace mini::registry
