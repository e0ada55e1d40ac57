#pragma once
// Device access for cgroup v2, where the devices controller of v1 became a
// BPF program (BPF_PROG_TYPE_CGROUP_DEVICE) attached to the cgroup. The
// rules are OCI's linux.resources.devices; the last matching rule wins, as
// with v1's devices.allow/deny.
#include <linux/bpf.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mini::runtime::cgroup {

struct DeviceRule {
  bool allow = false;
  char type = 'a';  // 'a' (all), 'c', 'b'
  int64_t major = -1, minor = -1;  // -1: any
  std::string access = "rwm";
};

// v1's devices.allow/devices.deny line: "c 1:3 rwm", "a".
std::string v1_device_line(const DeviceRule& rule);

// The BPF program for `rules`; pure, so its shape is unit-tested.
std::vector<bpf_insn> device_program(const std::vector<DeviceRule>& rules);
// Loads the program into the kernel; returns its fd. Throws mini::Error.
int load_device_program(const std::vector<bpf_insn>& program);
// Loads and attaches it to the cgroup directory `dir`.
void attach_device_program(const std::filesystem::path& dir, const std::vector<DeviceRule>& rules);

}  // namespace mini::runtime::cgroup
