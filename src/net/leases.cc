#include "net/leases.h"

#include <system_error>

#include <nlohmann/json.hpp>

#include "common/process.h"
#include "common/error.h"

namespace mini::net {

namespace {

using nlohmann::json;

json process_json(const ProcessRef& process) { return {{"pid", process.pid}, {"start_time", process.start_time}}; }

ProcessRef process_from_json(const json& doc) {
  return {doc.value("pid", 0), doc.value("start_time", uint64_t(0))};
}

uint32_t address_from_json(const json& doc, const char* key, const std::string& origin) {
  auto address = parse_ipv4(doc.value(key, ""));
  if (!address) throw Error(origin + ": \"" + key + "\" is not an IPv4 address; run `mini system prune`");
  return *address;
}

std::filesystem::path ensure_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("create " + dir.string() + ": " + ec.message());
  return dir;
}

}  // namespace

std::string serialize_leases(const LeaseTable& table) {
  json doc = json::object();
  if (table.subnet) {
    doc["subnet"] = table.subnet->cidr();
    doc["gateway"] = format_ipv4(table.subnet->gateway);
  }
  if (table.last) doc["last"] = format_ipv4(table.last);
  if (!table.rules.empty()) doc["rules"] = table.rules;
  doc["leases"] = json::array();
  for (const auto& lease : table.leases) {
    json ports = json::array();
    for (const auto& port : lease.ports)
      ports.push_back({{"host_ip", port.host_ip},
                       {"host_port", port.host_port},
                       {"container_port", port.container_port},
                       {"protocol", port.protocol}});
    doc["leases"].push_back({{"container_id", lease.container_id},
                             {"name", lease.name},
                             {"hostname", lease.hostname},
                             {"address", format_ipv4(lease.address)},
                             {"veth", lease.veth},
                             {"ports", ports},
                             {"hosts_path", lease.hosts_path},
                             {"owner", process_json(lease.owner)},
                             {"container", process_json(lease.container)}});
  }
  return doc.dump(2) + "\n";
}

LeaseTable parse_leases(std::string_view text, const std::string& origin) {
  LeaseTable table;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return table;
  try {
    json doc = json::parse(text);
    if (doc.contains("subnet")) {
      std::string cidr = doc["subnet"].get<std::string>();
      Subnet subnet = parse_bip(cidr, origin);
      subnet.gateway = address_from_json(doc, "gateway", origin);
      table.subnet = subnet;
    }
    if (doc.contains("last")) table.last = address_from_json(doc, "last", origin);
    table.rules = doc.value("rules", "");
    for (const auto& item : doc.value("leases", json::array())) {
      Lease lease;
      lease.container_id = item.value("container_id", "");
      lease.name = item.value("name", "");
      lease.hostname = item.value("hostname", "");
      lease.address = address_from_json(item, "address", origin);
      lease.veth = item.value("veth", "");
      for (const auto& port : item.value("ports", json::array())) {
        PortMapping mapping;
        mapping.host_ip = port.value("host_ip", "");
        mapping.host_port = port.value("host_port", uint16_t(0));
        mapping.container_port = port.value("container_port", uint16_t(0));
        mapping.protocol = port.value("protocol", "tcp");
        lease.ports.push_back(mapping);
      }
      lease.hosts_path = item.value("hosts_path", "");
      lease.owner = process_from_json(item.value("owner", json::object()));
      lease.container = process_from_json(item.value("container", json::object()));
      table.leases.push_back(std::move(lease));
    }
  } catch (const json::exception& e) {
    throw Error(origin + " is damaged (" + e.what() + "); run `mini system prune` after removing it");
  }
  return table;
}

ProcessRef process_ref(int pid) {
  uint64_t start_time = process_start_time(pid);
  return start_time ? ProcessRef{pid, start_time} : ProcessRef{};
}

bool is_alive(const ProcessRef& process) {
  return process.pid > 0 && process.start_time != 0 && process_start_time(process.pid) == process.start_time;
}

bool lease_alive(const Lease& lease) {
  return is_alive(lease.owner) || is_alive(lease.container);
}

std::string veth_name(const std::string& container_id) { return "veth" + container_id.substr(0, 11); }

LeaseFile::LeaseFile(const std::filesystem::path& dir)
    : path_(ensure_dir(dir) / "leases.json"), lock_(dir / "leases.lock") {
  std::error_code ec;
  if (std::filesystem::exists(path_, ec)) table_ = parse_leases(fsutil::read_file(path_, 16 << 20), path_.string());
}

// No fsync: /run is tmpfs, and a reboot clears the bridge and rules too.
void LeaseFile::save() { fsutil::write_file_atomic(path_, serialize_leases(table_), 0600, false); }

}  // namespace mini::net
