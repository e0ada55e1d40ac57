// ISA-L's igzip, loaded by the first gzip layer. See lazy_library.h.
#include <isa-l/igzip_lib.h>

#include "lazy/lazy_library.h"

namespace {
constexpr mini::lazy::Library kIsal{MINI_SONAME_ISAL, "libisal2"};
}  // namespace

extern "C" {

void isal_inflate_init(struct inflate_state* a0) {
  MINI_LAZY_REAL(kIsal, isal_inflate_init);
  real(a0);
}

int isal_inflate(struct inflate_state* a0) {
  MINI_LAZY_REAL(kIsal, isal_inflate);
  return real(a0);
}

}  // extern "C"
