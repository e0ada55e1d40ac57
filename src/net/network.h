#pragma once
// `--network none|host|bridge` and `-p`, behind one driver interface. On the
// bridge (Docker's default as root) each start of a container leases an
// address on mini0, gets a veth pair, its published ports as DNAT rules and
// /etc/hosts entries for its peers; all of it is released when that run
// ends, and prune_network() releases what crashed runs left behind.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/bridge.h"
#include "net/leases.h"
#include "net/user_mode.h"

namespace mini::net {

constexpr const char* kBridgeName = "mini0";

// Host-wide, like the bridge: see leases.h.
std::filesystem::path network_state_dir();

// Checks --network and -p before anything exists and returns the mode to
// record ("none", "host", "bridge", "slirp4netns" or "pasta"; "" and
// "default" mean bridge, as in Docker, or for a rootless mini the user-mode
// helper this machine has). Published ports where nothing publishes them
// are dropped with Docker's warning. Throws mini::Error.
std::string check_network_flags(const std::string& mode, std::vector<std::string>& publish);

// One start of one container, as a driver needs it.
struct AttachRequest {
  std::string container_id, name, hostname;
  std::vector<std::string> publish;  // -p values as recorded
  std::filesystem::path dir;         // where its hosts and resolv.conf go
  bool durable = true;               // fsync them (an --rm container's files go with it)
  uint32_t id_shift = 0;             // --userns=remap: the container's root owns them
  std::filesystem::path runtime_dir;  // the user's run-time dir: slirp4netns's API socket goes there
};

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
  // Never throws; a failure is reported with what to run. True when this
  // call gave a hold back (false off the bridge, twice, or in a fork).
  bool release() noexcept;
  const std::string& address() const { return address_; }  // "" off the bridge
  // slirp4netns/pasta: the file the namespace the container joins is bound to; "" otherwise.
  std::string netns_path() const { return user_mode_ ? user_mode_->netns() : ""; }

 private:
  friend class BridgeDriver;
  friend class UserModeDriver;
  std::shared_ptr<UserModeNetwork> user_mode_;
  std::string container_id_;
  std::string address_;
  Endpoint endpoint_;
  pid_t owner_ = 0;
};

// What one --network mode does for a container's start: none (loopback
// only), host (the host's namespace and files) or bridge (mini0).
class Driver {
 public:
  virtual ~Driver() = default;
  // Writes the container's hosts and resolv.conf for the mode and takes
  // what it needs. Throws mini::Error, leaving nothing held.
  virtual NetworkAttachment attach(const AttachRequest& request) = 0;
};

struct DriverOptions {
  std::string bip;  // the config file's "bip" for the bridge; "" picks a free range
};

// The driver for a mode check_network_flags returned.
std::unique_ptr<Driver> make_driver(const std::string& mode, const DriverOptions& options = {});

// The lease a running container holds (its address and the host ports it
// really got), for ps and inspect.
std::optional<Lease> find_lease(const std::string& container_id);

// What `docker ps` shows in PORTS ("127.0.0.1:18080->80/tcp"), with the host
// ports really taken; empty unless the container holds a lease.
std::vector<std::string> describe_ports(const std::string& container_id);

struct NetworkPruneReport {
  std::vector<Lease> leases;            // of containers that are gone
  std::vector<std::string> interfaces;  // veths nobody holds
};
// Releases what runs that crashed left: leases, veths, and rules (the nft
// table is rewritten from the live leases). Throws mini::Error.
NetworkPruneReport prune_network();

}  // namespace mini::net
