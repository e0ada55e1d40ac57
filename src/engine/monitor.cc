#include "engine/monitor.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "engine/container_log.h"
#include "engine/container_run.h"
#include "common/error.h"
#include "common/process.h"
#include "common/fs_util.h"
#include "runtime/container.h"
#include "runtime/exit_status.h"

namespace mini::engine {

namespace {

namespace fs = std::filesystem;
using fsutil::UniqueFd;

// The monitor's first words to `mini run -d`: "ok", or "error <code> <message>".
void report_ready(int fd, const std::string& line) {
  if (fd < 0) return;
  std::string text = line + "\n";
  ssize_t ignored = ::write(fd, text.data(), text.size());
  (void)ignored;
}

std::pair<UniqueFd, UniqueFd> pipe_pair() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace

int run_monitor(const GlobalOptions& global, const std::string& id, int ready_fd) {
  Context ctx(global);
  uint64_t start_time = process_start_time(::getpid());
  auto record = ctx.containers().update(id, [&](store::ContainerRecord& r) {
    r.monitor_pid = ::getpid();
    r.monitor_start_time = start_time;
  });
  if (!record) {
    report_ready(ready_fd, "error 125 no such container: " + id);
    return 125;
  }
  RestartPolicy policy{record->restart_policy, record->restart_max};
  fs::path log_path = ctx.containers().dir(id) / "container.log";
  FILE* log = std::fopen(log_path.c_str(), "ae");
  if (!log) {
    report_ready(ready_fd, std::string("error 125 open ") + log_path.string() + ": " + std::strerror(errno));
    return 125;
  }
  std::mutex log_mutex;
  UniqueFd null_in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto backoff = std::chrono::milliseconds(100);
  int exit_code = 0;
  for (bool first = true;; first = false) {
    auto [out_read, out_write] = pipe_pair();
    auto [err_read, err_write] = pipe_pair();
    bool failed_to_start = false;
    {
      LogCopier out(out_read.release(), "stdout", log, log_mutex);
      LogCopier err(err_read.release(), "stderr", log, log_mutex);
      try {
        runtime::RunResult result = run_created_container(
            ctx, id, {null_in.get(), out_write.get(), err_write.get()}, [&](pid_t) {
              if (first) report_ready(ready_fd, "ok");
              if (first && ready_fd >= 0) ::close(ready_fd), ready_fd = -1;
            });
        exit_code = result.exit_code;
      } catch (const runtime::ExecError& e) {
        exit_code = e.exit_code;
        failed_to_start = true;
        if (first) report_ready(ready_fd, "error " + std::to_string(e.exit_code) + " " + e.what());
      } catch (const std::exception& e) {
        exit_code = runtime::kExitRuntimeFailure;
        failed_to_start = true;
        if (first) report_ready(ready_fd, "error 125 " + std::string(e.what()));
      }
      out_write.reset();
      err_write.reset();
    }
    if (failed_to_start && first) break;
    auto current = ctx.containers().load(id);
    if (!current || !should_restart(policy, exit_code, current->restart_count, current->stop_requested)) break;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(60000));
    ctx.containers().update(id, [](store::ContainerRecord& r) { ++r.restart_count; });
  }
  std::fclose(log);
  auto final_record = ctx.containers().update(id, [](store::ContainerRecord& r) {
    r.monitor_pid = 0;
    r.monitor_start_time = 0;
  });
  if (final_record && final_record->auto_remove) remove_container_files(ctx, *final_record);
  return exit_code;
}

RestartPolicy parse_restart_policy(const std::string& text) {
  RestartPolicy policy;
  auto colon = text.find(':');
  policy.name = text.substr(0, colon);
  if (policy.name.empty()) policy.name = "no";
  if (policy.name != "no" && policy.name != "on-failure" && policy.name != "always" && policy.name != "unless-stopped")
    throw Error("invalid restart policy \"" + text + "\"; use no, on-failure[:N], always or unless-stopped");
  if (colon != std::string::npos) {
    if (policy.name != "on-failure")
      throw Error("maximum retry count cannot be used with restart policy \"" + policy.name + "\"");
    try {
      size_t used = 0;
      policy.max_retries = std::stoi(text.substr(colon + 1), &used);
      if (used != text.size() - colon - 1 || policy.max_retries < 0) throw std::invalid_argument(text);
    } catch (const std::exception&) {
      throw Error("invalid restart policy \"" + text + "\"; the retry count must be a non-negative number");
    }
  }
  return policy;
}

bool should_restart(const RestartPolicy& policy, int exit_code, int restarts_so_far, bool stop_requested) {
  if (stop_requested) return false;
  if (policy.name == "always" || policy.name == "unless-stopped") return true;
  if (policy.name == "on-failure") return exit_code != 0 && (policy.max_retries == 0 || restarts_so_far < policy.max_retries);
  return false;
}

void start_detached(Context& ctx, const GlobalOptions& global, const std::string& id) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd ready_read(fds[0]), ready_write(fds[1]);
  std::string root = fs::absolute(ctx.layout().root).string();
  std::string exe = fs::read_symlink("/proc/self/exe").string();
  fs::path monitor_log = ctx.containers().dir(id) / "monitor.log";
  std::vector<std::string> args = {exe, "--root", root};
  if (!global.config.empty()) args.insert(args.end(), {"--config", fs::absolute(global.config).string()});
  args.insert(args.end(), {"container-monitor", id, "--ready-fd", "3"});
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  std::fflush(nullptr);
  pid_t middle = ::fork();
  if (middle < 0) throw_errno("fork the container monitor");
  if (middle == 0) {
    // Twice forked and in its own session: no terminal, and init reaps it.
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    int null = ::open("/dev/null", O_RDWR);
    int errors = ::open(monitor_log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(errors >= 0 ? errors : null, 2);
    ::dup2(ready_write.get(), 3);  // dup2 clears close-on-exec
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status;
  while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  ready_write.reset();

  std::string reply;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(ready_read.get(), buffer, sizeof(buffer))) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) reply.append(buffer, static_cast<size_t>(n));
  if (reply.rfind("ok", 0) == 0) return;
  if (reply.rfind("error ", 0) == 0) {
    std::string rest = reply.substr(6);
    while (!rest.empty() && rest.back() == '\n') rest.pop_back();
    int code = std::atoi(rest.c_str());
    std::string message = rest.substr(rest.find(' ') + 1);
    if (code == runtime::kExitNotFound || code == runtime::kExitCannotExecute) throw runtime::ExecError(message, code);
    throw Error(message);
  }
  throw Error("the container monitor ended before the container started; see " + monitor_log.string());
}

}  // namespace mini::engine
