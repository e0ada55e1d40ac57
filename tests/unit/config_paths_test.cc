// Where root's and a user's store, state and config file live (paths.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "config/paths.h"

namespace mini {
namespace {

using ::testing::HasSubstr;
using ::testing::ElementsAre;

auto env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(RootlessPaths, RootKeepsTheSystemPaths) {
  auto p = config::paths_for(false, env_of({{"HOME", "/root"}, {"XDG_DATA_HOME", "/x"}}));
  EXPECT_EQ(p.store, "/var/lib/mini");
  EXPECT_EQ(p.state, "/run/mini");
  EXPECT_EQ(p.config_file, "/etc/mini/config.json");
}

TEST(RootlessPaths, AUserGetsXdgDirectories) {
  auto p = config::paths_for(true, env_of({{"HOME", "/home/u"}}));
  EXPECT_EQ(p.store, "/home/u/.local/share/mini");
  EXPECT_EQ(p.config_file, "/home/u/.config/mini/config.json");
  EXPECT_EQ(p.state, "") << "made by default_paths, under /tmp";
  p = config::paths_for(true, env_of({{"HOME", "/home/u"}, {"XDG_DATA_HOME", "/data"}, {"XDG_CONFIG_HOME", "/cfg"},
                                      {"XDG_RUNTIME_DIR", "/run/user/1000"}}));
  EXPECT_EQ(p.store, "/data/mini");
  EXPECT_EQ(p.config_file, "/cfg/mini/config.json");
  EXPECT_EQ(p.state, "/run/user/1000/mini");
  // XDG: relative values are invalid and ignored.
  p = config::paths_for(true, env_of({{"HOME", "/home/u"}, {"XDG_DATA_HOME", "rel"}, {"XDG_RUNTIME_DIR", "r"}}));
  EXPECT_EQ(p.store, "/home/u/.local/share/mini");
  EXPECT_EQ(p.state, "");
}

}  // namespace
}  // namespace mini
