#include "lib/harness.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

namespace mini::test {

namespace {

void drain(int fd, std::string& into) {
  char buf[65536];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) into.append(buf, static_cast<size_t>(n));
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

Result run_process(const std::vector<std::string>& argv, const std::string& input,
                   const std::map<std::string, std::string>& extra_env) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (const auto& [k, v] : extra_env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  // Write stdin in full first: test inputs are small, far below a pipe's buffer.
  if (!input.empty()) (void)!write(in[1], input.data(), input.size());
  close(in[1]);
  Result result;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      std::string& target = i == 0 ? result.out : result.err;
      size_t before = target.size();
      drain(fds[i].fd, target);
      if (target.size() == before) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

bool require_root() {
  if (geteuid() == 0) return true;
  if (in_ci()) {
    ADD_FAILURE() << "integration tests need root (CI=true, so this is a failure)";
  } else {
    GTEST_MESSAGE_("integration tests need root: containers need namespaces and mounts; run as root",
                   ::testing::TestPartResult::kSkip);
  }
  return false;
}

fs::path shared_images() {
  fs::path dir = fs::path(MINI_SOURCE_DIR).parent_path() / "shared" / "images";
  if (fs::exists(dir / "SHA256SUMS")) return dir;
  std::fprintf(stderr, "\n*** %s is missing: the tests that need the real images (Alpine, Docker Hub's busybox) "
                       "could NOT run here ***\n\n", dir.c_str());
  return {};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(line);
  return lines;
}

fs::path MiniTest::require_shared_images(const std::string& tests) {
  fs::path images = shared_images();
  if (!images.empty()) return images;
  skipped_ = true;
  if (in_ci())
    ADD_FAILURE() << "../shared/images is required under CI=true";
  else
    [&] { GTEST_SKIP() << "../shared/images is not here; the " << tests << " could not run"; }();  // GTEST_SKIP returns void
  return {};
}

fs::path busybox_rootfs_tar() {
  static std::once_flag once;
  static fs::path tar;
  std::call_once(once, [] {
    fs::path dir = fs::temp_directory_path() / ("mini-bbrootfs-" + std::to_string(getpid()));
    fs::remove_all(dir);  // left by a killed run whose PID this one reuses
    fs::path rootfs = dir / "rootfs";
    for (const char* sub : {"bin", "etc", "tmp", "root", "proc", "sys", "dev", "usr/bin", "sbin"})
      fs::create_directories(rootfs / sub);
    fs::copy_file("/bin/busybox", rootfs / "bin" / "busybox");
    fs::copy_file(MINI_PROBE, rootfs / "bin" / "mini-probe");
    std::ofstream(rootfs / "etc" / "passwd") << "root:x:0:0:root:/root:/bin/sh\n"
                                                "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
    std::ofstream(rootfs / "etc" / "group") << "root:x:0:\nnogroup:x:65534:\n";
    std::string cmd = "chroot " + shell_quote(rootfs.string()) + " /bin/busybox --install -s /bin && tar -C " +
                      shell_quote(rootfs.string()) + " -cf " + shell_quote((dir / "rootfs.tar").string()) + " .";
    Result r = run_process({"sh", "-c", cmd});
    if (r.exit_code != 0) ADD_FAILURE() << "building the busybox rootfs failed: " << r.err;
    tar = dir / "rootfs.tar";
  });
  return tar;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec))
    if (!entry.is_directory()) files.push_back(entry.path());
  return files;
}

std::map<std::string, std::string> probe_values(const std::string& out) {
  std::map<std::string, std::string> values;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line))
    if (auto eq = line.find('='); eq != std::string::npos && !values.count(line.substr(0, eq)))
      values[line.substr(0, eq)] = line.substr(eq + 1);
  return values;
}

std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  auto describe = [&](const fs::path& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return std::string("missing");
    std::ostringstream s;
    s << std::oct << st.st_mode << std::dec << " " << st.st_uid << ":" << st.st_gid << " n" << st.st_nlink << " "
      << st.st_size << " m" << st.st_mtim.tv_sec << "." << st.st_mtim.tv_nsec << " c" << st.st_ctim.tv_sec << "."
      << st.st_ctim.tv_nsec;
    if (S_ISREG(st.st_mode)) s << " " << read_text(path);
    if (S_ISLNK(st.st_mode)) s << " -> " << fs::read_symlink(path, ec).string();
    return s.str();
  };
  out["."] = describe(root);
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); ++it)
    out[fs::relative(it->path(), root).string()] = describe(it->path());
  return out;
}

std::vector<std::string> mounts_under(const fs::path& root) {
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::vector<std::string> found;
  std::string line;
  while (std::getline(mountinfo, line)) {
    std::istringstream fields(line);
    std::string id, parent, devs, mroot, point;
    fields >> id >> parent >> devs >> mroot >> point;
    if (point.rfind(root.string(), 0) == 0) found.push_back(point);
  }
  return found;
}

void MiniTest::SetUp() {
  if (!require_root()) {
    skipped_ = true;
    return;
  }
  char tmpl[] = "/tmp/mini-test-XXXXXX";
  root_ = mkdtemp(tmpl);
}

void MiniTest::TearDown() {
  if (root_.empty()) return;
  EXPECT_EQ(mounts_under(root_), std::vector<std::string>{}) << "mounts left behind";
  for (const auto& m : mounts_under(root_)) umount2(m.c_str(), MNT_DETACH);
  std::error_code ec;
  fs::remove_all(root_, ec);
}

Result MiniTest::mini(const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv = {MINI_BINARY, "--root", root_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, input);
}

void MiniTest::import_busybox() {
  Result r = mini({"import", busybox_rootfs_tar().string(), "bb:latest", "--change", "CMD [\"/bin/sh\"]"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

bool MiniTest::import_alpine() {
  fs::path images = shared_images();
  if (images.empty()) {
    if (in_ci())
      ADD_FAILURE() << "../shared/images is required under CI=true";
    else
      GTEST_MESSAGE_("../shared/images is not here; the Alpine tests could not run",
                     ::testing::TestPartResult::kSkip);
    return false;
  }
  Result r = mini({"import", (images / "alpine-minirootfs-3.20.3-x86_64.tar.gz").string(), "alpine:3.20",
                   "--change", "CMD [\"/bin/sh\"]"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0;
}

}  // namespace mini::test
