#pragma once
// mini's nftables table, generated whole from the lease table. Pure text.
//
// Published ports are DNAT rules, not a userland proxy. A proxy would be a
// process per container that must outlive `mini run` and die with the
// container; without a daemon that is one more thing to supervise, and it
// hides the client's address from the service. The kernel's DNAT needs no
// process, works for UDP as well as TCP, and is undone by rewriting one
// table. Reaching a published port at 127.0.0.1 from the host costs
// route_localnet on mini0 (loopback-sourced packets may leave through it),
// a masquerade for them, and a guard rule dropping anything that enters
// from mini0 addressed to 127.0.0.0/8, so containers can't reach the host's
// loopback services through it (the kube-proxy CVE-2020-8558 lesson).
#include <string>
#include <vector>

#include "net/ipam.h"
#include "net/leases.h"

namespace mini::net {

constexpr const char* kNftTable = "mini";  // family ip: Docker's rules and the host's stay untouched

// One nft transaction that replaces `table ip mini` with the rules these
// leases need, or only deletes it when there are none. Each published
// port's rule carries a comment with its container's ID.
std::string nft_ruleset(const std::string& bridge, const Subnet& subnet, const std::vector<Lease>& leases);

}  // namespace mini::net
