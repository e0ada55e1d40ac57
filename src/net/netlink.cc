#include "net/netlink.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "common/error.h"

namespace mini::net {

namespace {

// Large enough for one dump datagram: the kernel sizes them to the reader's
// buffer up to 32 KiB, and a link message with statistics is over 1 KiB.
constexpr size_t kReceiveBuffer = 64 * 1024;
constexpr size_t kRequestBuffer = 4096;

template <typename Fn>
void for_each_attribute(const nlmsghdr* message, size_t header, Fn&& fn) {
  auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(message));
  for (auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(message, header));
       mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const char*>(attr))); attr = mnl_attr_next(attr))
    fn(attr);
}

template <typename Fn>
void for_each_nested(const nlattr* nest, Fn&& fn) {
  auto* end = reinterpret_cast<const char*>(nest) + mnl_attr_get_len(nest);
  for (auto* attr = static_cast<const nlattr*>(mnl_attr_get_payload(nest));
       mnl_attr_ok(attr, static_cast<int>(end - reinterpret_cast<const char*>(attr))); attr = mnl_attr_next(attr))
    fn(attr);
}

int trampoline(const nlmsghdr* message, void* data) {
  (*static_cast<const std::function<void(const nlmsghdr*)>*>(data))(message);
  return MNL_CB_OK;
}

mnl_socket* open_bound() {
  mnl_socket* socket = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!socket) return nullptr;
  if (mnl_socket_bind(socket, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(socket);
    errno = err;
    return nullptr;
  }
  return socket;
}

void check(int err, const std::string& what) {
  if (err) throw_errno(what, err);
}

}  // namespace

Netlink::Netlink() : Netlink(open_bound()) {}

Netlink::Netlink(mnl_socket* socket) : socket_(socket) {
  if (!socket_) throw_errno("open a netlink socket");
  portid_ = mnl_socket_get_portid(socket_);
}

Netlink Netlink::in_namespace(int netns_fd) {
  mnl_socket* socket = nullptr;
  int err = 0;
  // setns() moves only the calling thread; this one ends right after.
  std::thread joiner([&] {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) {
      err = errno;
      return;
    }
    socket = open_bound();
    if (!socket) err = errno;
  });
  joiner.join();
  if (err) throw_errno("enter the container's network namespace", err);
  return Netlink(socket);
}

Netlink::Netlink(Netlink&& other) noexcept
    : socket_(std::exchange(other.socket_, nullptr)), portid_(other.portid_), seq_(other.seq_) {}

Netlink::~Netlink() {
  if (socket_) mnl_socket_close(socket_);
}

nlmsghdr* Netlink::start(void* buffer, uint16_t type, uint16_t flags) {
  std::memset(buffer, 0, kRequestBuffer);
  nlmsghdr* message = mnl_nlmsg_put_header(buffer);
  message->nlmsg_type = type;
  message->nlmsg_flags = NLM_F_REQUEST | flags;
  message->nlmsg_seq = ++seq_;
  return message;
}

int Netlink::exchange(nlmsghdr* message, const std::function<void(const nlmsghdr*)>* each) {
  unsigned seq = message->nlmsg_seq;
  if (mnl_socket_sendto(socket_, message, message->nlmsg_len) < 0) return errno;
  std::vector<char> buffer(kReceiveBuffer);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(socket_, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    int rc = mnl_cb_run(buffer.data(), static_cast<size_t>(n), seq, portid_, each ? trampoline : nullptr,
                        const_cast<std::function<void(const nlmsghdr*)>*>(each));
    if (rc == MNL_CB_ERROR) return errno;
    if (rc == MNL_CB_STOP) return 0;
  }
}

int Netlink::request(nlmsghdr* message) {
  message->nlmsg_flags |= NLM_F_ACK;
  return exchange(message, nullptr);
}

void Netlink::dump(uint16_t type, size_t header_size, uint8_t family, uint16_t reply_type,
                   const std::function<void(const nlmsghdr*)>& each, const char* what) {
  char buffer[kRequestBuffer];
  nlmsghdr* message = start(buffer, type, NLM_F_DUMP);
  // ifinfomsg, ifaddrmsg and rtmsg all start with their family byte.
  static_cast<unsigned char*>(mnl_nlmsg_put_extra_header(message, header_size))[0] = family;
  std::function<void(const nlmsghdr*)> matching = [&](const nlmsghdr* reply) {
    if (reply->nlmsg_type == reply_type) each(reply);
  };
  check(exchange(message, &matching), what);
}

std::vector<Link> Netlink::links() {
  std::vector<Link> links;
  dump(
      RTM_GETLINK, sizeof(ifinfomsg), AF_UNSPEC, RTM_NEWLINK,
      [&](const nlmsghdr* reply) {
        Link link;
        link.index = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(reply))->ifi_index;
        for_each_attribute(reply, sizeof(ifinfomsg), [&](const nlattr* attr) {
          switch (mnl_attr_get_type(attr)) {
            case IFLA_IFNAME:
              link.name = mnl_attr_get_str(attr);
              break;
            case IFLA_MASTER:
              link.master = static_cast<int>(mnl_attr_get_u32(attr));
              break;
            case IFLA_LINKINFO:
              for_each_nested(attr, [&](const nlattr* inner) {
                if (mnl_attr_get_type(inner) == IFLA_INFO_KIND) link.kind = mnl_attr_get_str(inner);
              });
              break;
          }
        });
        links.push_back(std::move(link));
      },
      "list network interfaces");
  return links;
}

std::optional<Link> Netlink::link(const std::string& name) {
  for (auto& link : links())
    if (link.name == name) return link;
  return std::nullopt;
}

std::vector<Address> Netlink::addresses() {
  std::vector<Address> addresses;
  dump(
      RTM_GETADDR, sizeof(ifaddrmsg), AF_INET, RTM_NEWADDR,
      [&](const nlmsghdr* reply) {
        auto* header = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(reply));
        if (header->ifa_family != AF_INET) return;
        Address address;
        address.index = static_cast<int>(header->ifa_index);
        address.prefix = header->ifa_prefixlen;
        bool has_local = false;
        for_each_attribute(reply, sizeof(ifaddrmsg), [&](const nlattr* attr) {
          auto type = mnl_attr_get_type(attr);
          if (type != IFA_LOCAL && !(type == IFA_ADDRESS && !has_local)) return;
          if (mnl_attr_get_payload_len(attr) != 4) return;
          address.address = ntohl(mnl_attr_get_u32(attr));
          has_local = has_local || type == IFA_LOCAL;
        });
        addresses.push_back(address);
      },
      "list IPv4 addresses");
  return addresses;
}

std::vector<KernelRoute> Netlink::routes() {
  std::vector<KernelRoute> routes;
  dump(
      RTM_GETROUTE, sizeof(rtmsg), AF_INET, RTM_NEWROUTE,
      [&](const nlmsghdr* reply) {
        auto* header = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(reply));
        uint32_t table = header->rtm_table;
        KernelRoute route;
        route.prefix = header->rtm_dst_len;
        for_each_attribute(reply, sizeof(rtmsg), [&](const nlattr* attr) {
          switch (mnl_attr_get_type(attr)) {
            case RTA_DST:
              if (mnl_attr_get_payload_len(attr) == 4) route.destination = ntohl(mnl_attr_get_u32(attr));
              break;
            case RTA_OIF:
              route.index = static_cast<int>(mnl_attr_get_u32(attr));
              break;
            case RTA_TABLE:
              table = mnl_attr_get_u32(attr);
              break;
          }
        });
        if (header->rtm_family == AF_INET && table == RT_TABLE_MAIN) routes.push_back(route);
      },
      "list IPv4 routes");
  return routes;
}

namespace {

// An RTM_*LINK message's ifinfomsg, for the link `index` (0: named by
// IFLA_IFNAME instead).
ifinfomsg* put_link_header(nlmsghdr* message, int index) {
  auto* info = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  info->ifi_family = AF_UNSPEC;
  info->ifi_index = index;
  return info;
}

// A new link of `kind` named `name`: the message with its IFLA_LINKINFO
// nest open, for the kind's own data; the caller ends the nest.
nlattr* put_new_link(nlmsghdr* message, const std::string& name, const char* kind) {
  put_link_header(message, 0);
  mnl_attr_put_strz(message, IFLA_IFNAME, name.c_str());
  nlattr* linkinfo = mnl_attr_nest_start(message, IFLA_LINKINFO);
  mnl_attr_put_strz(message, IFLA_INFO_KIND, kind);
  return linkinfo;
}

}  // namespace

bool Netlink::create_bridge(const std::string& name) {
  char buffer[kRequestBuffer];
  nlmsghdr* message = start(buffer, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  nlattr* linkinfo = put_new_link(message, name, "bridge");
  mnl_attr_nest_end(message, linkinfo);
  int err = request(message);
  if (err == EEXIST) return false;
  check(err, "create bridge " + name);
  return true;
}

void Netlink::create_veth(const std::string& name, const std::string& peer_name, int peer_netns_fd) {
  char buffer[kRequestBuffer];
  nlmsghdr* message = start(buffer, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  nlattr* linkinfo = put_new_link(message, name, "veth");
  nlattr* data = mnl_attr_nest_start(message, IFLA_INFO_DATA);
  nlattr* peer = mnl_attr_nest_start(message, VETH_INFO_PEER);
  // The peer's attributes follow an ifinfomsg of their own, as in a
  // top-level RTM_NEWLINK; libmnl has no helper for a header mid-message.
  std::memset(mnl_nlmsg_get_payload_tail(message), 0, sizeof(ifinfomsg));
  message->nlmsg_len += MNL_ALIGN(sizeof(ifinfomsg));
  mnl_attr_put_strz(message, IFLA_IFNAME, peer_name.c_str());
  mnl_attr_put_u32(message, IFLA_NET_NS_FD, static_cast<uint32_t>(peer_netns_fd));
  mnl_attr_nest_end(message, peer);
  mnl_attr_nest_end(message, data);
  mnl_attr_nest_end(message, linkinfo);
  check(request(message), "create veth pair " + name);
}

void Netlink::set_up(int index) {
  char buffer[kRequestBuffer];
  nlmsghdr* message = start(buffer, RTM_NEWLINK, 0);
  ifinfomsg* info = put_link_header(message, index);
  info->ifi_change = IFF_UP;
  info->ifi_flags = IFF_UP;
  check(request(message), "bring up interface " + std::to_string(index));
}

void Netlink::set_master(int index, int master_index) {
  char buffer[kRequestBuffer];
  nlmsghdr* message = start(buffer, RTM_NEWLINK, 0);
  put_link_header(message, index);
  mnl_attr_put_u32(message, IFLA_MASTER, static_cast<uint32_t>(master_index));
  check(request(message), "attach interface " + std::to_string(index) + " to its bridge");
}

namespace {

void put_address(nlmsghdr* message, int index, uint32_t address, int prefix) {
  auto* info = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifaddrmsg)));
  info->ifa_family = AF_INET;
  info->ifa_prefixlen = static_cast<unsigned char>(prefix);
  info->ifa_scope = RT_SCOPE_UNIVERSE;
  info->ifa_index = static_cast<unsigned>(index);
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t(0) << (32 - prefix);
  mnl_attr_put_u32(message, IFA_LOCAL, htonl(address));
  mnl_attr_put_u32(message, IFA_ADDRESS, htonl(address));
  mnl_attr_put_u32(message, IFA_BROADCAST, htonl(address | ~mask));
}

}  // namespace

bool Netlink::add_address(int index, uint32_t address, int prefix) {
  char buffer[kRequestBuffer];
  nlmsghdr* message = start(buffer, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  put_address(message, index, address, prefix);
  int err = request(message);
  if (err == EEXIST) return false;
  check(err, "add an IPv4 address to interface " + std::to_string(index));
  return true;
}

void Netlink::delete_address(int index, uint32_t address, int prefix) {
  char buffer[kRequestBuffer];
  nlmsghdr* message = start(buffer, RTM_DELADDR, 0);
  put_address(message, index, address, prefix);
  int err = request(message);
  if (err == EADDRNOTAVAIL) return;
  check(err, "remove an IPv4 address from interface " + std::to_string(index));
}

void Netlink::add_default_route(int index, uint32_t gateway) {
  char buffer[kRequestBuffer];
  nlmsghdr* message = start(buffer, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  auto* info = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(message, sizeof(rtmsg)));
  info->rtm_family = AF_INET;
  info->rtm_table = RT_TABLE_MAIN;
  info->rtm_protocol = RTPROT_BOOT;
  info->rtm_scope = RT_SCOPE_UNIVERSE;
  info->rtm_type = RTN_UNICAST;
  mnl_attr_put_u32(message, RTA_GATEWAY, htonl(gateway));
  mnl_attr_put_u32(message, RTA_OIF, static_cast<uint32_t>(index));
  check(request(message), "add the default route");
}

bool Netlink::delete_link(const std::string& name) {
  char buffer[kRequestBuffer];
  nlmsghdr* message = start(buffer, RTM_DELLINK, 0);
  put_link_header(message, 0);
  mnl_attr_put_strz(message, IFLA_IFNAME, name.c_str());
  int err = request(message);
  if (err == ENODEV) return false;
  check(err, "delete interface " + name);
  return true;
}

}  // namespace mini::net
