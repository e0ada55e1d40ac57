#include "registry/reference.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace mini::registry {
namespace {

TEST(Reference, NormalizesLikeDocker) {
  struct Case {
    const char *input, *full, *familiar, *host;
  } cases[] = {
      {"busybox", "docker.io/library/busybox:latest", "busybox:latest", "registry-1.docker.io"},
      {"alpine:3.20", "docker.io/library/alpine:3.20", "alpine:3.20", "registry-1.docker.io"},
      {"user/app", "docker.io/user/app:latest", "user/app:latest", "registry-1.docker.io"},
      {"docker.io/library/busybox:1", "docker.io/library/busybox:1", "busybox:1", "registry-1.docker.io"},
      {"index.docker.io/user/app:x", "docker.io/user/app:x", "user/app:x", "registry-1.docker.io"},
      {"host:5000/path/app:tag", "host:5000/path/app:tag", "host:5000/path/app:tag", "host:5000"},
      {"localhost/app", "localhost/app:latest", "localhost/app:latest", "localhost"},
      {"127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox:latest", "127.0.0.1:5000/busybox:latest", "127.0.0.1:5000"},
      // Found by fuzz_reference: familiar() must name the same image again.
      {"docker.io/library/a/b", "docker.io/library/a/b:latest", "library/a/b:latest", "registry-1.docker.io"},
      {"index.docker.io/a.b/c", "docker.io/a.b/c:latest", "docker.io/a.b/c:latest", "registry-1.docker.io"},
  };
  for (const auto& c : cases) {
    Reference ref = parse_reference(c.input);
    EXPECT_EQ(ref.full(), c.full) << c.input;
    EXPECT_EQ(ref.familiar(), c.familiar) << c.input;
    EXPECT_EQ(ref.registry_host(), c.host) << c.input;
  }
}

TEST(Reference, DigestPinsWithoutDefaultTag) {
  std::string hex(64, 'a');
  Reference ref = parse_reference("busybox@sha256:" + hex);
  EXPECT_EQ(ref.tag, "");
  EXPECT_EQ(ref.digest, "sha256:" + hex);
  EXPECT_EQ(ref.full(), "docker.io/library/busybox@sha256:" + hex);
  Reference both = parse_reference("busybox:1.38@sha256:" + hex);
  EXPECT_EQ(both.tag, "1.38");
}

TEST(Reference, RejectsMalformedNames) {
  for (const char* bad : {"", "UPPER", "a//b", "app:", ":tag", "app@sha256:short", "app:bad tag", "-app",
                          "app/", "host:5000/", "a:b:c"}) {
    EXPECT_THROW(parse_reference(bad), Error) << bad;
  }
  // The name counts with its host (found by fuzz_reference: a long host made
  // a name that full() printed too long to parse again).
  EXPECT_THROW(parse_reference(std::string(200, 'h') + ".io/" + std::string(60, 'p')), Error);
  EXPECT_NO_THROW(parse_reference(std::string(200, 'h') + ".io/" + std::string(40, 'p')));
  EXPECT_THROW(parse_reference(std::string(250, 'p')), Error) << "docker.io/library/ counts too";
}

TEST(Reference, ErrorSaysWhatFormatIsExpected) {
  try {
    parse_reference("Bad");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("NAME[:TAG]"), std::string::npos);
  }
}

}  // namespace
}  // namespace mini::registry
