// Leaks: many containers in a row leave no mount, cgroup, container
// directory or network interface behind, and mini hands the container no
// descriptor of its own.
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include "lib/harness.h"

namespace mini::test {
namespace {

bool is_hex64(const std::string& name) {
  return name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Container cgroups: */.../mini/<id> in every hierarchy, v1 and unified.
// mini puts them under its own cgroup in v1, so the search goes a few
// levels down rather than to one fixed place.
void find_container_cgroups(const fs::path& dir, int depth, std::set<std::string>& out) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_directory(ec) || entry.is_symlink(ec)) continue;
    const std::string name = entry.path().filename().string();
    if (name == "mini") {
      for (const auto& child : fs::directory_iterator(entry.path(), ec))
        if (is_hex64(child.path().filename().string())) out.insert(child.path().string());
    } else if (depth > 0) {
      find_container_cgroups(entry.path(), depth - 1, out);
    }
  }
}

std::set<std::string> container_cgroups() {
  std::set<std::string> out;
  find_container_cgroups("/sys/fs/cgroup", 6, out);
  return out;
}

// A cgroup that still holds processes belongs to a live container (of any
// mini on this machine); an empty one left behind is a leak.
bool has_processes(const fs::path& cgroup) {
  std::ifstream procs(cgroup / "cgroup.procs");
  std::string line;
  return static_cast<bool>(std::getline(procs, line));
}

std::set<std::string> interfaces() {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/sys/class/net", ec)) out.insert(entry.path().filename().string());
  return out;
}

class LeakTest : public MiniTest {};

TEST_F(LeakTest, ThreeHundredRunsLeaveNothingBehind) {
  if (skipped_) return;
  import_busybox();
  const auto cgroups_before = container_cgroups();
  const auto interfaces_before = interfaces();

  // The container sees only its stdio: nothing of mini's leaks across exec.
  Result fds = mini({"run", "--rm", "bb", "ls", "/proc/self/fd"});
  ASSERT_EQ(fds.exit_code, 0) << fds.err;
  EXPECT_EQ(fds.out, "0\n1\n2\n3\n") << "3 is ls's own directory";

  // mini itself, while its container runs: stdio and what the run needs
  // (pidfd, sync pipe, pty or netlink sockets), nothing of the store left open.
  {
    std::string command = "exec " + std::string(MINI_BINARY) + " --root " + root_.string() +
                          " run --rm bb sleep 2 </dev/null >/dev/null 2>&1";
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execl("/bin/sh", "sh", "-c", command.c_str(), nullptr);
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    std::vector<std::string> open;
    std::error_code ec;
    for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec))
      open.push_back(fd.path().filename().string() + " -> " + fs::read_symlink(fd.path(), ec).string());
    ::waitpid(pid, nullptr, 0);
    std::string listing;
    for (const auto& line : open) listing += line + "\n";
    EXPECT_LE(open.size(), 12u) << listing;
    EXPECT_EQ(listing.find(root_.string() + "/blobs"), std::string::npos) << listing;
    EXPECT_EQ(listing.find(root_.string() + "/layers"), std::string::npos) << listing;
    EXPECT_EQ(listing.find(root_.string() + "/locks"), std::string::npos) << "a lock held while the container runs\n"
                                                                            << listing;
  }

  constexpr int kRuns = 300;
  auto start = std::chrono::steady_clock::now();
  int failures = 0;
  for (int i = 0; i < kRuns; ++i) {
    Result r = mini({"run", "--rm", "bb", "true"});
    if (r.exit_code != 0 && ++failures <= 3) ADD_FAILURE() << "run " << i << ": " << r.err;
  }
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "%d runs of `mini run --rm bb true`: %.1f s, %.0f ms each\n", kRuns, seconds,
               seconds * 1000 / kRuns);
  EXPECT_EQ(failures, 0);

  EXPECT_EQ(mounts_under(root_), std::vector<std::string>{});
  std::vector<std::string> containers;
  for (const auto& entry : fs::directory_iterator(root_ / "containers"))
    containers.push_back(entry.path().filename().string());
  EXPECT_EQ(containers, std::vector<std::string>{});
  for (const auto& cgroup : container_cgroups()) {
    if (!cgroups_before.count(cgroup)) {
      EXPECT_TRUE(has_processes(cgroup)) << "left behind: " << cgroup;
    }
  }
  // The kernel deletes a veth pair when its namespace goes, a moment later.
  std::vector<std::string> extra;
  for (int attempt = 0; attempt < 50; ++attempt) {
    extra.clear();
    for (const auto& name : interfaces())
      if (!interfaces_before.count(name)) extra.push_back(name);
    if (extra.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(extra, std::vector<std::string>{}) << "network interfaces left behind";
  Result check = mini({"system", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.out;
}

}  // namespace
}  // namespace mini::test
