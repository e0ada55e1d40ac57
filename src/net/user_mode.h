#pragma once
// The rootless network modes: a user-mode TCP/IP stack on the host side,
// with a tap device in the container's network namespace. A rootless mini
// cannot make veths or NAT rules in the host's namespace, so the container
// reaches the outside, and -p HOSTPORT:PORT reaches it, only through the
// helper process, which binds its host ports as the user:
//   slirp4netns  --configure, 10.0.2.100/24 behind 10.0.2.2, DNS at 10.0.2.3;
//                ports through its API socket (add_hostfwd)
//   pasta        (passt) the host's addresses copied into the namespace;
//                ports as -t/-u arguments; the namespace as a bound file
// The helper lives as long as the run that started it and is stopped when
// the run releases its network.
//
// The namespace is made here, before the container, and bound to a file
// the container joins by path (as rootless Podman does): the container's
// init is not dumpable until it execs, so no helper of the user's could
// open its /proc/PID/ns/net.
#include <sys/types.h>

#include <string>
#include <vector>

#include "net/ports.h"

namespace mini::net {

// "slirp4netns" or "pasta" when the mode names one, else false.
bool is_user_mode(const std::string& mode);
// The user-mode helper this machine has, slirp4netns first; "" for neither.
std::string default_user_mode();

// The helper's command line for container process `pid` (pure, for tests).
// `ports` have their host ports chosen; `api_socket`, `ready_fd` and
// `exit_fd` are slirp4netns's (-1/"" for pasta).
std::vector<std::string> slirp4netns_args(const std::string& netns, const std::string& api_socket, int ready_fd,
                                          int exit_fd);
// `netns`: a file the container's network namespace is bound to.
std::vector<std::string> pasta_args(const std::string& netns, const std::vector<PortMapping>& ports,
                                    const std::string& pid_file);
// One slirp4netns API request that publishes `port`.
std::string slirp_hostfwd_request(const PortMapping& port);

// A running helper for one container start.
class UserModeNetwork {
 public:
  UserModeNetwork(std::string mode, std::vector<PortMapping> ports, std::string state_dir)
      : mode_(std::move(mode)), ports_(std::move(ports)), state_dir_(std::move(state_dir)) {}
  ~UserModeNetwork() { stop(); }
  UserModeNetwork(const UserModeNetwork&) = delete;
  UserModeNetwork& operator=(const UserModeNetwork&) = delete;

  // Makes the namespace (loopback up), starts the helper on it and
  // publishes the ports; returns once the namespace has its address and
  // the host ports are bound. Throws mini::Error.
  void start();
  void stop() noexcept;
  const std::vector<PortMapping>& ports() const { return ports_; }
  // The file the container's network namespace is bound to.
  const std::string& netns() const { return netns_file_; }

 private:
  std::string mode_;
  std::vector<PortMapping> ports_;
  std::string state_dir_;  // where slirp4netns's API socket goes
  pid_t helper_ = -1;
  int exit_fd_ = -1;  // slirp4netns exits when this closes, even if we die
  std::string netns_file_;
  std::string log_file() const { return state_dir_ + "/helper.log"; }
};

// The resolv.conf a container of `mode` needs (slirp4netns's DNS forwarder,
// or the host's for pasta).
std::string user_mode_resolv_conf(const std::string& mode, const std::string& host_resolv_conf);

}  // namespace mini::net
