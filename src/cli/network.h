#pragma once
// `mini run --network none|host|bridge` and `-p`. On the bridge (Docker's
// default as root) each start of a container leases an address on mini0,
// gets a veth pair, its published ports as DNAT rules and /etc/hosts
// entries for its peers; all of it is released when that run ends, and
// `mini system prune` releases what crashed runs left behind.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/context.h"
#include "cli/net_leases.h"
#include "cli/spec_builder.h"
#include "runtime/net_bridge.h"
#include "store/container_store.h"

namespace mini::cli {

constexpr const char* kBridgeName = "mini0";

// Host-wide, like the bridge: see net_leases.h.
std::filesystem::path network_state_dir();

// Checks --network and -p before anything exists and returns the mode to
// record ("none", "host" or "bridge"; "" and "default" mean bridge, as in
// Docker). Published ports off the bridge are dropped with Docker's
// warning. Throws mini::Error.
std::string check_network_flags(const std::string& mode, std::vector<std::string>& publish);

// The host's network means no network namespace and, as Docker does, the
// host's hostname unless -h gives one. Call after userns_remap is set:
// the two don't mix (Docker refuses them too). Throws mini::Error.
void apply_network_mode(const std::string& mode, SpecInputs& inputs);

// One run's hold on the network. Release happens in the destructor too, so
// a failed start gives everything back; only the process that attached
// releases (a forked copy does not).
class NetworkAttachment {
 public:
  NetworkAttachment() = default;
  NetworkAttachment(NetworkAttachment&& other) noexcept;
  NetworkAttachment& operator=(NetworkAttachment&&) = delete;
  ~NetworkAttachment() { release(); }

  // For RunOptions::before_start: eth0 inside the container's namespace.
  void connect(pid_t pid);
  // Never throws; a failure is reported with what to run.
  void release() noexcept;
  const std::string& address() const { return address_; }  // "" off the bridge

 private:
  friend NetworkAttachment attach_network(Context& ctx, const store::ContainerRecord& record,
                                          const std::string& hostname);
  std::string container_id_;
  std::string address_;
  runtime::net::Endpoint endpoint_;
  std::optional<store::ContainerStore> containers_;
  pid_t owner_ = 0;
};

// Writes the container's hosts and resolv.conf for its mode and, on the
// bridge, leases an address, publishes its ports and adds it to its
// peers' /etc/hosts. Throws mini::Error, leaving nothing held.
NetworkAttachment attach_network(Context& ctx, const store::ContainerRecord& record, const std::string& hostname);

// The lease a running container holds (its address and the host ports it
// really got), for ps and inspect.
std::optional<Lease> find_lease(const std::string& container_id);

// What `docker ps` shows in PORTS ("127.0.0.1:18080->80/tcp"), with the host
// ports really taken; empty unless the container holds a lease.
std::vector<std::string> describe_ports(const store::ContainerRecord& record);

struct NetworkPruneReport {
  std::vector<Lease> leases;            // of containers that are gone
  std::vector<std::string> interfaces;  // veths nobody holds
};
// Releases what runs that crashed left: leases, veths, and rules (the nft
// table is rewritten from the live leases). Throws mini::Error.
NetworkPruneReport prune_network();

}  // namespace mini::cli
