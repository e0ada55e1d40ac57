#include "runtime/terminal.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace mini::runtime {

fsutil::UniqueFd receive_fd(int socket) {
  char byte = 0;
  iovec iov{&byte, 1};
  char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return fsutil::UniqueFd();
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS) throw Error("pty: the container sent no terminal");
  int fd;
  std::memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
  return fsutil::UniqueFd(fd);
}

namespace {

bool is_key(const termios& mode, int index, char c) {
  return mode.c_cc[index] != _POSIX_VDISABLE && static_cast<cc_t>(c) == mode.c_cc[index];
}

// Reads the complete lines a line-buffered terminal holds, without waiting
// for more. An end-of-file key waits there as a marker the kernel hands out
// as a NUL once ICANON is off; read now, it is an empty read, which
// typed_ahead() turns back into the key. Only a key landing between the
// last read and the switch to raw, two system calls apart, still turns NUL.
std::string drain_complete_lines(int fd, const termios& mode) {
  std::vector<std::string> reads;
  // One canonical line is at most the line discipline's 4096-byte buffer:
  // a read this size never splits one.
  char buffer[8192];
  for (size_t i = 0; i < 4096; ++i) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 0) != 1 || (ready.revents & (POLLHUP | POLLERR | POLLNVAL)) ||
        !(ready.revents & POLLIN))
      break;  // nothing complete, or a hung-up terminal, which reads empty forever
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    reads.emplace_back(buffer, static_cast<size_t>(n));
  }
  return typed_ahead(std::vector<std::string_view>(reads.begin(), reads.end()), mode);
}

}  // namespace

std::string typed_ahead(const std::vector<std::string_view>& chunks, const termios& mode) {
  std::string bytes;
  for (std::string_view chunk : chunks) {
    bytes += chunk;
    char last = chunk.empty() ? '\0' : chunk.back();
    bool line_key = !chunk.empty() && (last == '\n' || is_key(mode, VEOL, last) || is_key(mode, VEOL2, last));
    if (!line_key && mode.c_cc[VEOF] != _POSIX_VDISABLE) bytes += static_cast<char>(mode.c_cc[VEOF]);
  }
  return bytes;
}

RawMode::RawMode(int fd, bool relayed) : fd_(fd) {
  termios current{};
  if (fd < 0 || !::isatty(fd) || ::tcgetattr(fd, &current) != 0) return;
  // From the background, reading the terminal would stop us (SIGTTIN).
  if (relayed && (current.c_lflag & ICANON) && ::tcgetpgrp(fd) == ::getpgrp())
    typed_ahead_ = drain_complete_lines(fd, current);
  termios raw = current;
  ::cfmakeraw(&raw);
  if (::tcsetattr(fd, TCSANOW, &raw) == 0) saved_ = current;
}

RawMode::~RawMode() {
  // TCSANOW, as Docker: waiting for output to drain could hang on a
  // terminal nobody reads any more.
  if (saved_) ::tcsetattr(fd_, TCSANOW, &*saved_);
}

void copy_window_size(int from, int master) {
  winsize size{};
  if (::ioctl(from, TIOCGWINSZ, &size) == 0 && size.ws_row > 0) ::ioctl(master, TIOCSWINSZ, &size);
}

}  // namespace mini::runtime
