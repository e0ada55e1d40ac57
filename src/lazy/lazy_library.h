#pragma once
// Libraries that `mini run` never needs (libcurl for pulls, libarchive for
// unpacking, libnftables for the bridge network, libcrypto for hashing
// streams) are loaded on first use instead of at exec: together with their
// own dependencies they were ~45 shared objects whose loading and
// relocation took longer than the rest of a container start.
//
// The *_shim.cc files define each function mini calls, with the signature
// from the library's own header, and forward to the real one looked up
// with dlopen/dlsym the first time. Only the `mini` executable links the
// shims (see MINI_LAZY_LIBS in CMakeLists.txt); tests link the libraries
// directly. Calling a function of these libraries that has no shim yet
// fails at link time with "undefined reference": add it to the shim file.
#include <dlfcn.h>

namespace mini::lazy {

struct Library {
  const char* soname;  // e.g. "libcurl.so.4", from the build's library
  const char* package; // the Debian package that ships it, for the error
};

// The address of `symbol` in `library`, loading the library the first
// time. Throws mini::Error naming the library and its package when either
// is missing.
void* symbol(const Library& library, const char* name);

template <typename Function>
Function* resolve(const Library& library, const char* name) {
  return reinterpret_cast<Function*>(symbol(library, name));
}

}  // namespace mini::lazy

// Inside a shim: `real` is the library's own function of the same name,
// resolved once (thread-safe static initialisation).
#define MINI_LAZY_REAL(library, name) \
  static auto* const real = ::mini::lazy::resolve<decltype(::name)>(library, #name)
