#include "net/etc_files.h"

#include <algorithm>
#include <sstream>

#include "net/names.h"

namespace mini::net {

std::string hosts_file(const std::string& hostname, const std::vector<HostsEntry>& network) {
  std::string out =
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "ff00::0\tip6-mcastprefix\n"
      "ff02::1\tip6-allnodes\n"
      "ff02::2\tip6-allrouters\n";
  // A name that could end the line or start a comment never gets in, from
  // whatever record it came: the file is shared with every peer.
  auto fits = [](const std::string& name) { return is_valid_container_name(name) || is_valid_hostname(name); };
  if (network.empty() && fits(hostname)) out += "127.0.1.1\t" + hostname + "\n";
  for (const auto& entry : network) {
    std::vector<std::string> names;
    for (const auto& name : entry.names)
      if (fits(name) && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    if (names.empty()) continue;
    out += entry.address;
    for (size_t i = 0; i < names.size(); ++i) out += (i ? " " : "\t") + names[i];
    out += "\n";
  }
  return out;
}

std::string container_resolv_conf(const std::string& host_resolv_conf) {
  std::istringstream lines(host_resolv_conf);
  std::string line, out;
  bool has_nameserver = false;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string keyword, address;
    words >> keyword >> address;
    if (keyword == "nameserver") {
      bool loopback = address.rfind("127.", 0) == 0 || address == "::1";
      if (loopback) continue;
      has_nameserver = true;
    }
    out += line + "\n";
  }
  if (!has_nameserver) out += "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";
  return out;
}

}  // namespace mini::net
