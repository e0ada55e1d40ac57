#pragma once
// One error type for everything before clone(): a single line for the user,
// already carrying what to do about it.
#include <stdexcept>
#include <string>

namespace mini {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "<what>: <strerror(errno)>" as an Error; for failed syscalls.
[[noreturn]] void throw_errno(const std::string& what);
[[noreturn]] void throw_errno(const std::string& what, int err);

}  // namespace mini
