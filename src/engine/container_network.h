#pragma once
// A container's network as its record asks for it: the driver for its
// --network mode, fed from the record and the config file, and the
// record's IP address kept in step with the hold.
#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/context.h"
#include "engine/spec_builder.h"
#include "net/network.h"
#include "store/container_store.h"

namespace mini::engine {

// The host's network means no network namespace and, as Docker does, the
// host's hostname unless -h gives one. Call after userns_remap is set:
// the two don't mix (Docker refuses them too). Throws mini::Error.
void apply_network_mode(const std::string& mode, SpecInputs& inputs);

// One run's hold on the network (net::NetworkAttachment), which also
// clears the record's IP address when it gives the hold back.
class ContainerNetwork {
 public:
  ContainerNetwork(ContainerNetwork&&) noexcept = default;
  ContainerNetwork& operator=(ContainerNetwork&&) = delete;
  ~ContainerNetwork() { release(); }

  void connect(pid_t pid) { attachment_.connect(pid); }
  // A namespace made ahead for the container to join (net::NetworkAttachment::netns_path).
  std::string netns_path() const { return attachment_.netns_path(); }
  void release() noexcept;

 private:
  friend ContainerNetwork attach_network(Context& ctx, const store::ContainerRecord& record,
                                         const std::string& hostname);
  explicit ContainerNetwork(net::NetworkAttachment attachment) : attachment_(std::move(attachment)) {}
  net::NetworkAttachment attachment_;
  std::string container_id_;
  std::optional<store::ContainerStore> containers_;
};

// Writes the container's hosts and resolv.conf for its mode and, on the
// bridge, leases an address, publishes its ports and adds it to its
// peers' /etc/hosts. Throws mini::Error, leaving nothing held.
ContainerNetwork attach_network(Context& ctx, const store::ContainerRecord& record, const std::string& hostname);

// ps's PORTS: the host ports a running bridged container really holds.
std::vector<std::string> describe_ports(const store::ContainerRecord& record);

}  // namespace mini::engine
