#pragma once
// The host side of a container's pty: receiving the master from the child,
// raw mode on the user's terminal, and window sizes.
#include <termios.h>

#include <optional>

#include "common/fs_util.h"

namespace mini::runtime {

// Receives one fd sent with SCM_RIGHTS; an invalid fd when the peer closed.
fsutil::UniqueFd receive_fd(int socket);

// Puts a terminal in raw mode for its lifetime, so keys reach the
// container's line discipline untouched, and restores it afterwards.
class RawMode {
 public:
  explicit RawMode(int fd);
  ~RawMode();
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

 private:
  int fd_;
  std::optional<termios> saved_;
};

// Copies the window size of `from` (the user's terminal) to the pty master.
void copy_window_size(int from, int master);

}  // namespace mini::runtime
