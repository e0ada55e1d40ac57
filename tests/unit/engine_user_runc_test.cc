// User specs as runc reads them: a number is an id, a name is a name, and
// ids past 2^31-1 are refused; against hostile passwd and group files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/user.h"
#include "common/error.h"
#include "support/error_of.h"

namespace mini::engine {
namespace {

using test::error_of;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// An image whose passwd names accounts after other accounts' uids.
const char* kNumericNames =
    "root:x:0:0:root:/root:/bin/sh\n"
    "1000:x:0:0:impostor:/root:/bin/sh\n"
    "65534:x:0:0:impostor2:/:/bin/sh\n"
    "app:x:1000:1000::/home/app:/bin/sh\n";
const char* kNumericGroups =
    "root:x:0:\n"
    "1000:x:0:app\n"
    "29:x:0:\n"
    "audio:x:29:app\n"
    "app:x:1000:\n";

TEST(UserRunc, NumericUserIsAnIdNeverAName) {
  ResolvedUser user = resolve_user("1000", kNumericNames, kNumericGroups);
  EXPECT_EQ(user.uid, 1000u);
  EXPECT_EQ(user.gid, 1000u) << "the entry whose uid is 1000 (app), not the one named 1000";
  EXPECT_EQ(user.home, "/home/app");
  // app is listed in the group named "1000" (gid 0) and in audio.
  EXPECT_THAT(user.additional_gids, ElementsAre(1000u, 0u, 29u));

  ResolvedUser nobody = resolve_user("65534", kNumericNames, kNumericGroups);
  EXPECT_EQ(nobody.uid, 65534u);
  EXPECT_EQ(nobody.gid, 0u) << "no entry has uid 65534: runc's default group";
  EXPECT_EQ(nobody.home, "/");
}

TEST(UserRunc, NumericGroupIsAnIdNeverAName) {
  ResolvedUser user = resolve_user("app:29", kNumericNames, kNumericGroups);
  EXPECT_EQ(user.gid, 29u) << "gid 29, not the group named \"29\" (gid 0)";
  ResolvedUser named = resolve_user("app:1000", kNumericNames, kNumericGroups);
  EXPECT_EQ(named.gid, 1000u);
  ResolvedUser by_name = resolve_user("app:audio", kNumericNames, kNumericGroups);
  EXPECT_EQ(by_name.gid, 29u);

  ResolvedUser added = resolve_user("4242", kNumericNames, kNumericGroups);
  add_groups(added, {"29", "1000", "audio"}, kNumericGroups);
  EXPECT_THAT(added.additional_gids, ElementsAre(0u, 29u, 1000u));
}

TEST(UserRunc, NumericUserWithoutAnEntryGetsRuncDefaults) {
  ResolvedUser user = resolve_user("4242", "", "");
  EXPECT_EQ(user.uid, 4242u);
  EXPECT_EQ(user.gid, 0u);
  EXPECT_EQ(user.home, "/");
  EXPECT_THAT(user.additional_gids, ElementsAre(0u));
  EXPECT_EQ(resolve_user("", "", "").home, "/root");
}

TEST(UserRunc, IdsPastTheSignedRangeAreRefused) {
  for (const char* spec : {"4294967295", "2147483648", "99999999999999999999999", "-1", "0:4294967295",
                           "app:2147483648", "4294967295:0"}) {
    std::string message = error_of([&] { resolve_user(spec, kNumericNames, kNumericGroups); });
    EXPECT_THAT(message, HasSubstr("must be in range 0-2147483647")) << spec;
    EXPECT_EQ(message.find('\n'), std::string::npos) << spec;
  }
  EXPECT_EQ(resolve_user("2147483647", "", "").uid, 2147483647u) << "the largest id is fine";
  EXPECT_EQ(resolve_user("+5", "", "").uid, 5u) << "Atoi takes a sign, as runc does";
  ResolvedUser user = resolve_user("0", "", "");
  EXPECT_THAT(error_of([&] { add_groups(user, {"4294967295"}, ""); }), HasSubstr("0-2147483647"));
  EXPECT_THAT(error_of([&] { add_groups(user, {"-3"}, ""); }), HasSubstr("0-2147483647"));
}

TEST(UserRunc, EntriesWithIdsOutOfRangeOrNotNumbersAreRefused) {
  const char* passwd =
      "wrap:x:4294967295:0::/:/bin/sh\n"
      "junk:x:abc:0::/:/bin/sh\n"
      "gwrap:x:1000:4294967295::/:/bin/sh\n"
      "big:x:2147483648:0::/:/bin/sh\n";
  for (const char* name : {"wrap", "junk", "gwrap", "big"}) {
    std::string message = error_of([&] { resolve_user(name, passwd, ""); });
    EXPECT_THAT(message, HasSubstr("0-2147483647")) << name;
    EXPECT_THAT(message, HasSubstr(name)) << "names the entry";
  }
  // A group that lists the user with a wrapped gid would be setgroups(-1).
  const char* passwd_ok = "app:x:1000:1000::/:/bin/sh\n";
  EXPECT_THAT(error_of([&] { resolve_user("app", passwd_ok, "evil:x:4294967295:app\n"); }), HasSubstr("evil"));
  EXPECT_THAT(error_of([&] { resolve_user("app:evil", passwd_ok, "evil:x:-1:\n"); }), HasSubstr("evil"));
  // An uid 4294967295 line is never found for a numeric spec either.
  EXPECT_THAT(error_of([&] { resolve_user("4294967295", passwd, ""); }), HasSubstr("0-2147483647"));
}

TEST(UserRunc, NamesAreLookedUpByNameOnly) {
  // "0x10", " 5" and "5a" are names: not found, not parsed as 16 or 5.
  for (const char* spec : {"0x10", "5a", " 5", "1e3"})
    EXPECT_THAT(error_of([&] { resolve_user(spec, kNumericNames, kNumericGroups); }), HasSubstr("unable to find user"))
        << spec;
  EXPECT_THAT(error_of([&] { resolve_user("app:0x1d", kNumericNames, kNumericGroups); }),
              HasSubstr("unable to find group"));
  ResolvedUser user = resolve_user("0", "", "");
  EXPECT_THAT(error_of([&] { add_groups(user, {"wheel"}, kNumericGroups); }), HasSubstr("--group-add"));
}

}  // namespace
}  // namespace mini::engine
