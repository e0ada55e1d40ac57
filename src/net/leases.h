#pragma once
// Who holds which address on mini0. The bridge, its nft table and its
// address space are one per host, not one per store, so the leases live
// beside them in /run/mini/network (gone after a reboot, like the bridge):
// two stores (--root) on one host must never hand out the same address.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ipam.h"
#include "net/ports.h"
#include "common/fs_util.h"

namespace mini::net {

// A process, told apart from a later one that reuses its PID by its start
// time (clock ticks after boot, /proc/<pid>/stat field 22).
struct ProcessRef {
  int pid = 0;
  uint64_t start_time = 0;
  bool operator==(const ProcessRef&) const = default;
};

struct Lease {
  std::string container_id, name, hostname;
  uint32_t address = 0;
  std::string veth;  // the host end
  std::vector<PortMapping> ports;
  std::string hosts_path;  // the container's /etc/hosts, rewritten as peers come and go
  ProcessRef owner;        // the mini process that attached the container
  ProcessRef container;    // its PID 1, once it exists
};

struct LeaseTable {
  std::optional<Subnet> subnet;  // set by the first attach
  uint32_t last = 0;             // the address handed out most recently
  std::vector<Lease> leases;
  // The nft transaction last applied: each commit costs the kernel ~14 ms,
  // so an unchanged ruleset is not applied again.
  std::string rules;
};

std::string serialize_leases(const LeaseTable& table);
// Throws mini::Error naming `origin` when the text is not a lease table.
LeaseTable parse_leases(std::string_view text, const std::string& origin);

ProcessRef process_ref(int pid);  // {0, 0} when it is gone or a zombie
bool is_alive(const ProcessRef& process);
// Alive while its owner, which releases it, or its container lives.
bool lease_alive(const Lease& lease);

// "veth" and the ID's first 11 digits: 15 characters, the most a name holds.
std::string veth_name(const std::string& container_id);

// <dir>/leases.json, read and locked (<dir>/leases.lock) for the object's
// lifetime; save() replaces the file atomically.
class LeaseFile {
 public:
  explicit LeaseFile(const std::filesystem::path& dir);
  LeaseTable& table() { return table_; }
  void save();

 private:
  std::filesystem::path path_;
  fsutil::FileLock lock_;
  LeaseTable table_;
};

}  // namespace mini::net
