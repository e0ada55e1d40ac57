#include "net/ports.h"

#include <charconv>
#include <optional>

#include "net/ipam.h"
#include "common/error.h"

namespace mini::net {

namespace {

struct PortRange {
  uint16_t first = 0, last = 0;
  size_t size() const { return size_t(last) - first + 1; }
};

[[noreturn]] void fail(std::string_view spec, const std::string& why) {
  throw Error("invalid port mapping \"" + std::string(spec) + "\": " + why +
              "; use [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp], e.g. -p 127.0.0.1:8080:80");
}

std::optional<uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
    return std::nullopt;
  return static_cast<uint16_t>(value);
}

PortRange parse_range(std::string_view spec, std::string_view text, const char* which) {
  auto dash = text.find('-');
  auto first = parse_port(text.substr(0, dash));
  auto last = dash == std::string_view::npos ? first : parse_port(text.substr(dash + 1));
  if (!first || !last) fail(spec, std::string(which) + " port \"" + std::string(text) + "\" is not 1-65535");
  if (*last < *first) fail(spec, std::string(which) + " port range \"" + std::string(text) + "\" runs backwards");
  return {*first, *last};
}

}  // namespace

std::vector<PortMapping> parse_publish(std::string_view spec) {
  std::string_view rest = spec;
  std::string protocol = "tcp";
  if (auto slash = rest.rfind('/'); slash != std::string_view::npos) {
    protocol = std::string(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
    if (protocol != "tcp" && protocol != "udp") fail(spec, "protocol \"" + protocol + "\" is not tcp or udp");
  }
  if (!rest.empty() && rest.front() == '[') fail(spec, "IPv6 host addresses are not supported");

  // IP:HOST:CTR, HOST:CTR or CTR; IP::CTR leaves HOST empty.
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    auto colon = rest.find(':', start);
    parts.push_back(rest.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() > 3) fail(spec, "too many colons (IPv6 host addresses are not supported)");
  std::string_view ip, host, container = parts.back();
  if (parts.size() == 3) ip = parts[0], host = parts[1];
  if (parts.size() == 2) host = parts[0];

  std::string host_ip;
  if (!ip.empty()) {
    auto address = parse_ipv4(ip);
    if (!address) fail(spec, "\"" + std::string(ip) + "\" is not an IPv4 address");
    if (*address != 0) host_ip = format_ipv4(*address);  // 0.0.0.0 means every address, as unset does
  }
  PortRange container_ports = parse_range(spec, container, "container");
  std::optional<PortRange> host_ports;
  if (!host.empty()) host_ports = parse_range(spec, host, "host");
  if (host_ports && host_ports->size() != container_ports.size())
    fail(spec, "the host and container port ranges differ in length");
  if (!host_ports && container_ports.size() > 1)
    fail(spec, "a container port range needs a host port range of the same length");

  std::vector<PortMapping> mappings;
  for (size_t i = 0; i < container_ports.size(); ++i) {
    PortMapping mapping;
    mapping.host_ip = host_ip;
    mapping.host_port = host_ports ? static_cast<uint16_t>(host_ports->first + i) : 0;
    mapping.container_port = static_cast<uint16_t>(container_ports.first + i);
    mapping.protocol = protocol;
    mappings.push_back(mapping);
  }
  return mappings;
}

std::string describe(const PortMapping& mapping) {
  return (mapping.host_ip.empty() ? "0.0.0.0" : mapping.host_ip) + ":" + std::to_string(mapping.host_port) + "->" +
         std::to_string(mapping.container_port) + "/" + mapping.protocol;
}

bool ports_collide(const PortMapping& a, const PortMapping& b) {
  return a.protocol == b.protocol && a.host_port == b.host_port && a.host_port != 0 &&
         (a.host_ip.empty() || b.host_ip.empty() || a.host_ip == b.host_ip);
}

}  // namespace mini::net
