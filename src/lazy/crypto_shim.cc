// libcrypto (OpenSSL), loaded by the first streamed sha256 or base64. See
// lazy_library.h; small one-shot digests don't use it (store/digest.cc).
#include <openssl/evp.h>

#include "lazy/lazy_library.h"

namespace {
constexpr mini::lazy::Library kCrypto{MINI_SONAME_CRYPTO, "libssl3"};
}  // namespace

extern "C" {

EVP_MD_CTX* EVP_MD_CTX_new(void) {
  MINI_LAZY_REAL(kCrypto, EVP_MD_CTX_new);
  return real();
}

void EVP_MD_CTX_free(EVP_MD_CTX* ctx) {
  MINI_LAZY_REAL(kCrypto, EVP_MD_CTX_free);
  real(ctx);
}

const EVP_MD* EVP_sha256(void) {
  MINI_LAZY_REAL(kCrypto, EVP_sha256);
  return real();
}

int EVP_DigestInit_ex(EVP_MD_CTX* ctx, const EVP_MD* type, ENGINE* impl) {
  MINI_LAZY_REAL(kCrypto, EVP_DigestInit_ex);
  return real(ctx, type, impl);
}

int EVP_DigestUpdate(EVP_MD_CTX* ctx, const void* d, size_t cnt) {
  MINI_LAZY_REAL(kCrypto, EVP_DigestUpdate);
  return real(ctx, d, cnt);
}

int EVP_DigestFinal_ex(EVP_MD_CTX* ctx, unsigned char* md, unsigned int* s) {
  MINI_LAZY_REAL(kCrypto, EVP_DigestFinal_ex);
  return real(ctx, md, s);
}

int EVP_EncodeBlock(unsigned char* t, const unsigned char* f, int n) {
  MINI_LAZY_REAL(kCrypto, EVP_EncodeBlock);
  return real(t, f, n);
}

int EVP_DecodeBlock(unsigned char* t, const unsigned char* f, int n) {
  MINI_LAZY_REAL(kCrypto, EVP_DecodeBlock);
  return real(t, f, n);
}

}  // extern "C"
