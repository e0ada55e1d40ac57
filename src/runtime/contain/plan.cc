// The parts of a plan made before clone, where allocating and throwing are fine.
#include <map>

#include "common/error.h"
#include "common/text.h"
#include "runtime/contain/contain.h"

namespace mini::runtime {

void finalize_exec_arrays(ChildPlan& plan) {
  plan.argv.clear();
  for (auto& arg : plan.args) plan.argv.push_back(arg.data());
  plan.argv.push_back(nullptr);
  plan.envp.clear();
  for (auto& entry : plan.env) plan.envp.push_back(entry.data());
  plan.envp.push_back(nullptr);
}

std::vector<std::string> exec_candidates(const std::string& command, const std::vector<std::string>& env) {
  if (command.find('/') != std::string::npos) return {command};
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& entry : env)
    if (entry.rfind("PATH=", 0) == 0) path = entry.substr(5);
  std::vector<std::string> candidates;
  for (const auto& dir : split(path, ':')) candidates.push_back((dir.empty() ? std::string(".") : dir) + "/" + command);
  return candidates;
}

int rlimit_resource(const std::string& name) {
  static const std::map<std::string, int> resources = {
      {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_CPU", RLIMIT_CPU},
      {"RLIMIT_DATA", RLIMIT_DATA},     {"RLIMIT_FSIZE", RLIMIT_FSIZE},       {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_STACK", RLIMIT_STACK},
  };
  auto it = resources.find(name);
  if (it == resources.end()) throw Error("config.json: unknown rlimit " + name);
  return it->second;
}

}  // namespace mini::runtime
