#include "oci/context.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fs_util.h"

namespace mini::oci {

namespace {

std::string now_rfc3339() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  tm utc{};
  ::gmtime_r(&now.tv_sec, &utc);
  char text[64];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  char frac[16];
  std::snprintf(frac, sizeof(frac), ".%09ldZ", now.tv_nsec);
  return std::string(text) + frac;
}

}  // namespace

void Context::log(const std::string& level, const std::string& message) const {
  if (level == "debug" && !debug) return;
  std::string line;
  if (log_format == "json") {
    line = nlohmann::json{{"level", level}, {"msg", message}, {"time", now_rfc3339()}}.dump() + "\n";
  } else {
    line = "time=\"" + now_rfc3339() + "\" level=" + level + " msg=" + nlohmann::json(message).dump() + "\n";
  }
  if (log_file) {
    // O_APPEND: the shim and conmon keep one log across many invocations.
    fsutil::UniqueFd fd(::open(log_file->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (fd) (void)::write(fd.get(), line.data(), line.size());
  }
  // Errors also go to stderr, where a person (and go-runc) looks first.
  if (!log_file || level == "error") {
    std::string plain = level == "error" ? "mini-oci: " + message + "\n" : "mini-oci: " + level + ": " + message + "\n";
    (void)::write(2, plain.data(), plain.size());
  }
}

runtime::CgroupOptions Context::cgroup_options() const {
  runtime::CgroupOptions options;
  if (systemd_cgroup) options.driver = runtime::CgroupDriver::Systemd;
  return options;
}

std::string one_id(const Args& args, const char* usage) {
  if (args.positional.size() != 1)
    throw Error(std::string(args.positional.empty() ? "a container id is needed" : "too many arguments") +
                "; usage: mini-oci " + usage);
  return args.positional.front();
}

void send_console(const std::filesystem::path& path, int master) {
  fsutil::UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) throw_errno("console socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.native().size() >= sizeof(addr.sun_path))
    throw Error("--console-socket " + path.string() + " is too long for a unix socket path");
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    throw_errno("connect to --console-socket " + path.string());
  char name[128] = "/dev/ptmx";
  ::ptsname_r(master, name, sizeof(name));
  iovec iov{name, std::strlen(name)};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
  ssize_t n;
  do {
    n = ::sendmsg(sock.get(), &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw_errno("send the terminal over --console-socket " + path.string());
}

std::vector<FlagSpec> create_flags() {
  return {{{"bundle", "b"}, true},       {{"console-socket"}, true}, {{"pid-file"}, true},
          {{"no-pivot"}, false},         {{"no-new-keyring"}, false}, {{"preserve-fds"}, true},
          {{"detach", "d"}, false},      {{"no-subreaper"}, false},  {{"keep"}, false}};
}

runtime::CreateOptions create_options(const Context& context, const Args& args, const std::string& id) {
  if (args.flag("no-pivot"))
    throw Error("--no-pivot is not supported: mini-oci always uses pivot_root; put the rootfs on a filesystem that allows it");
  runtime::CreateOptions options;
  options.id = id;
  std::error_code ec;
  options.bundle = std::filesystem::absolute(args.value("bundle").value_or("."), ec);
  options.state_root = context.root;
  if (auto pid_file = args.value("pid-file")) options.pid_file = std::filesystem::absolute(*pid_file, ec);
  if (auto fds = args.value("preserve-fds")) {
    try {
      size_t used = 0;
      unsigned long n = std::stoul(*fds, &used);
      if (used != fds->size() || n > 4096) throw std::invalid_argument("range");
      options.preserve_fds = static_cast<unsigned>(n);
    } catch (const std::exception&) {
      throw Error("--preserve-fds " + *fds + " is not a number of descriptors");
    }
  }
  options.cgroup = context.cgroup_options();
  // The container outlives this command: start comes from another one.
  options.die_with_parent = false;
  return options;
}

}  // namespace mini::oci
