#include "oci/context.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "common/time.h"
#include "common/unix_socket.h"
#include "common/error.h"
#include "common/fs_util.h"

namespace mini::oci {

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
  fsutil::UniqueFd sock = connect_unix(path.string(), "--console-socket " + path.string());
  char name[128] = "/dev/ptmx";
  ::ptsname_r(master, name, sizeof(name));
  if (send_fd(sock.get(), master, name, std::strlen(name)) < 0)
    throw_errno("send the terminal over --console-socket " + path.string());
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
