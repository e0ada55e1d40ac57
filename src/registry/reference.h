#pragma once
// Image references, normalized the way Docker does:
//   busybox            -> docker.io/library/busybox:latest
//   user/app           -> docker.io/user/app:latest
//   host:5000/a/b:tag  -> host:5000/a/b:tag
//   name@sha256:<hex>  -> docker.io/library/name@sha256:<hex>
#include <string>
#include <string_view>

namespace mini::registry {

struct Reference {
  std::string domain;  // "docker.io", "localhost", "127.0.0.1:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // empty when pinned by digest only
  std::string digest;  // "sha256:<hex>" or empty

  // "docker.io/library/busybox:latest" (tag and digest both when both given).
  std::string full() const;
  // "busybox:latest", "user/app:1", "host:5000/app:tag", as Docker shows them.
  std::string familiar() const;
  // "docker.io/library/busybox" without tag or digest.
  std::string repository() const;
  // familiar() without tag or digest, for the REPOSITORY column.
  std::string familiar_repository() const;
  // The host to contact: registry-1.docker.io for docker.io.
  std::string registry_host() const;
};

// Throws mini::Error ("invalid reference format: ...") before any traffic.
Reference parse_reference(std::string_view text);

}  // namespace mini::registry
