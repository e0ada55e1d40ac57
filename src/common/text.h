#pragma once
// Small text helpers: splitting at a separator (PATH, paths, query
// strings), ASCII case folding, hex digests.
#include <string>
#include <string_view>
#include <vector>

namespace mini {

// Every field between separators, empty ones included: "a::b" is
// {"a", "", "b"}, "" is {""}, "/x" is {"", "x"}.
std::vector<std::string> split(std::string_view text, char separator);

// ASCII lowercase, whatever the locale: header names, URL schemes, hex.
std::string ascii_lower(std::string_view text);

// Exactly 64 hex digits, either case: a sha256 as users and servers write it.
bool is_sha256_hex(std::string_view text);

}  // namespace mini
