#include "registry/config.h"

#include <arpa/inet.h>

#include <cstdlib>
#include <optional>

namespace mini::registry {

namespace {

// "host:port" -> "host"; "[::1]:5000" -> "[::1]".
std::string_view host_part(std::string_view host) {
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.rfind(':'));
}

std::optional<uint32_t> ipv4(std::string_view text) {
  in_addr addr{};
  if (inet_pton(AF_INET, std::string(text).c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

bool in_cidr(std::string_view host, std::string_view cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos) return false;
  auto address = ipv4(host), network = ipv4(cidr.substr(0, slash));
  int bits = std::atoi(std::string(cidr.substr(slash + 1)).c_str());
  if (!address || !network || bits < 0 || bits > 32) return false;
  uint32_t mask = bits == 0 ? 0 : ~uint32_t(0) << (32 - bits);
  return (*address & mask) == (*network & mask);
}

bool is_loopback(std::string_view host) {
  std::string_view name = host_part(host);
  return name == "localhost" || name == "[::1]" || in_cidr(name, "127.0.0.0/8");
}

}  // namespace

bool is_insecure_registry(const RegistryConfig& config, std::string_view host) {
  if (is_loopback(host)) return true;
  for (const auto& entry : config.insecure)
    if (entry == host || entry == host_part(host) || in_cidr(host_part(host), entry)) return true;
  return false;
}

}  // namespace mini::registry
