#pragma once
// The host side of a container's pty: receiving the master from the child,
// raw mode on the user's terminal, and window sizes.
#include <termios.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/fs_util.h"

namespace mini::runtime {

// Receives one fd sent with SCM_RIGHTS; an invalid fd when the peer closed.
fsutil::UniqueFd receive_fd(int socket);

// Puts a terminal fully raw for its lifetime, as Docker, runc and Podman do
// (cfmakeraw, nothing added back): keys reach the container's line
// discipline untouched and its output reaches the screen untranslated.
// Restores the saved settings exactly afterwards. Nothing mini prints while
// it is raw gets a carriage return added: such text must carry "\r\n".
class RawMode {
 public:
  // `relayed`: the terminal is the container's input, so what waits in its
  // line buffer is the container's too; otherwise it is left for the shell.
  RawMode(int fd, bool relayed);
  ~RawMode();
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

  // What was typed before the switch and was still waiting in the line
  // buffer, as raw mode would have passed it on (see typed_ahead()).
  std::string take_typed_ahead() { return std::move(typed_ahead_); }

 private:
  int fd_;
  std::optional<termios> saved_;
  std::string typed_ahead_;
};

// The bytes that raw mode would have delivered for `chunks`, the results of
// successive reads of a line-buffered terminal set as `mode`: a read ends
// with the line's end key, or was ended by the end-of-file key, which the
// line discipline swallows (an empty read is that key alone). Plain data,
// for tests.
std::string typed_ahead(const std::vector<std::string_view>& chunks, const termios& mode);

// Copies the window size of `from` (the user's terminal) to the pty master.
void copy_window_size(int from, int master);

}  // namespace mini::runtime
