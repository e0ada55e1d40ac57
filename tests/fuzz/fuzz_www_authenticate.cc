// libFuzzer target: the headers and small bodies a registry or token server
// sends back: WWW-Authenticate challenges, token answers, Content-Range on
// resumed downloads, and distribution error bodies.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "registry/auth.h"
#include "registry/download.h"
#include "registry/errors.h"

namespace registry = mini::registry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<registry::Challenge> challenges = registry::parse_www_authenticate(text);
  registry::Authenticator auth("registry.example", std::nullopt, true);
  try {
    auth.set_challenges(challenges);  // a realm that is not a clean URL is refused
  } catch (const mini::Error&) {
  }
  (void)auth.has_challenge();

  try {
    registry::Token token = registry::parse_token_response(text);
    if (token.value.empty() || token.expires_in.count() < 60) __builtin_trap();
  } catch (const mini::Error&) {
  }
  if (auto range = registry::parse_content_range(text)) {
    if (range->last < range->first || (range->total && *range->total <= range->last)) __builtin_trap();
  }
  for (uint64_t have : {uint64_t{0}, uint64_t{100}, ~uint64_t{0}}) {
    try {
      uint64_t skip = registry::resume_skip(have, 206, text);
      if (skip > have) __builtin_trap();
    } catch (const mini::Error&) {
    }
  }
  (void)registry::registry_error_message(text);
  return 0;
}
