// The SGE cell's pure parts, without root or a qmaster: configuration texts, the namespace
// argv, host-name validation, and the in-place hosts-file edits (same inode, lines never move).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "daemons/sge/cell_config.h"
#include "daemons/sge/exec_host.h"
#include "daemons/sge/sge_cell.h"
#include "daemons/sge/sge_internal.h"

namespace ebbflow::daemons::sge {
namespace {

TEST(SgeCellConfig, OverrideKeysReplacesKeepsAndAppends) {
  std::string in = "# comment min_uid 5\nmin_uid                1000\nmailer /usr/bin/mail\n";
  std::string out = override_keys(in, {{"min_uid", "0"}, {"max_unheard", "00:00:30"}});
  EXPECT_EQ(out, "# comment min_uid 5\nmin_uid 0\nmailer /usr/bin/mail\nmax_unheard 00:00:30\n");
}

TEST(SgeCellConfig, GlobalConfHasTheSimulationSettings) {
  std::string debian = "execd_spool_dir        /var/spool/gridengine/execd\nmin_uid 1000\nmin_gid 1000\n"
                       "load_report_time 00:00:40\nmax_unheard 00:05:00\n";
  std::string out = render_global_conf(debian, "/c/sge/execd");
  EXPECT_NE(out.find("execd_spool_dir /c/sge/execd\n"), std::string::npos);
  EXPECT_NE(out.find("min_uid 0\n"), std::string::npos);
  EXPECT_NE(out.find("min_gid 0\n"), std::string::npos);
  EXPECT_NE(out.find("max_unheard 00:00:30\n"), std::string::npos);
  EXPECT_EQ(out.find("/var/spool/gridengine"), std::string::npos);
}

TEST(SgeCellConfig, BootstrapUsesClassicSpoolingInTheGivenFolders) {
  std::string b = render_bootstrap("/var/lib/gridengine/ebf-1/common", "/c/sge/qmaster");
  EXPECT_NE(b.find("spooling_method         classic\n"), std::string::npos);
  EXPECT_NE(b.find("spooling_params         /var/lib/gridengine/ebf-1/common;/c/sge/qmaster\n"), std::string::npos);
  EXPECT_NE(b.find("qmaster_spool_dir       /c/sge/qmaster\n"), std::string::npos);
}

TEST(SgeCellConfig, QueueAndSchedulerSettings) {
  std::string q = render_queue();
  EXPECT_NE(q.find("hostlist              @allhosts\n"), std::string::npos);
  EXPECT_NE(q.find("load_thresholds       NONE\n"), std::string::npos);
  EXPECT_NE(q.find("slots                 1\n"), std::string::npos);
  std::string s = render_sched_conf("algorithm default\nschedule_interval 0:0:15\nflush_submit_sec 0\n");
  EXPECT_NE(s.find("schedule_interval 0:0:1\n"), std::string::npos);
  EXPECT_NE(s.find("flush_submit_sec 1\n"), std::string::npos);
  EXPECT_NE(s.find("flush_finish_sec 1\n"), std::string::npos);
}

TEST(SgeCell, NamespaceArgvPassesValuesAsPositionalParameters) {
  auto argv = in_namespace("ebf-1-master", "/c/sge/hosts", "sgemaster", {"/usr/lib/gridengine/qstat", "-u", "*; rm"});
  ASSERT_GE(argv.size(), 16u);
  EXPECT_EQ(argv[0], "/usr/sbin/ip");
  EXPECT_EQ(argv[3], "ebf-1-master");
  EXPECT_EQ(argv[8], "-c");
  EXPECT_EQ(argv[9].find("/c/sge/hosts"), std::string::npos);  // the script never holds a value
  EXPECT_EQ(argv[11], "/c/sge/hosts");
  EXPECT_EQ(argv[12], "sgemaster");
  EXPECT_EQ(argv.back(), "*; rm");
}

TEST(SgeCell, CellNameIsStablePerFolder) {
  ClusterPaths a{"/tmp/x/clusters/a"}, b{"/tmp/x/clusters/b"};
  EXPECT_EQ(cell_name_for(a), cell_name_for(a));
  EXPECT_NE(cell_name_for(a), cell_name_for(b));
  EXPECT_EQ(cell_name_for(a).size(), 12u);
  EXPECT_EQ(cell_name_for(a).rfind("ebf-", 0), 0u);
}

TEST(SgeCell, ExecHostNames) {
  EXPECT_TRUE(valid_exec_hostname("ip-10-0-0-12"));
  EXPECT_TRUE(valid_exec_hostname("node1"));
  EXPECT_FALSE(valid_exec_hostname(""));
  EXPECT_FALSE(valid_exec_hostname("-x"));
  EXPECT_FALSE(valid_exec_hostname("a b"));
  EXPECT_FALSE(valid_exec_hostname("../etc"));
  EXPECT_FALSE(valid_exec_hostname(kMasterHostname));
  EXPECT_FALSE(valid_exec_hostname("localhost"));
}

TEST(SgeHostsFile, AppendAndBlankKeepInodeAndOffsets) {
  char tmpl[] = "/tmp/ef-sgehosts-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  std::string path = tmpl;
  { std::ofstream(path) << "127.0.0.1 localhost\n10.9.0.1 sgemaster\n"; }
  struct stat before{};
  stat(path.c_str(), &before);
  ASSERT_TRUE(detail::hosts_append(path, "10.9.0.2", "node1").ok());
  ASSERT_TRUE(detail::hosts_append(path, "10.9.0.3", "node10").ok());
  std::string grown = detail::read_text(path);
  ASSERT_TRUE(detail::hosts_blank(path, "node1").ok());
  std::string after = detail::read_text(path);
  struct stat st{};
  stat(path.c_str(), &st);
  EXPECT_EQ(st.st_ino, before.st_ino);
  EXPECT_EQ(after.size(), grown.size());
  EXPECT_EQ(after.find(" node1\n"), std::string::npos);
  EXPECT_NE(after.find("10.9.0.3 node10\n"), std::string::npos);  // a longer name is not touched
  EXPECT_EQ(after.find("10.9.0.3 node10\n"), grown.find("10.9.0.3 node10\n"));
  EXPECT_TRUE(detail::hosts_blank(path, "nosuch").ok());
  EXPECT_EQ(detail::read_text(path), after);
  unlink(path.c_str());
}

}  // namespace
}  // namespace ebbflow::daemons::sge
