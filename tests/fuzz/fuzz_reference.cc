// libFuzzer target: image references as users type them and as registries
// and tarball names supply them. The parser must only ever throw
// mini::Error, and a parsed reference must survive a round trip through the
// two forms mini prints (full and familiar).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "registry/reference.h"

namespace {

void check_round_trip(const mini::registry::Reference& ref, const std::string& printed) {
  mini::registry::Reference again = mini::registry::parse_reference(printed);
  if (again.full() != ref.full() || again.familiar() != ref.familiar()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  mini::registry::Reference ref;
  try {
    ref = mini::registry::parse_reference(text);
  } catch (const mini::Error&) {
    return 0;
  }
  check_round_trip(ref, ref.full());
  check_round_trip(ref, ref.familiar());
  (void)ref.registry_host();
  (void)ref.familiar_repository();
  return 0;
}
