#include <gtest/gtest.h>

#include "registry/display.h"

namespace mini::registry {
namespace {

bool clean(const std::string& text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

TEST(Shown, EscapesWhatATerminalWouldObey) {
  EXPECT_EQ(shown("plain text"), "plain text");
  EXPECT_EQ(shown("\x1b]0;pwned\x07"), "\\x1b]0;pwned\\x07");
  EXPECT_EQ(shown("a\r\nb"), "a\\x0d\\x0ab");
  EXPECT_EQ(shown(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(shown("\x7f"), "\\x7f");
  // C1 controls (U+009B is CSI on some terminals) and broken UTF-8.
  EXPECT_EQ(shown("\xc2\x9b"
                  "2J"),
            "\\xc2\\x9b2J");
  EXPECT_EQ(shown("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(shown("caf\xc3\xa9"), "caf\xc3\xa9") << "valid UTF-8 stays";
}

TEST(Shown, CutsLongTextAndSaysHowMuchIsLeft) {
  std::string huge(90 * 1024, 'A');
  std::string out = shown(huge, 100);
  EXPECT_LT(out.size(), 140u);
  EXPECT_NE(out.find("(92060 more bytes)"), std::string::npos) << out;
  // Escapes count toward the length, so a string of controls is cut too.
  EXPECT_LT(shown(std::string(10000, '\x1b'), 100).size(), 140u);
}

TEST(ShownList, NamesAFewAndCountsTheRest) {
  std::vector<std::string> platforms;
  for (int i = 0; i < 20000; ++i) platforms.push_back("linux/arch" + std::to_string(i));
  std::string out = shown_list(platforms);
  EXPECT_LT(out.size(), 300u);
  EXPECT_NE(out.find("linux/arch0, linux/arch1"), std::string::npos) << out;
  EXPECT_NE(out.find("and 19992 more"), std::string::npos) << out;
  EXPECT_EQ(shown_list({"a\nb"}), "a\\x0ab");
}

TEST(OneLine, KeepsTheStartAndTheAdviceAtTheEnd) {
  std::string message = "pull x: registry said " + std::string(340000, 'z') + "\n; log in with `mini login`";
  std::string out = one_line(message);
  EXPECT_LE(out.size(), 1100u);
  EXPECT_TRUE(clean(out)) << out;
  EXPECT_EQ(out.rfind("pull x: registry said", 0), 0u);
  EXPECT_NE(out.find("; log in with `mini login`"), std::string::npos);
  EXPECT_NE(out.find("characters left out"), std::string::npos);
  EXPECT_EQ(one_line("short"), "short");
}

TEST(ControlCharacters, AreFound) {
  EXPECT_FALSE(has_control_characters("Bearer abc.def"));
  EXPECT_TRUE(has_control_characters("abc\r\nX-Evil: 1"));
  EXPECT_TRUE(has_control_characters(std::string("a\0b", 3)));
  EXPECT_TRUE(has_control_characters("tab\there"));
}

}  // namespace
}  // namespace mini::registry
