#include "cloud/address_pool.h"

#include <gtest/gtest.h>

#include <set>

namespace ebbflow::cloud {
namespace {

TEST(AddressPool, RejectsPoolsOutsideLoopback) {
  EXPECT_FALSE(AddressPool::parse("10.0.0.0/16").ok());
  EXPECT_FALSE(AddressPool::parse("127.77.0.0").ok());
  EXPECT_FALSE(AddressPool::parse("127.77.0.0/31").ok());
  EXPECT_FALSE(AddressPool::parse("127.300.0.0/16").ok());
  auto p = AddressPool::parse("127.77.3.9/16");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->cidr(), "127.77.0.0/16");
}

TEST(AddressPool, SkipsReservedHostPartsAndLiveAddresses) {
  auto pool = AddressPool::parse("127.77.0.0/23");
  ASSERT_TRUE(pool.ok());
  std::set<std::string> live = {"127.77.0.3"};
  auto in_use = [&](const std::string& ip) { return live.count(ip) > 0; };
  EXPECT_EQ(*pool->allocate(in_use), "127.77.0.2");
  live.insert("127.77.0.2");
  EXPECT_EQ(*pool->allocate(in_use), "127.77.0.4");  // .3 is live
  live.insert("127.77.0.4");
  std::set<std::string> seen;
  for (int i = 0; i < 600; ++i) {
    auto ip = pool->allocate(in_use);
    if (!ip.ok()) break;
    auto last = ip->substr(ip->rfind('.') + 1);
    EXPECT_NE(last, "0");
    EXPECT_NE(last, "1");
    EXPECT_NE(last, "255");
    live.insert(*ip);
    seen.insert(*ip);
  }
  // 512 addresses minus .0/.1/.255 of each /24 = 506; .3 was live, two were handed out before.
  EXPECT_EQ(seen.size(), 506u - 3u);
  auto full = pool->allocate(in_use);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, "InsufficientAddressCapacity");
}

TEST(AddressPool, DoesNotReuseARecentlyFreedAddressFirst) {
  auto pool = AddressPool::parse("127.77.0.0/24");
  ASSERT_TRUE(pool.ok());
  std::set<std::string> live;
  auto in_use = [&](const std::string& ip) { return live.count(ip) > 0; };
  auto a = *pool->allocate(in_use);
  live.insert(a);
  live.erase(a);  // freed at once
  auto b = *pool->allocate(in_use);
  EXPECT_NE(a, b);
}

TEST(AddressPool, NoteUsedMovesTheCursorPastReloadedInstances) {
  auto pool = AddressPool::parse("127.77.0.0/16");
  ASSERT_TRUE(pool.ok());
  pool->note_used("127.77.0.40");
  pool->note_used("127.77.0.7");
  EXPECT_EQ(*pool->allocate([](const std::string&) { return false; }), "127.77.0.41");
}

}  // namespace
}  // namespace ebbflow::cloud
