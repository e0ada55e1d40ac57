// mini-oci ps [--format table|json] ID [-- PS_ARGS...]: json is the pids
// (what containerd asks for); table is ps(1)'s lines for them.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "oci/context.h"

namespace mini::oci {

namespace {

// ps(1)'s output, run without a shell.
std::string run_ps(const std::vector<std::string>& ps_args) {
  std::vector<std::string> argv = {"ps"};
  argv.insert(argv.end(), ps_args.begin(), ps_args.end());
  std::vector<char*> c_argv;
  for (auto& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw_errno("pipe");
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork ps");
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::execvp("ps", c_argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buffer[8192];
  ssize_t n;
  while ((n = ::read(out[0], buffer, sizeof(buffer))) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) text.append(buffer, static_cast<size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error("ps " + (ps_args.empty() ? std::string() : ps_args.front()) + " failed; is procps installed?");
  return text;
}

}  // namespace

int cmd_ps(Context& context, const std::vector<std::string>& argv) {
  Args args = parse_args(argv, {{{"format", "f"}, true}});
  if (args.positional.empty()) throw Error("usage: mini-oci ps [--format table|json] ID [PS_ARGS...]");
  std::string id = args.positional.front();
  std::string format = args.value("format").value_or("table");
  std::vector<pid_t> pids = runtime::processes(context.root, id);
  if (format == "json") {
    std::cout << nlohmann::json(pids).dump() << "\n";
    return 0;
  }
  if (format != "table") throw Error("--format " + format + " is not a format; use table or json");
  std::vector<std::string> ps_args(args.positional.begin() + 1, args.positional.end());
  if (ps_args.empty()) ps_args = {"-ef"};
  std::istringstream lines(run_ps(ps_args));
  std::string header;
  std::getline(lines, header);
  // The PID column is wherever the header says it is.
  std::istringstream head(header);
  std::string column;
  int pid_column = -1;
  for (int i = 0; head >> column; ++i)
    if (column == "PID") pid_column = i;
  if (pid_column < 0) throw Error("ps " + ps_args.front() + " printed no PID column");
  std::set<pid_t> wanted(pids.begin(), pids.end());
  std::cout << header << "\n";
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i <= pid_column && fields >> field; ++i) {
    }
    try {
      if (wanted.count(std::stoi(field))) std::cout << line << "\n";
    } catch (const std::exception&) {
    }
  }
  return 0;
}

}  // namespace mini::oci
