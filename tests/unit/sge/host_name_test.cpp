// Host-name validation and matching shared by the SGE and Torque adapters.
#include <gtest/gtest.h>

#include "scheduler/sge/host_name.h"

namespace ebbflow::sched {
namespace {

TEST(HostName, AcceptsDnsNames) {
  for (const std::string ok : {"sgenode1", "ip-10-0-0-5", "ip-10-0-0-5.eu-west-1.compute.internal", "a_b", "N1"}) {
    EXPECT_TRUE(validate_host_name(ok).ok()) << ok;
  }
}

TEST(HostName, RejectsAnythingThatCouldChangeACommand) {
  for (const std::string bad : {"", "a b", "a,b", "q@h", "a\"b", "a'b", "a;b", "a|b", "a&b", "$(x)", "`x`",
                                "a>b", "a<b", "a\\b", "a\tb", "a\nb", "-ah", ".x", "a*", "a?", "[a]", "a=b",
                                "a/b", "a+b", "a:b", "h\xc3\xa9"}) {
    Status s = validate_host_name(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().kind, ErrorKind::kInvalidInput);
    EXPECT_EQ(s.error().code, "InvalidHostName");
  }
  EXPECT_FALSE(validate_host_name(std::string(254, 'a')).ok());
  EXPECT_TRUE(validate_host_name(std::string(253, 'a')).ok());
}

TEST(HostName, SameHostComparesShortAndFullNames) {
  EXPECT_TRUE(same_host("ip-1", "ip-1"));
  EXPECT_TRUE(same_host("ip-1.ec2.internal", "ip-1"));
  EXPECT_TRUE(same_host("ip-1", "ip-1.ec2.internal"));
  EXPECT_FALSE(same_host("ip-10", "ip-1"));
  EXPECT_FALSE(same_host("ip-1-2", "ip-1"));
  EXPECT_FALSE(same_host("", "ip-1"));
  EXPECT_EQ(short_host_name("ip-1.ec2.internal"), "ip-1");
  EXPECT_EQ(short_host_name("ip-1"), "ip-1");
}

TEST(HostName, AdmissibleHostsGivesEveryHostOneOutcome) {
  HostUpdateResult result;
  auto ok = admissible_hosts({{"i-1", "n1", 4, 0}, {"i-2", "bad name", 4, 0}, {"i-3", "n1", 4, 0},
                              {"i-4", "n2", 0, 0}, {"i-5", "n3", 2, 0}},
                             /*need_slots=*/true, result);
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(ok[0].hostname, "n1");
  EXPECT_EQ(ok[1].hostname, "n3");
  EXPECT_EQ(result.failed, (std::vector<std::string>{"bad name", "n2"}));
  ASSERT_EQ(result.messages.size(), 2u);
  EXPECT_NE(result.messages[1].find("0 slots"), std::string::npos);
  HostUpdateResult removal;
  EXPECT_EQ(admissible_hosts({{"i-4", "n2", 0, 0}}, /*need_slots=*/false, removal).size(), 1u);
  EXPECT_TRUE(removal.failed.empty());
}

}  // namespace
}  // namespace ebbflow::sched
