// The bridge network as a Docker user meets it: published ports, names,
// --network none and host, and nothing left behind.
//
// Traffic rule: every packet here goes between the host and containers on
// mini0, or between those containers. Names are looked up only after the
// test saw them in the container's /etc/hosts, so no DNS query can leave.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "net/network.h"
#include "common/fs_util.h"
#include "lib/harness.h"
#include "net/nat.h"
#include "net/netlink.h"

namespace mini::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::set<std::string> host_interfaces() {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator("/sys/class/net")) names.insert(entry.path().filename());
  return names;
}

std::string leases_text() {
  try {
    return fsutil::read_file(net::network_state_dir() / "leases.json");
  } catch (const std::exception&) {
    return "";
  }
}

std::string nft_table() { return net::nft_output("list table ip mini"); }

// What the bridge network needs from the kernel; "" when all is there.
std::string missing_kernel_features() {
  std::string config = run_process({"sh", "-c", "zcat /proc/config.gz 2>/dev/null"}).out;
  if (config.empty()) return "";  // no config to read: try, and let the tests say
  std::string missing;
  for (const char* option : {"CONFIG_VETH", "CONFIG_BRIDGE", "CONFIG_NF_TABLES", "CONFIG_NFT_NAT", "CONFIG_NFT_MASQ",
                             "CONFIG_NFT_FIB_IPV4", "CONFIG_NFT_CT"}) {
    std::string name = option;
    if (config.find("\n" + name + "=y") == std::string::npos && config.find("\n" + name + "=m") == std::string::npos)
      missing += " " + name;
  }
  return missing;
}

// GET over plain TCP from the host, so the test needs no HTTP client and
// honours no proxy settings. "" when nothing answered in time.
std::string http_get(const std::string& ip, int port, const std::string& path) {
  std::string cmd = "exec 3<>/dev/tcp/" + ip + "/" + std::to_string(port) +
                    " && printf 'GET " + path + " HTTP/1.0\\r\\n\\r\\n' >&3 && timeout 5 cat <&3";
  Result r = run_process({"timeout", "10", "bash", "-c", cmd});
  auto body = r.out.find("\r\n\r\n");
  return body == std::string::npos ? "" : r.out.substr(body + 4);
}

class NetworkTest : public MiniTest {
 protected:
  void SetUp() override {
    MiniTest::SetUp();
    if (skipped_) return;
    if (std::string missing = missing_kernel_features(); !missing.empty()) {
      skipped_ = true;
      if (in_ci()) FAIL() << "the kernel lacks" << missing;
      GTEST_SKIP() << "the kernel lacks" << missing;
    }
    import_busybox();
  }
  void TearDown() override {
    if (!skipped_)
      for (const auto& id : lines_of(mini({"ps", "-aq"}).out)) mini({"rm", "-f", id});
    MiniTest::TearDown();
  }
  std::string detached(std::vector<std::string> args) {
    args.insert(args.begin(), {"run", "-d"});
    Result r = mini(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }
  nlohmann::json inspect(const std::string& name) {
    Result r = mini({"inspect", name});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out).at(0);
  }
  // httpd starts a moment after `run -d` returns.
  std::string fetch_until(const std::string& ip, int port, const std::string& path, const std::string& want) {
    std::string got;
    for (int i = 0; i < 50 && got != want; ++i) {
      got = http_get(ip, port, path);
      if (got != want) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return got;
  }
};

TEST_F(NetworkTest, PublishedPortAnswersOnHostLoopback) {
  if (skipped_) return;
  std::string id = detached({"--name", "web", "-p", "127.0.0.1:18080:80", "bb", "httpd", "-f", "-p", "80", "-h",
                             "/etc"});
  ASSERT_EQ(id.size(), 64u);
  std::string hostname = id.substr(0, 12) + "\n";
  EXPECT_EQ(fetch_until("127.0.0.1", 18080, "/hostname", hostname), hostname);
  Result curl = run_process({"curl", "-s", "--noproxy", "*", "--max-time", "5", "http://127.0.0.1:18080/hostname"});
  EXPECT_EQ(curl.out, hostname) << curl.err;

  auto settings = inspect("web")["NetworkSettings"];
  std::string ip = settings["IPAddress"];
  ASSERT_FALSE(ip.empty());
  EXPECT_EQ(http_get(ip, 80, "/hostname"), hostname) << "the host reaches the container's own address";
  EXPECT_THAT(nft_table(), HasSubstr("dport 18080 dnat to " + ip + ":80 comment \"" + id + "\""));
  EXPECT_THAT(mini({"ps"}).out, HasSubstr("127.0.0.1:18080->80/tcp"));

  Result taken = mini({"run", "--rm", "-p", "127.0.0.1:18080:80", "bb", "true"});
  EXPECT_EQ(taken.exit_code, 125);
  EXPECT_THAT(taken.err, HasSubstr("port is already allocated"));
}

TEST_F(NetworkTest, ContainersReachEachOtherByNameAndThroughPublishedPorts) {
  if (skipped_) return;
  std::string early = detached({"--name", "early", "bb", "sleep", "60"});
  std::string web = detached({"--name", "web", "-p", "18081:80", "bb", "httpd", "-f", "-p", "80", "-h", "/etc"});
  std::string hostname = web.substr(0, 12) + "\n";
  ASSERT_EQ(fetch_until("127.0.0.1", 18081, "/hostname", hostname), hostname);

  // Only names /etc/hosts knows are looked up (see the traffic rule above).
  Result by_name = mini({"run", "--rm", "bb", "sh", "-c",
                         "grep -qw web /etc/hosts || exit 3; wget -qO- http://web/hostname"});
  EXPECT_EQ(by_name.exit_code, 0) << by_name.err;
  EXPECT_EQ(by_name.out, hostname);

  std::string ip = inspect("web")["NetworkSettings"]["IPAddress"];
  Result by_ip = mini({"run", "--rm", "bb", "wget", "-qO-", "http://" + ip + "/hostname"});
  EXPECT_EQ(by_ip.out, hostname) << by_ip.err;

  // A container started before web learns its name too.
  Result hosts = mini({"exec", "early", "cat", "/etc/hosts"});
  EXPECT_THAT(hosts.out, HasSubstr(ip + "\tweb"));

  // Through the published port on the gateway, DNATed back into the bridge.
  Result hairpin = mini({"run", "--rm", "bb", "sh", "-c",
                         "wget -qO- http://$(ip route | awk '/default/ {print $3}'):18081/hostname"});
  EXPECT_EQ(hairpin.out, hostname) << hairpin.err;

  EXPECT_EQ(mini({"rm", "-f", "web"}).exit_code, 0);
  EXPECT_THAT(mini({"exec", "early", "cat", "/etc/hosts"}).out, Not(HasSubstr("\tweb")));
}

TEST_F(NetworkTest, BridgeNoneAndHost) {
  if (skipped_) return;
  Result bridge = mini({"run", "--rm", "bb", "sh", "-c", "ls /sys/class/net; ip route"});
  EXPECT_EQ(bridge.exit_code, 0) << bridge.err;
  EXPECT_THAT(bridge.out, HasSubstr("eth0\nlo\n"));
  EXPECT_THAT(bridge.out, HasSubstr("default via "));

  Result none = mini({"run", "--rm", "--network", "none", "bb", "ls", "/sys/class/net"});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "lo\n");

  // The bridge run's veth pair may still be on its way out (the kernel
  // deletes it after the namespace): any interface the host had around the
  // run counts as the host's.
  std::set<std::string> host_before = host_interfaces();
  Result host = mini({"run", "--rm", "--network", "host", "bb", "sh", "-c", "ls /sys/class/net; hostname"});
  EXPECT_EQ(host.exit_code, 0) << host.err;
  std::set<std::string> host_around = host_interfaces();
  host_around.insert(host_before.begin(), host_before.end());
  std::set<std::string> seen;
  auto lines = lines_of(host.out);
  for (size_t i = 0; i + 1 < lines.size(); ++i) seen.insert(lines[i]);
  EXPECT_TRUE(seen.count("lo"));
  for (const auto& name : seen) EXPECT_TRUE(host_around.count(name)) << name << " is not the host's";
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  EXPECT_EQ(lines.empty() ? "" : lines.back(), std::string(name));

  Result bad = mini({"run", "--rm", "--network", "nope", "bb", "true"});
  EXPECT_EQ(bad.exit_code, 125);
  EXPECT_THAT(bad.err, HasSubstr("use --network bridge, host, none, slirp4netns or pasta"));
  Result discarded = mini({"run", "--rm", "--network", "none", "-p", "8080:80", "bb", "true"});
  EXPECT_EQ(discarded.exit_code, 0);
  EXPECT_THAT(discarded.err, HasSubstr("Published ports are discarded"));
}

TEST_F(NetworkTest, TwentyRunsLeaveNoInterfaceRuleLeaseMountOrCgroup) {
  if (skipped_) return;
  std::vector<std::string> prefixes;  // hostname = the ID's first 12 digits
  for (int i = 0; i < 20; ++i) {
    bool remove = i % 2 == 0;
    std::vector<std::string> args = {"run", "--name", "cycle" + std::to_string(i), "-p", "127.0.0.1::80"};
    if (remove) args.push_back("--rm");
    args.insert(args.end(), {"bb", "hostname"});
    Result r = mini(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    prefixes.push_back(r.out.substr(0, 12));
    ASSERT_EQ(prefixes.back().size(), 12u) << r.out;
    if (!remove) {
      ASSERT_EQ(mini({"rm", "cycle" + std::to_string(i)}).exit_code, 0);
    }
  }
  std::set<std::string> interfaces = host_interfaces();
  std::string leases = leases_text(), rules = nft_table();
  for (const auto& prefix : prefixes) {
    EXPECT_FALSE(interfaces.count("veth" + prefix.substr(0, 11))) << prefix;
    EXPECT_THAT(leases, Not(HasSubstr(prefix)));
    EXPECT_THAT(rules, Not(HasSubstr(prefix)));
    for (const char* cgroups : {"/sys/fs/cgroup/mini", "/sys/fs/cgroup/memory/mini", "/sys/fs/cgroup/pids/mini"}) {
      if (!fs::exists(cgroups)) continue;
      for (const auto& entry : fs::directory_iterator(cgroups))
        EXPECT_NE(entry.path().filename().string().rfind(prefix, 0), 0u) << entry.path();
    }
  }
  EXPECT_TRUE(fs::is_empty(root_ / "containers"));
  EXPECT_EQ(mounts_under(root_), std::vector<std::string>{});
}

TEST_F(NetworkTest, PruneReleasesWhatACrashLeft) {
  if (skipped_) return;
  std::string id = detached({"--name", "victim", "-p", "127.0.0.1::80", "bb", "sleep", "60"});
  auto state = nlohmann::json::parse(fsutil::read_file(root_ / "containers" / id / "state.json"));
  int monitor = state.value("monitor_pid", 0), pid = state.value("pid", 0);
  ASSERT_GT(monitor, 0);
  ASSERT_GT(pid, 0);
  // Nobody is left to release anything.
  kill(monitor, SIGKILL);
  kill(pid, SIGKILL);
  for (int i = 0; i < 100 && kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_THAT(leases_text(), HasSubstr(id));
  EXPECT_THAT(nft_table(), HasSubstr(id));

  // A pair whose run died before attaching it.
  std::string stray = "veth" + std::string(11, 'e');
  {
    fsutil::UniqueFd self(open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    net::Netlink netlink;
    netlink.create_veth(stray, "mini-test-peer", self.get());
  }
  ASSERT_TRUE(host_interfaces().count(stray));

  Result prune = mini({"system", "prune"});
  EXPECT_EQ(prune.exit_code, 0) << prune.err;
  EXPECT_THAT(prune.out, HasSubstr(id));
  EXPECT_THAT(prune.out, HasSubstr(stray));
  EXPECT_THAT(leases_text(), Not(HasSubstr(id)));
  EXPECT_THAT(nft_table(), Not(HasSubstr(id)));
  EXPECT_FALSE(host_interfaces().count(stray));
  EXPECT_FALSE(host_interfaces().count("mini-test-peer"));
  EXPECT_FALSE(host_interfaces().count("veth" + id.substr(0, 11)));

  Result containers = mini({"system", "prune", "--containers"});
  EXPECT_EQ(containers.exit_code, 0) << containers.err;
  EXPECT_THAT(containers.out, HasSubstr("Deleted Containers:\n" + id));
  EXPECT_TRUE(fs::is_empty(root_ / "containers"));
}

}  // namespace
}  // namespace mini::test
