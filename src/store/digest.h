#pragma once
// sha256 digests in OCI form ("sha256:<64 lowercase hex>").
#include <openssl/evp.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace mini::store {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t size);
  // "sha256:<hex>"; the hasher is finished afterwards.
  std::string finish();

 private:
  EVP_MD_CTX* ctx_;
};

std::string sha256_digest(std::string_view data);
bool is_valid_digest(std::string_view digest);
// The hex part of a valid digest; throws mini::Error naming the bad value.
std::string digest_hex(std::string_view digest);

}  // namespace mini::store
