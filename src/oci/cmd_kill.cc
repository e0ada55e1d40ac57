// mini-oci kill [--all] ID [SIGNAL]: SIGNAL as a name (with or without SIG)
// or a number; SIGTERM when not given.
#include <signal.h>
#include <string.h>

#include <cctype>

#include "common/error.h"
#include "oci/context.h"

namespace mini::oci {

namespace {

int parse_signal(std::string text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    int n = std::stoi(text);
    if (n > 0 && n < NSIG) return n;
    throw Error("signal " + text + " is out of range 1-" + std::to_string(NSIG - 1));
  }
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (text.rfind("SIG", 0) == 0) text.erase(0, 3);
  for (int sig = 1; sig < SIGRTMIN; ++sig)
    if (const char* name = ::sigabbrev_np(sig); name && text == name) return sig;
  if (text == "RTMIN") return SIGRTMIN;
  if (text == "RTMAX") return SIGRTMAX;
  for (const char* base : {"RTMIN+", "RTMAX-"}) {
    if (text.rfind(base, 0) != 0) continue;
    int offset = std::atoi(text.c_str() + 6);
    int sig = base[5] == '+' ? SIGRTMIN + offset : SIGRTMAX - offset;
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) return sig;
  }
  throw Error("unknown signal \"" + text + "\"; use a name such as TERM or KILL, or a number");
}

}  // namespace

int cmd_kill(Context& context, const std::vector<std::string>& argv) {
  Args args = parse_args(argv, {{{"all", "a"}, false}, {{"pid", "p"}, true}});
  if (args.positional.empty() || args.positional.size() > 2)
    throw Error("usage: mini-oci kill [--all] ID [SIGNAL]");
  if (args.value("pid")) throw Error("kill --pid is not supported; signal the container, or the process directly");
  int signal = args.positional.size() == 2 ? parse_signal(args.positional[1]) : SIGTERM;
  runtime::kill(context.root, args.positional[0], signal, args.flag("all"));
  return 0;
}

}  // namespace mini::oci
