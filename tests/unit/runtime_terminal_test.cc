#include <gtest/gtest.h>
#include <termios.h>

#include "runtime/terminal.h"

namespace mini::runtime {
namespace {

termios cooked() {
  termios mode{};
  mode.c_lflag = ICANON | ECHO;
  mode.c_cc[VEOF] = 4;  // ^D
  mode.c_cc[VEOL] = _POSIX_VDISABLE;
  mode.c_cc[VEOL2] = _POSIX_VDISABLE;
  return mode;
}

TEST(TypedAheadTest, CompleteLinesPassAsTheyWere) {
  EXPECT_EQ(typed_ahead({"one\n", "two\n"}, cooked()), "one\ntwo\n");
  EXPECT_EQ(typed_ahead({}, cooked()), "");
}

TEST(TypedAheadTest, AnEmptyReadIsTheEndOfFileKeyAlone) {
  // The kernel would hand the swallowed key out as a NUL once raw.
  EXPECT_EQ(typed_ahead({"one\n", ""}, cooked()), std::string("one\n\x04"));
  EXPECT_EQ(typed_ahead({"", ""}, cooked()), std::string("\x04\x04"));
}

TEST(TypedAheadTest, APartialLineWasEndedByTheEndOfFileKey) {
  EXPECT_EQ(typed_ahead({"abc"}, cooked()), std::string("abc\x04"));
}

TEST(TypedAheadTest, TheTerminalsOwnKeysCount) {
  termios mode = cooked();
  mode.c_cc[VEOF] = 2;  // stty eof ^B
  mode.c_cc[VEOL] = ';';
  EXPECT_EQ(typed_ahead({"a;", "b", ""}, mode), std::string("a;b\x02\x02"));
  mode.c_cc[VEOF] = _POSIX_VDISABLE;
  EXPECT_EQ(typed_ahead({"b", ""}, mode), "b") << "no end-of-file key: nothing to add";
}

TEST(TypedAheadTest, ANulTypedIsData) {
  // With VEOL disabled (0 on Linux), a NUL ends no line.
  EXPECT_EQ(typed_ahead({std::string_view("a\0", 2)}, cooked()), std::string("a\0\x04", 3));
}

}  // namespace
}  // namespace mini::runtime
