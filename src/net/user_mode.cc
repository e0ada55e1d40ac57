#include "net/user_mode.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "common/unix_socket.h"
#include "common/error.h"
#include "common/fs_util.h"
#include "net/etc_files.h"

extern char** environ;

namespace mini::net {

namespace {

using fsutil::UniqueFd;

bool in_path(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string file = dirs.substr(start, end - start) + "/" + tool;
    if (::access(file.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

// A free port on `ip` for -p PORT without a host port: bound and released,
// as the helper will bind it a moment later.
uint16_t free_port(const std::string& ip, const std::string& protocol) {
  UniqueFd fd(::socket(AF_INET, (protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (ip.empty() || ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) addr.sin_addr.s_addr = INADDR_ANY;
  socklen_t len = sizeof addr;
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw_errno("choose a free host port for -p");
  return ntohs(addr.sin_port);
}

// Its chatter ("sent tapfd=7 for tap0") goes to `log`, whose last line a
// failure quotes.
pid_t spawn(const std::vector<std::string>& args, const std::vector<int>& keep_fds, const std::string& log) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork " + args.front());
  if (pid == 0) {
    // Nothing of ours but what it is given: a monitor's ready pipe held by
    // a helper would keep `mini run -d` waiting.
    ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    for (int fd : keep_fds) ::fcntl(fd, F_SETFD, 0);
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (null >= 0) ::dup2(null, 0);
    if (out >= 0 || null >= 0) {
      ::dup2(out >= 0 ? out : null, 1);
      ::dup2(out >= 0 ? out : null, 2);
    }
    // Its own process group: a ^C at the terminal is the run's to forward.
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// How it ended, and the last thing it said.
std::string describe_exit(int status, const std::string& log) {
  std::string how = WIFEXITED(status) ? (WEXITSTATUS(status) == 127 ? "it is not installed"
                                                                    : "it exited with status " +
                                                                          std::to_string(WEXITSTATUS(status)))
                                      : "it was killed by signal " + std::to_string(WTERMSIG(status));
  std::string said;
  try {
    said = fsutil::read_file(log, 1 << 16);
  } catch (const Error&) {
  }
  while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
  said = said.substr(said.rfind('\n') == std::string::npos ? 0 : said.rfind('\n') + 1);
  for (char& c : said)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return said.empty() ? how : how + ": " + said.substr(0, 200);
}

// Sends one API request over a fresh connection and returns the answer.
std::string slirp_api(const std::string& socket_path, const std::string& request) {
  UniqueFd fd = connect_unix(socket_path, "slirp4netns at " + socket_path);
  fsutil::write_all(fd.get(), request);
  ::shutdown(fd.get(), SHUT_WR);
  return fsutil::read_fd(fd.get(), 1 << 16, "the slirp4netns answer", "slirp4netns answered too much");
}


// A new network namespace, owned by our user namespace, loopback up, bound
// to `file`: a child unshares it, we bind its /proc/PID/ns/net (the child
// is dumpable, unlike a container's init), and it exits.
void make_netns(const std::string& file) {
  int to_parent[2], to_child[2];
  if (::pipe2(to_parent, O_CLOEXEC) != 0 || ::pipe2(to_child, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd up_read(to_parent[0]), up_write(to_parent[1]), down_read(to_child[0]), down_write(to_child[1]);
  pid_t child = ::fork();
  if (child < 0) throw_errno("fork to make a network namespace");
  if (child == 0) {
    // Our copies of the parent's ends, or the read below never sees EOF.
    ::close(up_read.get());
    ::close(down_write.get());
    char ok = 1;
    if (::unshare(CLONE_NEWNET) == 0) {
      int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      ifreq ifr{};
      std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
      if (sock >= 0 && ::ioctl(sock, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        if (::ioctl(sock, SIOCSIFFLAGS, &ifr) == 0) ok = 0;
      }
    }
    (void)!::write(up_write.get(), &ok, 1);
    char done;
    (void)!::read(down_read.get(), &done, 1);
    ::_exit(0);
  }
  up_write.reset();
  down_read.reset();
  char ok = 1;
  bool got = ::read(up_read.get(), &ok, 1) == 1;
  std::string error;
  if (!got || ok != 0) {
    error = "create a network namespace with its loopback up (unshare CLONE_NEWNET)";
  } else {
    UniqueFd made(::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    std::string source = "/proc/" + std::to_string(child) + "/ns/net";
    if (!made || ::mount(source.c_str(), file.c_str(), nullptr, MS_BIND, nullptr) != 0)
      error = "bind the container's network namespace to " + file + ": " + std::strerror(errno);
  }
  down_write.reset();
  int status;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!error.empty()) throw Error(error);
}

}  // namespace

bool is_user_mode(const std::string& mode) { return mode == "slirp4netns" || mode == "pasta"; }

std::string default_user_mode() {
  if (in_path("slirp4netns")) return "slirp4netns";
  if (in_path("pasta")) return "pasta";
  return "";
}

std::vector<std::string> slirp4netns_args(const std::string& netns, const std::string& api_socket, int ready_fd,
                                          int exit_fd) {
  // --disable-host-loopback: 10.0.2.2 must not reach the host's 127.0.0.1,
  // where other users' services listen.
  return {"slirp4netns", "--configure", "--mtu=65520", "--disable-host-loopback",
          "--api-socket", api_socket, "--ready-fd", std::to_string(ready_fd), "--exit-fd", std::to_string(exit_fd),
          "--netns-type=path", netns, "tap0"};
}

std::vector<std::string> pasta_args(const std::string& netns, const std::vector<PortMapping>& ports,
                                    const std::string& pid_file) {
  std::vector<std::string> tcp, udp;
  for (const auto& p : ports) {
    std::string spec = (p.host_ip.empty() ? "" : p.host_ip + "/") + std::to_string(p.host_port) + ":" +
                       std::to_string(p.container_port);
    (p.protocol == "udp" ? udp : tcp).push_back(spec);
  }
  std::vector<std::string> args = {"pasta", "--config-net", "--quiet", "--pid", pid_file};
  // Nothing forwarded but what -p asks for, and nothing from the namespace
  // to the host's loopback (-T/-U).
  if (tcp.empty()) args.insert(args.end(), {"-t", "none"});
  for (const auto& s : tcp) args.insert(args.end(), {"-t", s});
  if (udp.empty()) args.insert(args.end(), {"-u", "none"});
  for (const auto& s : udp) args.insert(args.end(), {"-u", s});
  args.insert(args.end(), {"-T", "none", "-U", "none", "--netns", netns});
  return args;
}

std::string slirp_hostfwd_request(const PortMapping& port) {
  return std::string(R"({"execute":"add_hostfwd","arguments":{"proto":")") + port.protocol +
         R"(","host_addr":")" + (port.host_ip.empty() ? "0.0.0.0" : port.host_ip) +
         R"(","host_port":)" + std::to_string(port.host_port) + R"(,"guest_port":)" +
         std::to_string(port.container_port) + "}}";
}

std::string user_mode_resolv_conf(const std::string& mode, const std::string& host_resolv_conf) {
  if (mode == "slirp4netns") return "nameserver 10.0.2.3\n";
  return container_resolv_conf(host_resolv_conf);
}

void UserModeNetwork::start() {
  for (auto& port : ports_)
    if (port.host_port == 0) port.host_port = free_port(port.host_ip, port.protocol);
  netns_file_ = state_dir_ + "/netns";
  make_netns(netns_file_);
  if (mode_ == "pasta") {
    std::string pid_file = state_dir_ + "/pasta.pid";
    pid_t launcher = spawn(pasta_args(netns_file_, ports_, pid_file), {}, log_file());
    int status = 0;
    while (::waitpid(launcher, &status, 0) < 0)
      if (errno != EINTR) throw_errno("wait for pasta");
    // pasta forks into the background once the namespace is configured.
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw Error("pasta could not set up the container's network (" + describe_exit(status, log_file()) +
                  "); use --network slirp4netns or none");
    try {
      helper_ = static_cast<pid_t>(std::stol(fsutil::read_file(pid_file, 64)));
    } catch (const std::exception&) {
      throw Error("pasta started but left no pid file at " + pid_file);
    }
    return;
  }
  std::string api = state_dir_ + "/slirp4netns.sock";
  std::error_code ec;
  std::filesystem::remove(api, ec);
  int ready[2], exit_pipe[2];
  if (::pipe2(ready, O_CLOEXEC) != 0 || ::pipe2(exit_pipe, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd ready_read(ready[0]), ready_write(ready[1]), exit_read(exit_pipe[0]);
  exit_fd_ = exit_pipe[1];
  helper_ = spawn(slirp4netns_args(netns_file_, api, ready_write.get(), exit_read.get()),
                  {ready_write.get(), exit_read.get()}, log_file());
  ready_write.reset();
  exit_read.reset();
  // "1" on the ready fd once tap0 is up and configured; EOF if it died.
  pollfd wait{ready_read.get(), POLLIN, 0};
  int n;
  while ((n = ::poll(&wait, 1, 10000)) < 0 && errno == EINTR) {
  }
  char byte = 0;
  if (n <= 0 || ::read(ready_read.get(), &byte, 1) != 1) {
    int status = 0;
    std::string why = n == 0 ? "it did not get ready within 10 s" : "it ended";
    if (n > 0 && ::waitpid(helper_, &status, 0) == helper_) {
      why = describe_exit(status, log_file());
      helper_ = -1;
    }
    throw Error("slirp4netns could not set up the container's network (" + why +
                "); use --network pasta or none");
  }
  for (const auto& port : ports_) {
    std::string answer = slirp_api(api, slirp_hostfwd_request(port));
    if (answer.find("\"error\"") != std::string::npos || answer.find("\"return\"") == std::string::npos)
      throw Error("slirp4netns could not publish " + describe(port) + ": " + answer.substr(0, 200) +
                  " (is the host port taken?)");
  }
}

void UserModeNetwork::stop() noexcept {
  if (!netns_file_.empty()) {
    ::umount2(netns_file_.c_str(), MNT_DETACH);
    ::unlink(netns_file_.c_str());
    netns_file_.clear();
  }
  if (exit_fd_ >= 0) {
    ::close(exit_fd_);
    exit_fd_ = -1;
  }
  // The per-run directory: empty once its socket goes (rmdir fails otherwise, harmlessly).
  ::unlink((state_dir_ + "/slirp4netns.sock").c_str());
  ::unlink((state_dir_ + "/pasta.pid").c_str());
  ::unlink(log_file().c_str());
  ::rmdir(state_dir_.c_str());
  if (helper_ <= 0) return;
  ::kill(helper_, SIGTERM);
  // slirp4netns is our child; pasta daemonized away from us and is reaped by init.
  if (mode_ == "slirp4netns") {
    int status;
    for (int i = 0; i < 100; ++i) {
      pid_t r = ::waitpid(helper_, &status, WNOHANG);
      if (r == helper_ || (r < 0 && errno != EINTR)) break;
      if (i == 50) ::kill(helper_, SIGKILL);
      ::usleep(10000);
    }
  }
  helper_ = -1;
}

}  // namespace mini::net
