#include "net/ruleset.h"

namespace mini::net {

namespace {

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

}  // namespace

std::string nft_ruleset(const std::string& bridge, const Subnet& subnet, const std::vector<Lease>& leases) {
  // Declaring the table first makes the delete succeed when it is absent; the
  // batch is atomic, so packets see the old rules or the new, never none.
  std::string table = std::string("ip ") + kNftTable;
  std::string out = "table " + table + "\ndelete table " + table + "\n";
  if (leases.empty()) return out;

  std::string br = quoted(bridge), cidr = subnet.cidr();
  out += "table " + table + " {\n";
  // Before conntrack reverses any NAT, so replies to masqueraded loopback
  // connections (addressed to the gateway here) pass.
  out += "\tchain guard {\n"
         "\t\ttype filter hook prerouting priority raw; policy accept;\n"
         "\t\tiifname " + br + " ip daddr 127.0.0.0/8 drop\n"
         "\t}\n";
  out += "\tchain prerouting {\n"
         "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
         "\t\tfib daddr type local jump published\n"
         "\t}\n";
  // -100 is dstnat; nft 1.0.6 (Debian 12) accepts that name only on prerouting.
  out += "\tchain output {\n"
         "\t\ttype nat hook output priority -100; policy accept;\n"
         "\t\tfib daddr type local jump published\n"
         "\t}\n";
  out += "\tchain published {\n";
  for (const auto& lease : leases) {
    for (const auto& port : lease.ports) {
      out += "\t\t";
      if (!port.host_ip.empty()) out += "ip daddr " + port.host_ip + " ";
      out += port.protocol + " dport " + std::to_string(port.host_port) + " dnat to " + format_ipv4(lease.address) +
             ":" + std::to_string(port.container_port) + " comment " + quoted(lease.container_id) + "\n";
    }
  }
  out += "\t}\n";
  // Masquerade what leaves for elsewhere; and DNATed connections into the
  // bridge from the host's loopback or from the bridge itself (hairpin),
  // whose replies would otherwise bypass the reverse NAT.
  out += "\tchain postrouting {\n"
         "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
         "\t\tip saddr " + cidr + " oifname != " + br + " masquerade\n"
         "\t\toifname " + br + " ct status dnat ip saddr 127.0.0.0/8 masquerade\n"
         "\t\toifname " + br + " ct status dnat ip saddr " + cidr + " masquerade\n"
         "\t}\n";
  out += "}\n";
  return out;
}

}  // namespace mini::net
