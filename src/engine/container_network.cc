#include "engine/container_network.h"

#include <unistd.h>

#include "common/error.h"

namespace mini::engine {

void apply_network_mode(const std::string& mode, SpecInputs& inputs) {
  inputs.host_network = mode == "host";
  // The remapped root could not mount /sys for a namespace it doesn't own.
  if (inputs.rootless && inputs.userns_remap)
    throw Error("--userns=remap needs root; a rootless container already maps your user to its root and your "
                "/etc/subuid range to its other ids");
  if (inputs.host_network && inputs.userns_remap)
    throw Error("cannot share the host's network namespace when user namespaces are enabled; drop --userns=remap "
                "or use --network bridge");
  if (inputs.host_network) {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0) inputs.host_hostname = name;
  }
}

ContainerNetwork attach_network(Context& ctx, const store::ContainerRecord& record, const std::string& hostname) {
  net::AttachRequest request;
  request.container_id = record.id;
  request.name = record.name;
  request.hostname = hostname;
  request.publish = record.ports;
  request.dir = ctx.containers().dir(record.id);
  request.durable = !record.auto_remove;
  request.id_shift = record.id_shift;
  if (net::is_user_mode(record.network_mode)) request.runtime_dir = state_dir() / "net" / record.id.substr(0, 12);
  net::DriverOptions options;
  // Only the bridge reads the config file: a broken one never stops --network none or host.
  if (record.network_mode == "bridge") {
    std::string bip = ctx.config().network.bip;
    options.bip = bip;
  }

  ContainerNetwork network(net::make_driver(record.network_mode, options)->attach(request));
  if (network.attachment_.address().empty()) return network;
  network.container_id_ = record.id;
  network.containers_.emplace(ctx.layout());
  ctx.containers().update(record.id, [&](store::ContainerRecord& r) { r.ip_address = network.attachment_.address(); });
  return network;
}

void ContainerNetwork::release() noexcept {
  if (!attachment_.release() || !containers_) return;
  try {
    containers_->update(container_id_, [](store::ContainerRecord& r) { r.ip_address.clear(); });
  } catch (const std::exception&) {
    // The record is being removed (--rm): nothing to correct.
  }
}

std::vector<std::string> describe_ports(const store::ContainerRecord& record) {
  if (record.ports.empty()) return {};
  if (net::is_user_mode(record.network_mode)) {
    // slirp4netns/pasta publish what -p asked for, while the container runs.
    if (record.status != "running") return {};
    std::vector<std::string> out;
    for (const auto& spec : record.ports)
      for (const auto& port : net::parse_publish(spec)) out.push_back(net::describe(port));
    return out;
  }
  if (record.network_mode != "bridge") return {};
  return net::describe_ports(record.id);
}

}  // namespace mini::engine
