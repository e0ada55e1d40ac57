#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "common/error.h"
#include "runtime/state.h"

namespace mini::runtime {
namespace {

namespace fs = std::filesystem;

TEST(RuntimeState, RoundTripsThroughJson) {
  State state;
  state.id = "abc";
  state.status = Status::Running;
  state.pid = 4242;
  state.bundle = "/b";
  state.annotations = {{"k", "v"}};
  state.pid_start_time = 987654;
  state.cgroup_paths = {"/sys/fs/cgroup/memory/mini/abc"};
  State back = parse_state(state_to_json(state));
  EXPECT_EQ(back.id, "abc");
  EXPECT_EQ(back.status, Status::Running);
  EXPECT_EQ(back.pid, 4242);
  EXPECT_EQ(back.bundle, "/b");
  EXPECT_EQ(back.annotations.at("k"), "v");
  EXPECT_EQ(back.pid_start_time, 987654u);
  ASSERT_EQ(back.cgroup_paths.size(), 1u);
}

TEST(RuntimeState, ReadsARuntimeSpecStateWithoutOurFields) {
  State state = parse_state(R"({"ociVersion":"1.0.2","id":"x","status":"created","pid":7,"bundle":"/b"})");
  EXPECT_EQ(state.status, Status::Created);
  EXPECT_EQ(state.pid, 7);
  EXPECT_EQ(state.pid_start_time, 0u);
}

TEST(RuntimeState, StoppedStateHasNoPid) {
  State state;
  state.id = "x";
  state.status = Status::Stopped;
  state.pid = 9;
  EXPECT_EQ(state_to_json(state).find("\"pid\""), std::string::npos);
}

TEST(RuntimeState, RejectsMalformedState) {
  EXPECT_THROW(parse_state("{"), Error);
  EXPECT_THROW(parse_state(R"({"ociVersion":"1.0.2","id":"x","status":"dancing"})"), Error);
  EXPECT_THROW(parse_state(R"({"ociVersion":"1.0.2","id":"x","status":"running","pid":-3})"), Error);
}

TEST(RuntimeState, ParsesProcStatWithHostileCommandNames) {
  // comm holds ") S 1 2" to fool a parser that splits on the first ')'.
  std::string line = "123 (evil) S 1 2) R 1 123 123 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 555444 1000 10";
  auto stat = parse_process_stat(line);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->state, 'R');
  EXPECT_EQ(stat->start_time, 555444u);
  EXPECT_FALSE(parse_process_stat("garbage"));
  EXPECT_FALSE(parse_process_stat("1 (x) S 1 2 3"));
}

TEST(RuntimeState, ChecksPidTogetherWithItsStartTime) {
  auto self = read_process_stat(::getpid());
  ASSERT_TRUE(self);
  EXPECT_TRUE(is_same_process(::getpid(), self->start_time));
  // The same pid with another start time is another process: a recycled pid.
  EXPECT_FALSE(is_same_process(::getpid(), self->start_time + 1));
  EXPECT_FALSE(open_process(::getpid(), self->start_time + 1));
  EXPECT_TRUE(open_process(::getpid(), self->start_time));
}

TEST(RuntimeState, AZombieIsStillItsProcessButStopped) {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  for (int i = 0; i < 200; ++i) {
    auto stat = read_process_stat(child);
    if (stat && stat->state == 'Z') break;
    ::usleep(5000);
  }
  auto stat = read_process_stat(child);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->state, 'Z');
  fs::path root = fs::temp_directory_path() / ("mini-state-test-" + std::to_string(::getpid()));
  {
    StateDir dir(root, "z", true);
    State state;
    state.id = "z";
    state.status = Status::Running;
    state.pid = child;
    state.pid_start_time = stat->start_time;
    dir.save(state);
    EXPECT_EQ(current_status(dir.load(), dir), Status::Stopped);
    dir.remove();
  }
  int status;
  ::waitpid(child, &status, 0);
  fs::remove_all(root);
}

TEST(RuntimeState, StateDirIsCreatedOnceAndLocked) {
  fs::path root = fs::temp_directory_path() / ("mini-state-dir-" + std::to_string(::getpid()));
  {
    StateDir dir(root, "c1", true);
    State state;
    state.id = "c1";
    dir.save(state);
    EXPECT_EQ(fs::status(dir.path()).permissions() & fs::perms::all, static_cast<fs::perms>(0711));
  }
  EXPECT_THROW(StateDir(root, "c1", true), Error);
  EXPECT_THROW(StateDir(root, "missing", false), Error);
  StateDir again(root, "c1", false);
  EXPECT_EQ(again.load().id, "c1");
  again.remove();
  EXPECT_FALSE(fs::exists(root / "c1"));
  fs::remove_all(root);
}

TEST(RuntimeState, RefusesIdsThatAreNotPlainNames) {
  EXPECT_NO_THROW(check_container_id("abc-1_2.3"));
  for (const char* bad : {"", "../x", "a/b", ".hidden", "sp ace"}) EXPECT_THROW(check_container_id(bad), Error) << bad;
}

}  // namespace
}  // namespace mini::runtime
