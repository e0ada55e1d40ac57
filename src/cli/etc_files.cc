#include "cli/etc_files.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "common/fs_util.h"

namespace mini::cli {

std::string hosts_file(const std::string& hostname, const std::vector<HostsEntry>& network) {
  std::string out =
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "ff00::0\tip6-mcastprefix\n"
      "ff02::1\tip6-allnodes\n"
      "ff02::2\tip6-allrouters\n";
  if (network.empty() && !hostname.empty()) out += "127.0.1.1\t" + hostname + "\n";
  for (const auto& entry : network) {
    std::vector<std::string> names;
    for (const auto& name : entry.names)
      if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
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

std::string read_from_layers(const std::vector<std::filesystem::path>& layers_bottom_first, const std::string& path) {
  for (auto layer = layers_bottom_first.rbegin(); layer != layers_bottom_first.rend(); ++layer) {
    fsutil::UniqueFd root(::open(layer->c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) continue;
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    fsutil::UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, root.get(), path.c_str(), &how, sizeof how)));
    if (!fd) continue;
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) continue;
    if (S_ISCHR(st.st_mode)) return "";  // overlay whiteout: deleted in this layer
    if (!S_ISREG(st.st_mode) || st.st_size > (4 << 20)) return "";
    std::string content;
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) content.append(buf, static_cast<size_t>(n));
    return content;
  }
  return "";
}

}  // namespace mini::cli
