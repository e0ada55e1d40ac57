// /etc/hosts on the bridge, and the lease table that feeds it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "net/etc_files.h"
#include "net/leases.h"
#include "common/error.h"
#include "common/fs_util.h"

namespace mini::net {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(NetHosts, WithoutANetworkTheHostnameIsLocal) {
  std::string hosts = hosts_file("box");
  EXPECT_THAT(hosts, HasSubstr("127.0.0.1\tlocalhost\n"));
  EXPECT_THAT(hosts, HasSubstr("127.0.1.1\tbox\n"));
}

TEST(NetHosts, OnTheBridgeOwnAddressFirstThenPeersByName) {
  std::string hosts = hosts_file("3f2a9c0d1e4b", {{"10.88.0.3", {"3f2a9c0d1e4b", "client"}},
                                                  {"10.88.0.2", {"web", "aaaaaaaaaaaa"}},
                                                  {"10.88.0.4", {"db", "db", ""}}});
  EXPECT_THAT(hosts, Not(HasSubstr("127.0.1.1")));
  EXPECT_THAT(hosts, HasSubstr("127.0.0.1\tlocalhost\n"));
  EXPECT_THAT(hosts, HasSubstr("\n10.88.0.3\t3f2a9c0d1e4b client\n10.88.0.2\tweb aaaaaaaaaaaa\n10.88.0.4\tdb\n"));
}

Lease sample() {
  Lease lease;
  lease.container_id = std::string(64, 'a');
  lease.name = "web";
  lease.hostname = "aaaaaaaaaaaa";
  lease.address = *parse_ipv4("10.88.0.2");
  lease.veth = veth_name(lease.container_id);
  lease.ports = {{"127.0.0.1", 18080, 80, "tcp"}};
  lease.hosts_path = "/var/lib/mini/containers/x/hosts";
  lease.owner = {123, 456};
  lease.container = {789, 1011};
  return lease;
}

TEST(NetLeases, RoundTrip) {
  LeaseTable table;
  table.subnet = parse_bip("10.88.0.1/16", "c");
  table.last = *parse_ipv4("10.88.0.2");
  table.leases = {sample()};
  table.rules = "table ip mini\ndelete table ip mini\n";
  LeaseTable back = parse_leases(serialize_leases(table), "leases.json");
  EXPECT_EQ(back.rules, table.rules);
  ASSERT_TRUE(back.subnet);
  EXPECT_EQ(*back.subnet, *table.subnet);
  EXPECT_EQ(back.last, table.last);
  ASSERT_EQ(back.leases.size(), 1u);
  const Lease& lease = back.leases[0];
  EXPECT_EQ(lease.container_id, sample().container_id);
  EXPECT_EQ(lease.name, "web");
  EXPECT_EQ(lease.address, sample().address);
  EXPECT_EQ(lease.veth, "vethaaaaaaaaaaa");
  EXPECT_EQ(lease.ports, sample().ports);
  EXPECT_EQ(lease.hosts_path, sample().hosts_path);
  EXPECT_EQ(lease.owner, (ProcessRef{123, 456}));
  EXPECT_EQ(lease.container, (ProcessRef{789, 1011}));
}

TEST(NetLeases, EmptyAndDamagedFiles) {
  EXPECT_TRUE(parse_leases("", "f").leases.empty());
  EXPECT_FALSE(parse_leases("\n", "f").subnet);
  EXPECT_THROW(parse_leases("{", "f"), Error);
  EXPECT_THROW(parse_leases(R"({"leases":[{"address":"x"}]})", "f"), Error);
}

TEST(NetLeases, VethNamesFitIfnamsiz) {
  std::string name = veth_name("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  EXPECT_EQ(name, "veth0123456789a");
  EXPECT_EQ(name.size(), 15u);
}

TEST(NetLeases, LivenessFollowsOwnerOrContainerByStartTime) {
  Lease lease = sample();
  lease.owner = process_ref(::getpid());
  lease.container = {};
  EXPECT_NE(lease.owner.start_time, 0u);
  EXPECT_TRUE(lease_alive(lease));
  // The same PID with another start time is someone else.
  lease.owner.start_time += 1;
  EXPECT_FALSE(lease_alive(lease));
  lease.container = process_ref(::getpid());
  EXPECT_TRUE(lease_alive(lease));
  lease.container = {};
  lease.owner = {};
  EXPECT_FALSE(lease_alive(lease));
}

TEST(NetLeases, FileIsLockedAndSavedAtomically) {
  auto dir = std::filesystem::temp_directory_path() / ("mini-net-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    LeaseFile file(dir / "network");
    EXPECT_TRUE(file.table().leases.empty());
    file.table().leases.push_back(sample());
    file.save();
  }
  {
    LeaseFile file(dir / "network");
    ASSERT_EQ(file.table().leases.size(), 1u);
    EXPECT_EQ(file.table().leases[0].name, "web");
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "network" / "leases.lock"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mini::net
