#pragma once
// What a call refuses with: the message of the mini::Error it throws, or
// "" when it throws none.
#include <functional>
#include <string>

#include "common/error.h"

namespace mini::test {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace mini::test
