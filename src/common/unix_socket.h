#pragma once
// Unix sockets between mini and its peers: connecting to a path a caller
// names (conmon's console socket, a seccomp agent, slirp4netns's API), and
// handing a file descriptor across (SCM_RIGHTS).
#include <sys/types.h>

#include <cstddef>
#include <string>

#include "common/fs_util.h"

namespace mini {

// A stream socket connected to the unix socket at `path`. Throws mini::Error
// naming `what` ("--console-socket /run/x") when the path is too long for a
// socket address or nothing accepts there.
fsutil::UniqueFd connect_unix(const std::string& path, const std::string& what);

// Sends `fd` with `size` bytes of `data` as one message, retrying EINTR,
// never raising SIGPIPE. Returns what sendmsg returns (bytes sent, or -1 and
// errno). Allocates nothing and throws nothing, so the container's child
// may call it between clone and exec.
ssize_t send_fd(int socket, int fd, const void* data, size_t size) noexcept;

}  // namespace mini
