#include "net/network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

#include "net/etc_files.h"
#include "net/ruleset.h"
#include "common/contained_file.h"
#include "common/error.h"
#include "common/fs_util.h"
#include "common/identity.h"
#include "net/nat.h"
#include "net/netlink.h"

namespace mini::net {

namespace fs = std::filesystem;

namespace {

std::string read_or_empty(const fs::path& path) {
  try {
    return fsutil::read_file(path, 1 << 20);
  } catch (const Error&) {
    return "";
  }
}

// The peer's file is bind-mounted into its container: only a write into
// the same inode shows there, a rename would not. A file gone (that
// container's directory removed) or turned into anything but a regular
// file is skipped; the writer never blocks on it.
void rewrite_in_place(const std::string& path, const std::string& content) noexcept {
  try {
    overwrite_regular_file(path, content);
  } catch (const std::exception&) {
  }
}

std::vector<HostsEntry> bridge_hosts(const Lease& self, const std::vector<Lease>& leases) {
  std::vector<HostsEntry> entries = {{format_ipv4(self.address), {self.hostname, self.name}}};
  for (const auto& peer : leases)
    if (peer.container_id != self.container_id) entries.push_back({format_ipv4(peer.address), {peer.name, peer.hostname}});
  return entries;
}

void refresh_hosts_files(const LeaseTable& table, const std::string& except_id) {
  for (const auto& lease : table.leases)
    if (lease.container_id != except_id && !lease.hosts_path.empty())
      rewrite_in_place(lease.hosts_path, hosts_file(lease.hostname, bridge_hosts(lease, table.leases)));
}

// Leases whose owner and container are both gone, taken out of the table
// with their interfaces.
std::vector<Lease> reap_dead(LeaseTable& table) {
  std::vector<Lease> dead;
  std::erase_if(table.leases, [&](const Lease& lease) {
    if (lease_alive(lease)) return false;
    dead.push_back(lease);
    return true;
  });
  for (const auto& lease : dead) {
    try {
      delete_link(lease.veth);
    } catch (const Error&) {
      // Already going with its namespace.
    }
  }
  return dead;
}

// Skips a transaction that would change nothing, unless `force`; a table
// someone deleted behind mini's back is put back all the same.
void apply_rules(LeaseTable& table, bool force = false) {
  std::string rules = nft_ruleset(kBridgeName, table.subnet.value_or(Subnet{}), table.leases);
  if (!force && rules == table.rules &&
      (table.leases.empty() || !nft_output(std::string("list table ip ") + kNftTable).empty()))
    return;
  run_nft(rules);
  table.rules = rules;
}

std::vector<Route> routes_off_bridge() {
  std::vector<Route> routes;
  for (auto& route : host_routes())
    if (route.device != kBridgeName) routes.push_back(std::move(route));
  return routes;
}

std::string describe_route(const Route& route) {
  return format_ipv4(route.destination) + "/" + std::to_string(route.prefix) +
         (route.device.empty() ? "" : " on " + route.device);
}

// The configured "bip" wins; otherwise the subnet in use stays, and a first
// attach picks a default range the host does not route elsewhere.
Subnet choose_subnet(const std::string& bip, const LeaseTable& table) {
  std::optional<Subnet> wanted;
  if (!bip.empty()) wanted = parse_bip(bip, "config file");
  if (table.subnet && !table.leases.empty()) {
    if (wanted && *wanted != *table.subnet)
      throw Error("\"bip\" is " + bip + " but running containers use " + kBridgeName + " on " + table.subnet->cidr() +
                  "; stop them and start again");
    return *table.subnet;
  }
  std::vector<Route> routes = routes_off_bridge();
  if (wanted) {
    if (auto route = conflicting_route(*wanted, routes))
      throw Error("\"bip\" " + bip + " overlaps the host's route to " + describe_route(*route) +
                  "; set \"bip\" in the config file to a free range");
    return *wanted;
  }
  if (table.subnet && !conflicting_route(*table.subnet, routes)) return *table.subnet;
  if (auto subnet = pick_default_subnet(routes)) return *subnet;
  throw Error(std::string("every default subnet for ") + kBridgeName +
              " overlaps a host route; set \"bip\" (e.g. \"192.168.240.1/24\") in the config file");
}

std::string where(const PortMapping& port) {
  return (port.host_ip.empty() ? "0.0.0.0" : port.host_ip) + ":" + std::to_string(port.host_port) + "/" +
         port.protocol;
}

// DNAT would silently take the port from a program already serving it, so
// a probe socket asks the kernel first; port 0 gets a free one.
uint16_t probe_host_port(const PortMapping& port) {
  int type = port.protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM;
  fsutil::UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("check host port " + where(port));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // TIME_WAIT is no conflict
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port.host_port);
  address.sin_addr.s_addr = htonl(port.host_ip.empty() ? INADDR_ANY : parse_ipv4(port.host_ip).value_or(0));
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (errno == EADDRINUSE)
      throw Error("host port " + where(port) + " is already in use on the host; choose another host port");
    if (errno == EADDRNOTAVAIL)
      throw Error(port.host_ip + " is not an address of this host; publish on one of its addresses or leave it out");
    throw_errno("check host port " + where(port));
  }
  socklen_t length = sizeof address;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw_errno("check host port " + where(port));
  return ntohs(address.sin_port);
}

void claim_ports(std::vector<PortMapping>& ports, const std::vector<Lease>& leases) {
  auto holder = [&](const PortMapping& port, size_t self) -> std::optional<std::string> {
    for (const auto& lease : leases)
      for (const auto& taken : lease.ports)
        if (ports_collide(port, taken)) return "container " + (lease.name.empty() ? lease.container_id : lease.name);
    for (size_t i = 0; i < self; ++i)
      if (ports_collide(port, ports[i])) return "another -p of this container";
    return std::nullopt;
  };
  for (size_t i = 0; i < ports.size(); ++i) {
    PortMapping& port = ports[i];
    if (port.host_port != 0) {
      if (auto who = holder(port, i))
        throw Error("Bind for " + where(port) + " failed: port is already allocated by " + *who +
                    "; choose another host port");
      probe_host_port(port);
      continue;
    }
    for (int attempt = 0; port.host_port == 0; ++attempt) {
      if (attempt == 20) throw Error("found no free host port for " + where(port) + "; give one with -p HOSTPORT:PORT");
      PortMapping candidate = port;
      candidate.host_port = probe_host_port(port);
      if (!holder(candidate, i)) port = candidate;
    }
  }
}

fs::path ensure_private_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  return dir;
}

void write_container_file(const fs::path& path, const std::string& content, const AttachRequest& request) {
  // An --rm container's files go with it: no fsync on the start path.
  fsutil::write_file_atomic(path, content, 0644, request.durable);
  // --userns=remap: the container's root owns its /etc files, as before.
  uint32_t id_shift = request.id_shift;
  if (id_shift && ::fchownat(AT_FDCWD, path.c_str(), id_shift, id_shift, AT_SYMLINK_NOFOLLOW) != 0)
    throw_errno("chown " + path.string());
}

}  // namespace

fs::path network_state_dir() { return "/run/mini/network"; }

std::string check_network_flags(const std::string& mode, std::vector<std::string>& publish) {
  bool rootless = identity::rootless();
  std::string name = mode.empty() || mode == "default" ? (rootless ? default_user_mode() : "bridge") : mode;
  if (name.empty())
    throw Error("a rootless container needs slirp4netns or pasta for its network (apt install slirp4netns or "
                "passt), or --network none or host");
  if (name != "bridge" && name != "host" && name != "none" && !is_user_mode(name)) {
    if (name.rfind("container:", 0) == 0)
      throw Error("--network container:NAME is not supported; use bridge and reach the other container by name");
    throw Error("network \"" + mode + "\" not found; use --network bridge, host, none, slirp4netns or pasta");
  }
  if (name == "bridge" && rootless)
    throw Error("--network bridge needs root (a bridge, veths and NAT in the host's namespace); use --network "
                "slirp4netns, pasta, none or host");
  for (const auto& spec : publish) parse_publish(spec);  // for its errors, now
  if (name != "bridge" && !is_user_mode(name) && !publish.empty()) {
    std::fprintf(stderr, "WARNING: Published ports are discarded when using %s network mode\n", name.c_str());
    publish.clear();
  }
  return name;
}

NetworkAttachment::NetworkAttachment(NetworkAttachment&& other) noexcept
    : user_mode_(std::move(other.user_mode_)),
      container_id_(std::move(other.container_id_)),
      address_(std::move(other.address_)),
      endpoint_(std::move(other.endpoint_)),
      owner_(std::exchange(other.owner_, 0)) {}

namespace {

// Loopback only: the hostname means 127.0.1.1, the host's resolvers minus
// loopback ones.
class NoneDriver : public Driver {
 public:
  NetworkAttachment attach(const AttachRequest& request) override {
    write_container_file(request.dir / "resolv.conf", container_resolv_conf(read_or_empty("/etc/resolv.conf")), request);
    write_container_file(request.dir / "hosts", hosts_file(request.hostname), request);
    return {};
  }
};

// The host's own view: its names, and its resolvers, loopback ones included.
class HostDriver : public Driver {
 public:
  NetworkAttachment attach(const AttachRequest& request) override {
    write_container_file(request.dir / "hosts", read_or_empty("/etc/hosts"), request);
    write_container_file(request.dir / "resolv.conf", read_or_empty("/etc/resolv.conf"), request);
    return {};
  }
};

}  // namespace

// Leases an address on mini0, publishes the ports and adds the container to
// its peers' /etc/hosts.
class BridgeDriver : public Driver {
 public:
  explicit BridgeDriver(DriverOptions options) : options_(std::move(options)) {}
  NetworkAttachment attach(const AttachRequest& request) override;

 private:
  DriverOptions options_;
};

NetworkAttachment BridgeDriver::attach(const AttachRequest& request) {
  const fs::path& dir = request.dir;
  write_container_file(dir / "resolv.conf", container_resolv_conf(read_or_empty("/etc/resolv.conf")), request);

  std::vector<PortMapping> ports;
  for (const auto& spec : request.publish)
    for (auto& mapping : parse_publish(spec)) ports.push_back(mapping);
  const std::string& bip = options_.bip;

  NetworkAttachment attachment;
  LeaseFile file(ensure_private_dir(network_state_dir()));
  LeaseTable& table = file.table();
  reap_dead(table);
  // A run that crashed and left this container's lease behind while its
  // owner's PID was reused: the container starts afresh.
  std::erase_if(table.leases, [&](const Lease& lease) { return lease.container_id == request.container_id; });
  Subnet subnet = choose_subnet(bip, table);
  table.subnet = subnet;
  ensure_bridge({kBridgeName, subnet.gateway, subnet.prefix});
  claim_ports(ports, table.leases);

  std::set<uint32_t> used;
  for (const auto& lease : table.leases) used.insert(lease.address);
  auto address = next_free_address(subnet, used, table.last);
  if (!address)
    throw Error("no free address left in " + subnet.cidr() + " on " + kBridgeName +
                "; stop containers, run `mini system prune`, or set a larger \"bip\"");
  Lease lease;
  lease.container_id = request.container_id;
  lease.name = request.name;
  lease.hostname = request.hostname;
  lease.address = *address;
  lease.veth = veth_name(request.container_id);
  lease.ports = ports;
  lease.hosts_path = (dir / "hosts").string();
  lease.owner = process_ref(::getpid());
  table.leases.push_back(lease);
  table.last = *address;
  apply_rules(table);  // first, so no lease is recorded without its rules
  file.save();

  attachment.container_id_ = request.container_id;
  attachment.address_ = format_ipv4(*address);
  attachment.endpoint_ = {kBridgeName, lease.veth, *address, subnet.prefix, subnet.gateway};
  attachment.owner_ = ::getpid();

  write_container_file(dir / "hosts", hosts_file(request.hostname, bridge_hosts(lease, table.leases)), request);
  refresh_hosts_files(table, request.container_id);
  return attachment;
}

// slirp4netns or pasta: a helper on the host side of a tap in the
// container's namespace, started once the namespace exists (connect).
class UserModeDriver : public Driver {
 public:
  explicit UserModeDriver(std::string mode) : mode_(std::move(mode)) {}
  NetworkAttachment attach(const AttachRequest& request) override {
    write_container_file(request.dir / "resolv.conf",
                         user_mode_resolv_conf(mode_, read_or_empty("/etc/resolv.conf")), request);
    write_container_file(request.dir / "hosts", hosts_file(request.hostname), request);
    std::vector<PortMapping> ports;
    for (const auto& spec : request.publish)
      for (auto& mapping : parse_publish(spec)) ports.push_back(mapping);
    fs::path state = request.runtime_dir.empty() ? request.dir : request.runtime_dir;
    fs::create_directories(state);
    NetworkAttachment attachment;
    attachment.container_id_ = request.container_id;
    attachment.user_mode_ = std::make_shared<UserModeNetwork>(mode_, std::move(ports), state.string());
    attachment.owner_ = ::getpid();
    attachment.user_mode_->start();  // the container joins the namespace by path
    return attachment;
  }

 private:
  std::string mode_;
};

std::unique_ptr<Driver> make_driver(const std::string& mode, const DriverOptions& options) {
  if (is_user_mode(mode)) return std::make_unique<UserModeDriver>(mode);
  if (mode == "host") return std::make_unique<HostDriver>();
  if (mode == "bridge") return std::make_unique<BridgeDriver>(options);
  return std::make_unique<NoneDriver>();
}

void NetworkAttachment::connect(pid_t pid) {
  if (owner_ == 0) return;
  if (user_mode_) return;  // made and served before the container (attach)
  {
    LeaseFile file(network_state_dir());
    auto& leases = file.table().leases;
    auto it = std::find_if(leases.begin(), leases.end(),
                           [&](const Lease& lease) { return lease.container_id == container_id_; });
    if (it == leases.end())
      throw Error("the address lease of container " + container_id_.substr(0, 12) +
                  " vanished while it started (mini system prune?); start it again");
    it->container = process_ref(pid);
    file.save();
  }
  connect_container(pid, endpoint_);
}

bool NetworkAttachment::release() noexcept {
  if (owner_ == 0 || owner_ != ::getpid()) return false;
  owner_ = 0;
  if (user_mode_) {
    user_mode_->stop();
    user_mode_.reset();
    return true;
  }
  try {
    LeaseFile file(network_state_dir());
    LeaseTable& table = file.table();
    std::erase_if(table.leases, [&](const Lease& lease) { return lease.container_id == container_id_; });
    reap_dead(table);
    std::string rules_error;
    try {
      apply_rules(table);
    } catch (const std::exception& e) {
      rules_error = e.what();  // the lease goes all the same; prune applies the rules again
    }
    file.save();
    delete_link(endpoint_.host_veth);
    refresh_hosts_files(table, "");
    if (!rules_error.empty()) throw Error(rules_error);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mini: releasing the network of container %s: %s; run `mini system prune`\n",
                 container_id_.substr(0, 12).c_str(), e.what());
  }
  return true;
}

std::optional<Lease> find_lease(const std::string& container_id) {
  if (!fs::exists(network_state_dir() / "leases.json")) return std::nullopt;
  LeaseFile file(network_state_dir());
  for (const auto& lease : file.table().leases)
    if (lease.container_id == container_id && lease_alive(lease)) return lease;
  return std::nullopt;
}

std::vector<std::string> describe_ports(const std::string& container_id) {
  std::vector<std::string> out;
  try {
    if (auto lease = find_lease(container_id))
      for (const auto& port : lease->ports) out.push_back(describe(port));
  } catch (const Error&) {
    // Not root: the lease table is not readable; ps still works.
  }
  return out;
}

NetworkPruneReport prune_network() {
  NetworkPruneReport report;
  LeaseFile file(ensure_private_dir(network_state_dir()));
  LeaseTable& table = file.table();
  report.leases = reap_dead(table);
  std::set<std::string> held;
  for (const auto& lease : table.leases) held.insert(lease.veth);

  Netlink netlink;
  auto links = netlink.links();
  int bridge = 0;
  for (const auto& link : links)
    if (link.name == kBridgeName) bridge = link.index;
  for (const auto& link : links) {
    if (link.kind != "veth" || held.count(link.name)) continue;
    // Ours: on mini0, or named like ours and never attached (a run that died
    // between creating the pair and attaching it).
    bool ours = (bridge && link.master == bridge) ||
                (link.master == 0 && link.name.size() == 15 && link.name.rfind("veth", 0) == 0 &&
                 link.name.find_first_not_of("0123456789abcdef", 4) == std::string::npos);
    if (ours && netlink.delete_link(link.name)) report.interfaces.push_back(link.name);
  }
  apply_rules(table, true);
  file.save();
  refresh_hosts_files(table, "");
  return report;
}

}  // namespace mini::net
