#include "net/nat.h"

#include <nftables/libnftables.h>

#include <memory>

#include "common/error.h"

namespace mini::net {

namespace {

struct ContextDeleter {
  void operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }
};
using Context = std::unique_ptr<nft_ctx, ContextDeleter>;

Context buffered_context() {
  Context ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) throw Error("nftables: could not create a context; is libnftables installed?");
  nft_ctx_buffer_output(ctx.get());
  nft_ctx_buffer_error(ctx.get());
  return ctx;
}

std::string first_line(const char* text) {
  std::string line = text ? text : "";
  if (auto newline = line.find('\n'); newline != std::string::npos) line.resize(newline);
  return line;
}

}  // namespace

void run_nft(const std::string& commands) {
  Context ctx = buffered_context();
  if (nft_run_cmd_from_buffer(ctx.get(), commands.c_str()) != 0) {
    std::string why = first_line(nft_ctx_get_error_buffer(ctx.get()));
    throw Error("configure nftables: " + (why.empty() ? std::string("the kernel refused the rules") : why) +
                "; check that the kernel has nf_tables with NAT (CONFIG_NFT_NAT, CONFIG_NFT_MASQ, CONFIG_NFT_FIB_IPV4)");
  }
}

std::string nft_output(const std::string& command) {
  Context ctx = buffered_context();
  if (nft_run_cmd_from_buffer(ctx.get(), command.c_str()) != 0) return "";
  const char* out = nft_ctx_get_output_buffer(ctx.get());
  return out ? out : "";
}

}  // namespace mini::net
