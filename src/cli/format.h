#pragma once
// How Docker prints sizes and ages, so `mini images` reads the same.
#include <cstdint>
#include <string>
#include <vector>

namespace mini::cli {

// 3 significant digits, SI units: "7.8MB", "3.62MB", "512B".
std::string human_size(uint64_t bytes);
// "Less than a second", "5 seconds", "About a minute", "3 hours", "2 months".
std::string human_duration(int64_t seconds);
// Seconds since `rfc3339` (UTC); 0 when unparseable.
int64_t seconds_since(const std::string& rfc3339);
// Pads each column to its widest cell, three spaces between, like tabwriter.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace mini::cli
