#pragma once
// nftables through libnftables, in-process: no `nft` binary to find, and
// nft's own parser and atomic batches instead of hand-built netlink.
#include <string>

namespace mini::net {

// Runs nft commands (the `nft -f` language) as one atomic transaction.
// Throws mini::Error with nft's complaint.
void run_nft(const std::string& commands);

// Runs a read-only command such as "list table ip mini" and returns what it
// prints; "" when the command fails (no such table).
std::string nft_output(const std::string& command);

}  // namespace mini::net
