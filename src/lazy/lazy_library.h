#pragma once
// Libraries that `mini run` never needs (libcurl for pulls, libarchive for
// unpacking, ISA-L for gzip, libnftables for the bridge network, libcrypto
// for hashing streams) are loaded on first use instead of at exec: together
// with their own dependencies they were ~45 shared objects whose loading
// and relocation took longer than the rest of a container start.
//
// Each function mini calls in them is listed in src/lazy/symbols.txt; the
// build generates, for each, an extern "C" function of the same name and
// type (src/lazy/generate.py) that looks the real one up with dlopen/dlsym
// on its first call and forwards to it. Only the `mini` executable links
// these shims (src/lazy/lazy.cmake, MINI_LAZY_LIBS); tests link the
// libraries directly.
//
// What happens when something is missing:
// - A function mini calls but symbols.txt lacks: the call links against the
//   real library, which mini then loads at exec again. The lazy_not_needed
//   test (tests/check_lazy_needed.py) fails on it, naming the functions.
// - A library, or a function in it, missing at run time: the first call
//   throws mini::Error, one line naming the soname and what to install;
//   mini prints it and fails the command like any other error.
#include <cstddef>
#include <tuple>

namespace mini::lazy {

struct Library {
  const char* soname;   // e.g. "libcurl.so.4", from the library mini was built with
  const char* install;  // what to install when it is missing, e.g. "libcurl4 (mini was built with 7.88.1)"
};

// The address of `name` in `library`, loading the library the first time.
// Throws mini::Error when either is missing.
void* symbol(const Library& library, const char* name);

template <typename Function>
Function* resolve(const Library& library, const char* name) {
  return reinterpret_cast<Function*>(symbol(library, name));
}

// A function type's result and parameters, so that a shim is declared with
// exactly the types of the library's header.
template <typename Function>
struct Signature;
template <typename R, typename... Args>
struct Signature<R(Args...)> {
  using Result = R;
  using Parameters = std::tuple<Args...>;
};
template <typename Function>
using Result = typename Signature<Function>::Result;
template <typename Function, std::size_t index>
using Parameter = std::tuple_element_t<index, typename Signature<Function>::Parameters>;

}  // namespace mini::lazy
