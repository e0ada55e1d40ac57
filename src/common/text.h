#pragma once
// Splitting text at a separator, as PATH, paths and query strings need.
#include <string>
#include <string_view>
#include <vector>

namespace mini {

// Every field between separators, empty ones included: "a::b" is
// {"a", "", "b"}, "" is {""}, "/x" is {"", "x"}.
std::vector<std::string> split(std::string_view text, char separator);

}  // namespace mini
