#pragma once
// Timestamps as Docker, the OCI state and their logs write them.
#include <string>

namespace mini {

// Now, in UTC, as RFC 3339 with nanoseconds: "2026-12-03T11:20:04.123456789Z".
std::string now_rfc3339();

}  // namespace mini
