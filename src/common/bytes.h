#pragma once
// Byte counts as people write and read them. Parsing takes Docker's units
// (binary: "64MB" = 64 MiB, as its RAMInBytes); printing comes in the two
// styles mini shows: Docker's decimal units where it mimics Docker's output,
// binary units in limits and errors, where an exact power of two reads best.
#include <cstdint>
#include <string>
#include <string_view>

namespace mini {

// "1048576", "512k", "64MB", "20GiB", "1.5g" -> bytes. Throws mini::Error
// naming `what` for anything else.
uint64_t parse_byte_size(std::string_view text, const std::string& what);

// Docker's decimal units with `significant` digits: 3 as `docker images`
// ("3.62MB"), 4 as `docker pull` ("886.2kB"); whole bytes as "512B".
std::string decimal_bytes(uint64_t bytes, int significant);
// "64.0 MiB", "500 B", for limits and messages.
std::string binary_bytes(uint64_t bytes);

}  // namespace mini
