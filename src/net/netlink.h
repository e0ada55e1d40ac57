#pragma once
// rtnetlink over libmnl: just the link, address and route operations mini's
// bridge network needs. No `ip` binary: mini must work in hosts and images
// that lack iproute2, and exec'ing helpers between clone and "go" would be
// slow and fragile. Addresses are IPv4 in host byte order.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

struct mnl_socket;
struct nlmsghdr;

namespace mini::net {

struct Link {
  int index = 0;
  std::string name;
  std::string kind;  // "bridge", "veth", ... ("" for plain devices)
  int master = 0;    // the bridge it is attached to, or 0
};

struct Address {
  int index = 0;
  uint32_t address = 0;
  int prefix = 0;
};

struct KernelRoute {
  uint32_t destination = 0;
  int prefix = 0;
  int index = 0;  // outgoing interface
};

// One NETLINK_ROUTE socket. Every method throws mini::Error
// "<what>: <strerror>" when the kernel refuses.
class Netlink {
 public:
  // In the calling thread's network namespace.
  Netlink();
  // In the namespace `netns_fd` refers to (/proc/<pid>/ns/net). A socket
  // stays in the namespace it was made in, so a short-lived thread joins
  // the namespace, makes it, and the rest of the process never moves.
  static Netlink in_namespace(int netns_fd);
  Netlink(Netlink&& other) noexcept;
  Netlink& operator=(Netlink&&) = delete;
  Netlink(const Netlink&) = delete;
  ~Netlink();

  std::vector<Link> links();
  std::optional<Link> link(const std::string& name);
  std::vector<Address> addresses();  // IPv4 only
  std::vector<KernelRoute> routes();       // IPv4, main table

  // False when a link of that name already exists.
  bool create_bridge(const std::string& name);
  // `name` here, `peer_name` created directly inside `peer_netns_fd`.
  void create_veth(const std::string& name, const std::string& peer_name, int peer_netns_fd);
  void set_up(int index);
  void set_master(int index, int master_index);
  // False when the address was already there.
  bool add_address(int index, uint32_t address, int prefix);
  void delete_address(int index, uint32_t address, int prefix);
  void add_default_route(int index, uint32_t gateway);
  // False when there is no such link.
  bool delete_link(const std::string& name);

 private:
  explicit Netlink(mnl_socket* socket);
  nlmsghdr* start(void* buffer, uint16_t type, uint16_t flags);
  // Sends and reads replies, each to `each` when given, until the kernel's
  // last: 0 or an errno value.
  int exchange(nlmsghdr* message, const std::function<void(const nlmsghdr*)>* each);
  // Sends and waits for the kernel's acknowledgement: 0 or an errno value.
  int request(nlmsghdr* message);
  // Lists a whole table (`type`, a header of `header_size` bytes for
  // `family`) and hands over each reply of `reply_type`; throws naming `what`.
  void dump(uint16_t type, size_t header_size, uint8_t family, uint16_t reply_type,
            const std::function<void(const nlmsghdr*)>& each, const char* what);

  mnl_socket* socket_ = nullptr;
  unsigned portid_ = 0;
  unsigned seq_ = 0;
};

}  // namespace mini::net
