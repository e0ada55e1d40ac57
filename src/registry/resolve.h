#pragma once
// Resolving a reference: the registry (or a docker.io mirror) is asked for
// the manifest, the platform's entry of an index is followed, and the image
// config is fetched, every document checked against its digest. Nothing is
// written: the documents come back as bytes for the caller to commit once
// the layers are in, so an interrupted pull leaves no image pointing at
// layers that never arrived.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "registry/client.h"
#include "registry/config.h"
#include "registry/http.h"
#include "registry/manifest.h"
#include "registry/reference.h"
#include "store/content.h"

namespace mini::registry {

// A verified document: what the store is to hold under `digest`.
struct FetchedDocument {
  std::string digest;
  std::string body;
};

struct Resolved {
  std::string repo_digest;      // what the reference pointed at
  std::string manifest_digest;  // the platform's image manifest
  ImageManifest manifest;
  bool from_index = false;               // chosen from an index, which states the platform itself
  nlohmann::json config;                 // the image config document, parsed
  std::vector<FetchedDocument> documents;  // index (if any), manifest, config
};

struct ResolveRequest {
  Reference ref;
  Platform want;
  // Checks the image config before the endpoint's answer is accepted (its
  // types, diff_ids, platform); what it throws counts as that endpoint's
  // error, so a mirror with a broken image falls back to the registry.
  std::function<void(const Resolved&)> accept;
};

// A registry endpoint that answered, and what it resolved the reference to.
struct Session {
  std::unique_ptr<RegistryClient> client;
  Resolved resolved;
};

// Mirrors first (docker.io only), then the registry itself, with the
// credentials of Docker's client config. A config blob that `blobs` has
// already is read from there instead of fetched. Throws mini::Error: the
// registry's own error, unless it only says "unreachable" while a mirror
// actually answered; when nothing could be reached, every endpoint's.
Session resolve_image(const ResolveRequest& request, const RegistryConfig& config, HttpClient& http,
                      const store::Provider& blobs);

// The tag or digest the reference asks for, as the manifest URL needs it.
std::string manifest_reference(const Reference& ref);

}  // namespace mini::registry
