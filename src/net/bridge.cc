#include "net/bridge.h"

#include <fcntl.h>

#include <map>

#include "common/error.h"
#include "common/fs_util.h"
#include "net/netlink.h"

namespace mini::net {

namespace {

// Writes only on change: most runs find the value already set.
void set_sysctl(const std::string& path, const std::string& value) {
  std::string current;
  try {
    current = fsutil::read_file(path, 64);
  } catch (const Error&) {
  }
  if (current == value + "\n") return;
  fsutil::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path + " (is /proc/sys mounted read-write?)");
  fsutil::write_all(fd.get(), value + "\n");
}

int index_of(Netlink& netlink, const std::string& name, const std::string& what) {
  auto link = netlink.link(name);
  if (!link) throw Error(what + ": interface " + name + " vanished; run the container again");
  return link->index;
}

}  // namespace

void ensure_bridge(const BridgeSettings& bridge) {
  Netlink netlink;
  netlink.create_bridge(bridge.name);
  auto link = netlink.link(bridge.name);
  if (!link) throw Error("bridge " + bridge.name + " vanished while being set up; run the container again");
  if (link->kind != "bridge")
    throw Error("interface " + bridge.name + " exists but is not a bridge; delete it (ip link del " + bridge.name +
                ") and run again");
  for (const auto& address : netlink.addresses())
    if (address.index == link->index && (address.address != bridge.gateway || address.prefix != bridge.prefix))
      netlink.delete_address(link->index, address.address, address.prefix);
  netlink.add_address(link->index, bridge.gateway, bridge.prefix);
  netlink.set_up(link->index);
  set_sysctl("/proc/sys/net/ipv4/conf/" + bridge.name + "/route_localnet", "1");
  set_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
}

void connect_container(pid_t pid, const Endpoint& endpoint) {
  std::string ns_path = "/proc/" + std::to_string(pid) + "/ns/net";
  fsutil::UniqueFd netns(::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns) throw_errno("open " + ns_path);

  Netlink host;
  host.delete_link(endpoint.host_veth);
  host.create_veth(endpoint.host_veth, "eth0", netns.get());
  int bridge = index_of(host, endpoint.bridge, "connect the container");
  int veth = index_of(host, endpoint.host_veth, "connect the container");
  host.set_master(veth, bridge);
  host.set_up(veth);

  Netlink inside = Netlink::in_namespace(netns.get());
  int eth0 = index_of(inside, "eth0", "configure the container's eth0");
  inside.add_address(eth0, endpoint.address, endpoint.prefix);
  inside.set_up(eth0);
  inside.add_default_route(eth0, endpoint.gateway);
}

bool delete_link(const std::string& name) {
  Netlink netlink;
  return netlink.delete_link(name);
}

std::vector<std::string> bridge_ports(const std::string& bridge) {
  Netlink netlink;
  auto links = netlink.links();
  int bridge_index = 0;
  for (const auto& link : links)
    if (link.name == bridge) bridge_index = link.index;
  std::vector<std::string> ports;
  if (bridge_index == 0) return ports;
  for (const auto& link : links)
    if (link.master == bridge_index) ports.push_back(link.name);
  return ports;
}

std::vector<Route> host_routes() {
  Netlink netlink;
  std::map<int, std::string> names;
  for (const auto& link : netlink.links()) names[link.index] = link.name;
  std::vector<Route> routes;
  for (const auto& route : netlink.routes()) routes.push_back({route.destination, route.prefix, names[route.index]});
  return routes;
}

std::vector<BridgeAddress> bridge_addresses(const std::string& bridge) {
  Netlink netlink;
  auto link = netlink.link(bridge);
  std::vector<BridgeAddress> out;
  if (!link) return out;
  for (const auto& address : netlink.addresses())
    if (address.index == link->index) out.push_back({address.address, address.prefix});
  return out;
}

}  // namespace mini::net
