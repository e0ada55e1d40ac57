#include "runtime/terminal.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

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

RawMode::RawMode(int fd) : fd_(fd) {
  termios current{};
  if (!::isatty(fd) || ::tcgetattr(fd, &current) != 0) return;
  saved_ = current;
  ::cfmakeraw(&current);
  // Output post-processing stays on, so a stray "\n" from mini still returns the carriage.
  current.c_oflag |= OPOST;
  ::tcsetattr(fd, TCSADRAIN, &current);
}

RawMode::~RawMode() {
  if (saved_) ::tcsetattr(fd_, TCSADRAIN, &*saved_);
}

void copy_window_size(int from, int master) {
  winsize size{};
  if (::ioctl(from, TIOCGWINSZ, &size) == 0 && size.ws_row > 0) ::ioctl(master, TIOCSWINSZ, &size);
}

}  // namespace mini::runtime
