#pragma once
// Linux capabilities from the spec's names to bitmasks (before clone), and
// applying them in the child (no allocation: plain syscalls on plain values).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/spec.h"

#include "runtime/contain/report.h"

namespace mini::runtime {

struct CapabilitySets {
  uint64_t bounding = 0, effective = 0, permitted = 0, inheritable = 0, ambient = 0;
  int last_cap = 40;  // /proc/sys/kernel/cap_last_cap
};

// "CAP_CHOWN" -> 0; nullopt for unknown names.
std::optional<int> capability_number(std::string_view name);
std::string capability_name(int number);
uint64_t capability_mask(const std::vector<std::string>& names);  // throws mini::Error on unknown names

// Absent capabilities in the spec keep every capability (as runc does).
CapabilitySets resolve_capabilities(const std::optional<Capabilities>& caps, int last_cap);
int read_last_cap();

// Child side. Each returns 0 or an errno, and names the failing step.
// Drops what is not in the bounding set; needs CAP_SETPCAP, so call it
// before changing user.
int drop_bounding_set(const CapabilitySets& sets, Step* step) noexcept;
// Sets effective/permitted/inheritable, then raises the ambient set.
int apply_capability_sets(const CapabilitySets& sets, Step* step) noexcept;

}  // namespace mini::runtime
