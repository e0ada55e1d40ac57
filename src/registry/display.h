#pragma once
// What a registry, token server or web server says, made fit to show: every
// header value, error body, media type, platform or URL it controls may hold
// escape sequences that rewrite the user's terminal, newlines that forge a
// second message, or megabytes that bury the one line that says what to do.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mini::registry {

// Control characters (C0, DEL, C1) and bytes that are not UTF-8 escaped as
// \xNN, cut after `max` characters with "... (N more bytes)".
std::string shown(std::string_view untrusted, size_t max = 200);

// Whether `text` holds a byte below 0x20 or DEL: what no header value,
// token or URL mini sends may carry.
bool has_control_characters(std::string_view text);

// "a, b, c and 17 more": at most `max` items, each shown().
std::string shown_list(const std::vector<std::string>& items, size_t max = 8);

// The last line of defence for a whole message: control characters
// escaped, and when longer than `max`, its start and its end (which says
// what to do) kept around a note of how much was left out.
std::string one_line(std::string_view message, size_t max = 1000);

}  // namespace mini::registry
