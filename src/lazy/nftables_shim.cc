// libnftables, loaded by the first bridge-network rule change. See
// lazy_library.h.
#include <nftables/libnftables.h>

#include "lazy/lazy_library.h"

namespace {
constexpr mini::lazy::Library kNftables{MINI_SONAME_NFTABLES, "libnftables1"};
}  // namespace

extern "C" {

struct nft_ctx* nft_ctx_new(uint32_t flags) {
  MINI_LAZY_REAL(kNftables, nft_ctx_new);
  return real(flags);
}

void nft_ctx_free(struct nft_ctx* ctx) {
  MINI_LAZY_REAL(kNftables, nft_ctx_free);
  real(ctx);
}

int nft_ctx_buffer_output(struct nft_ctx* ctx) {
  MINI_LAZY_REAL(kNftables, nft_ctx_buffer_output);
  return real(ctx);
}

const char* nft_ctx_get_output_buffer(struct nft_ctx* ctx) {
  MINI_LAZY_REAL(kNftables, nft_ctx_get_output_buffer);
  return real(ctx);
}

int nft_ctx_buffer_error(struct nft_ctx* ctx) {
  MINI_LAZY_REAL(kNftables, nft_ctx_buffer_error);
  return real(ctx);
}

const char* nft_ctx_get_error_buffer(struct nft_ctx* ctx) {
  MINI_LAZY_REAL(kNftables, nft_ctx_get_error_buffer);
  return real(ctx);
}

int nft_run_cmd_from_buffer(struct nft_ctx* nft, const char* buf) {
  MINI_LAZY_REAL(kNftables, nft_run_cmd_from_buffer);
  return real(nft, buf);
}

}  // extern "C"
