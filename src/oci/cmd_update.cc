// mini-oci update [--resources FILE|-] [--memory N ...] ID: new limits for
// a container, as a linux.resources document or runc's single-value flags.
#include <unistd.h>

#include <cctype>
#include <iostream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fs_util.h"
#include "oci/context.h"

namespace mini::oci {

namespace {

using nlohmann::json;

// "32m", "1G", "1024": as runc's units.RAMInBytes (binary units); -1 too.
int64_t parse_bytes(const std::string& text, const std::string& flag) {
  if (text == "-1") return -1;
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw Error("--" + flag + " " + text + " is not a size (e.g. 512m, 1g)");
  }
  std::string unit = text.substr(used);
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!unit.empty() && unit.back() == 'b' && unit != "b") unit.pop_back();
  int64_t scale = unit.empty() || unit == "b" ? 1
                  : unit == "k"             ? 1LL << 10
                  : unit == "m"             ? 1LL << 20
                  : unit == "g"             ? 1LL << 30
                  : unit == "t"             ? 1LL << 40
                                            : 0;
  if (scale == 0 || value < 0) throw Error("--" + flag + " " + text + " is not a size (e.g. 512m, 1g)");
  return static_cast<int64_t>(value * static_cast<double>(scale));
}

int64_t parse_int(const std::string& text, const std::string& flag) {
  try {
    size_t used = 0;
    long long value = std::stoll(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  throw Error("--" + flag + " " + text + " is not a number");
}

}  // namespace

int cmd_update(Context& context, const std::vector<std::string>& argv) {
  Args args = parse_args(argv, {{{"resources", "r"}, true},   {{"blkio-weight"}, true},     {{"cpu-period"}, true},
                                {{"cpu-quota"}, true},        {{"cpu-rt-period"}, true},    {{"cpu-rt-runtime"}, true},
                                {{"cpu-share"}, true},        {{"cpuset-cpus"}, true},      {{"cpuset-mems"}, true},
                                {{"memory"}, true},           {{"memory-reservation"}, true}, {{"memory-swap"}, true},
                                {{"pids-limit"}, true},       {{"kernel-memory"}, true},    {{"kernel-memory-tcp"}, true},
                                {{"l3-cache-schema"}, true},  {{"mem-bw-schema"}, true}});
  std::string id = one_id(args, "update [--resources FILE|-] [--memory N] ... ID");
  json resources = json::object();
  if (auto file = args.value("resources")) {
    std::string text;
    if (*file == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      text = fsutil::read_file(*file, 16 << 20);
    }
    try {
      resources = json::parse(text);
    } catch (const json::exception& e) {
      throw Error("--resources: not valid JSON: " + std::string(e.what()));
    }
    if (!resources.is_object()) throw Error("--resources must be a linux.resources JSON object");
  }
  for (const char* flag : {"l3-cache-schema", "mem-bw-schema"})
    if (args.value(flag)) throw Error(std::string("--") + flag + " needs Intel RDT, which this runtime does not support");
  auto set = [&](const char* flag, const char* group, const char* key, bool bytes) {
    if (auto value = args.value(flag)) resources[group][key] = bytes ? parse_bytes(*value, flag) : parse_int(*value, flag);
  };
  set("blkio-weight", "blockIO", "weight", false);
  set("cpu-period", "cpu", "period", false);
  set("cpu-quota", "cpu", "quota", false);
  set("cpu-rt-period", "cpu", "realtimePeriod", false);
  set("cpu-rt-runtime", "cpu", "realtimeRuntime", false);
  set("cpu-share", "cpu", "shares", false);
  set("memory", "memory", "limit", true);
  set("memory-reservation", "memory", "reservation", true);
  set("memory-swap", "memory", "swap", true);
  set("kernel-memory", "memory", "kernel", true);
  set("kernel-memory-tcp", "memory", "kernelTCP", true);
  set("pids-limit", "pids", "limit", false);
  if (auto cpus = args.value("cpuset-cpus")) resources["cpu"]["cpus"] = *cpus;
  if (auto mems = args.value("cpuset-mems")) resources["cpu"]["mems"] = *mems;
  runtime::update(context.root, id, resources);
  return 0;
}

}  // namespace mini::oci
