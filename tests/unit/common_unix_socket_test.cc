#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/unix_socket.h"

namespace mini {
namespace {

TEST(UnixSocket, SendFdCarriesTheDescriptorAndThePayload) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  fsutil::UniqueFd ours(pair[0]), theirs(pair[1]);
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  fsutil::UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);

  ASSERT_EQ(send_fd(ours.get(), write_end.get(), "hi", 2), 2);

  char payload[8] = {};
  iovec iov{payload, sizeof(payload)};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ASSERT_EQ(::recvmsg(theirs.get(), &msg, MSG_CMSG_CLOEXEC), 2);
  EXPECT_STREQ(payload, "hi");
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  ASSERT_NE(cmsg, nullptr);
  ASSERT_EQ(cmsg->cmsg_type, SCM_RIGHTS);
  int received;
  std::memcpy(&received, CMSG_DATA(cmsg), sizeof(int));
  fsutil::UniqueFd copy(received);
  // The received descriptor is the pipe's write end: what goes in comes out.
  ASSERT_EQ(::write(copy.get(), "x", 1), 1);
  char byte = 0;
  ASSERT_EQ(::read(read_end.get(), &byte, 1), 1);
  EXPECT_EQ(byte, 'x');
}

TEST(UnixSocket, SendFdToAClosedPeerFailsWithoutSigpipe) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  fsutil::UniqueFd ours(pair[0]);
  ::close(pair[1]);
  EXPECT_EQ(send_fd(ours.get(), ours.get(), "p", 1), -1);
  EXPECT_EQ(errno, EPIPE);
}

TEST(UnixSocket, ConnectNamesWhatItWasFor) {
  try {
    connect_unix(std::string(200, 'x'), "--console-socket X");
    FAIL() << "a 200-byte path connected";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--console-socket X"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("longer than a unix socket address"), std::string::npos) << e.what();
  }
  try {
    connect_unix("/nonexistent/mini-test.sock", "the seccomp agent");
    FAIL() << "connected to a socket that does not exist";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("connect to the seccomp agent"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mini
