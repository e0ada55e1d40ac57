// Capabilities: the name table, Docker's default set, and what an absent
// process.capabilities means.
#include <gtest/gtest.h>

#include "common/error.h"

#include "runtime/capabilities.h"

namespace mini::runtime {
namespace {

TEST(Capabilities, NamesAndMasks) {
  EXPECT_EQ(capability_number("CAP_CHOWN"), 0);
  EXPECT_EQ(capability_number("CAP_SYS_ADMIN"), 21);
  EXPECT_EQ(capability_number("CAP_BPF"), 39);
  EXPECT_FALSE(capability_number("CAP_BOGUS"));
  EXPECT_EQ(capability_name(13), "CAP_NET_RAW");
  EXPECT_EQ(capability_mask({"CAP_CHOWN", "CAP_KILL"}), (1u << 0) | (1u << 5));
  EXPECT_THROW(capability_mask({"CAP_BOGUS"}), Error);
}

TEST(Capabilities, DockerDefaultSetIsCapEffA80425FB) {
  Capabilities caps;
  caps.bounding = caps.effective = caps.permitted = {
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
      "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
      "CAP_AUDIT_WRITE"};
  auto sets = resolve_capabilities(caps, 40);
  EXPECT_EQ(sets.effective, 0xa80425fbu);  // what /proc/self/status shows in a Docker container
  EXPECT_EQ(sets.ambient, 0u);
}

TEST(Capabilities, AbsentMeansEverythingTheKernelKnows) {
  auto sets = resolve_capabilities(std::nullopt, 40);
  EXPECT_EQ(sets.bounding, (uint64_t{1} << 41) - 1);
}

}  // namespace
}  // namespace mini::runtime
