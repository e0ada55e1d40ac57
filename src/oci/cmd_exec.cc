// mini-oci exec [flags] ID COMMAND [ARG...] | exec --process FILE ID:
// another process in a running container. Without --process the container's
// own process (its env, capabilities, rlimits, user) is the template, as in
// runc, and the flags change it.
#include <unistd.h>

#include <cctype>

#include "common/error.h"
#include "common/fs_util.h"
#include "oci/context.h"

namespace mini::oci {

namespace {

uint32_t parse_id(const std::string& text, const char* what) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
    throw Error(std::string("--") + what + " " + text + " must be numeric (uid[:gid]); names are not looked up");
  unsigned long value = std::stoul(text);
  if (value > 2147483647UL) throw Error(std::string("--") + what + " " + text + " is out of range");
  return static_cast<uint32_t>(value);
}

runtime::Process process_from_flags(const Args& args, const runtime::Spec& spec) {
  runtime::Process process = spec.process;
  process.args.assign(args.positional.begin() + 1, args.positional.end());
  if (process.args.empty()) throw Error("exec needs a command (or --process FILE); usage: mini-oci exec ID COMMAND [ARG...]");
  process.terminal = args.flag("tty");
  for (const auto& env : args.all("env")) {
    auto key = env.substr(0, env.find('='));
    std::erase_if(process.env, [&](const std::string& e) { return e.substr(0, e.find('=')) == key; });
    process.env.push_back(env);
  }
  if (auto cwd = args.value("cwd")) process.cwd = *cwd;
  if (auto user = args.value("user")) {
    auto colon = user->find(':');
    process.uid = parse_id(user->substr(0, colon), "user");
    if (colon != std::string::npos) process.gid = parse_id(user->substr(colon + 1), "user");
  }
  for (const auto& gid : args.all("additional-gids")) process.additional_gids.push_back(parse_id(gid, "additional-gids"));
  if (args.flag("no-new-privs")) process.no_new_privileges = true;
  for (const auto& cap : args.all("cap")) {
    if (!process.capabilities) process.capabilities.emplace();
    for (auto* set : {&process.capabilities->bounding, &process.capabilities->effective, &process.capabilities->permitted})
      set->push_back(cap);
  }
  return process;
}

}  // namespace

int cmd_exec(Context& context, const std::vector<std::string>& argv) {
  Args args = parse_args(argv,
                         {{{"console-socket"}, true}, {{"cwd"}, true},           {{"env", "e"}, true},
                          {{"tty", "t"}, false},      {{"user", "u"}, true},     {{"additional-gids", "g"}, true},
                          {{"process", "p"}, true},   {{"detach", "d"}, false},  {{"pid-file"}, true},
                          {{"process-label"}, true},  {{"apparmor"}, true},      {{"no-new-privs"}, false},
                          {{"cap", "c"}, true},       {{"preserve-fds"}, true},  {{"cgroup"}, true},
                          {{"ignore-paused"}, false}, {{"no-subreaper"}, false}},
                         true);
  if (args.positional.empty()) throw Error("usage: mini-oci exec [flags] ID COMMAND [ARG...]");
  std::string id = args.positional.front();
  if (auto label = args.value("process-label"); label && !label->empty())
    throw Error("exec --process-label asks for SELinux, which this runtime does not apply; remove it");
  if (auto profile = args.value("apparmor"); profile && !profile->empty())
    throw Error("exec --apparmor asks for AppArmor, which this runtime does not apply; remove it");
  if (auto cgroup = args.value("cgroup"); cgroup && !cgroup->empty())
    throw Error("exec --cgroup is not supported: the process joins the container's own cgroups");
  runtime::Process process;
  if (auto file = args.value("process")) {
    if (args.positional.size() > 1) throw Error("exec --process FILE takes no command arguments");
    std::string text = fsutil::read_file(*file, 16 << 20);
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw Error("--process " + *file + " is not valid JSON: " + e.what());
    }
    process = runtime::parse_process_object(doc);
  } else {
    process = process_from_flags(args, runtime::container_spec(context.root, id));
  }
  auto console = args.value("console-socket");
  if (process.terminal && !console && args.flag("detach"))
    throw Error("a terminal for a detached exec needs --console-socket to hand it to");
  if (!process.terminal && console)
    throw Error("--console-socket is given but the process has no terminal (--tty)");
  runtime::ExecOptions options;
  options.detach = args.flag("detach");
  std::error_code ec;
  if (auto pid_file = args.value("pid-file")) options.pid_file = std::filesystem::absolute(*pid_file, ec);
  if (auto fds = args.value("preserve-fds")) options.preserve_fds = static_cast<unsigned>(std::stoul(*fds));
  if (console) options.on_console = [&](fsutil::UniqueFd master) { send_console(*console, master.get()); };
  runtime::Execed execed = runtime::exec(context.root, id, process, options);
  return options.detach ? 0 : execed.result.exit_code;
}

}  // namespace mini::oci
