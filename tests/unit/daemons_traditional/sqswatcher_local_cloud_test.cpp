// sqswatcher against the local cloud's real SQS and DynamoDB services (the same QueueService and
// TableService `ebbflow cloud serve` runs), reached through ebbflow's real SqsClient and
// DynamoDbClient; only the socket is replaced, by an HttpClient that hands each request to the
// service it names (X-Amz-Target), at a virtual time. This is issue #4's "a message whose
// visibility timeout expires is delivered again and handled once", with the real queue
// semantics (redelivery, new receipt handle, receive count) rather than a fake queue.
#include <gtest/gtest.h>

#include <strings.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "aws/dynamodb.h"
#include "aws/sqs.h"
#include "cloud/queue_service.h"
#include "cloud/table_service.h"
#include "daemons/traditional/sqswatcher.h"
#include "fakes.h"

namespace ebbflow::daemons {
namespace {

using nlohmann::json;
constexpr int64_t T0 = 1'800'000'000;

// Routes a signed JSON-protocol request to the service its X-Amz-Target names.
class LocalCloudHttp : public aws::HttpClient {
 public:
  LocalCloudHttp(cloud::QueueService& sqs, cloud::TableService& ddb, const int64_t* now, const bool* drop_deletes)
      : sqs_(sqs), ddb_(ddb), now_(now), drop_deletes_(drop_deletes) {}
  Result<aws::HttpResponse> send(const aws::HttpRequest& req) override {
    std::string target;
    for (const auto& [k, v] : req.headers)
      if (strcasecmp(k.c_str(), "X-Amz-Target") == 0) target = v;
    auto dot = target.find('.');
    if (dot == std::string::npos) return make_error(ErrorKind::kInternal, "NoTarget", "request without X-Amz-Target");
    std::string prefix = target.substr(0, dot), op = target.substr(dot + 1);
    // A lost DeleteMessage: the request never reaches SQS (as when the consumer dies first).
    if (*drop_deletes_ && prefix == "AmazonSQS" && op.rfind("DeleteMessage", 0) == 0)
      return make_error(ErrorKind::kUnavailable, "ConnectionFailed", "connection reset (test)");
    json body = json::parse(req.body);
    cloud::JsonReply r = prefix == "AmazonSQS" ? sqs_.handle(op, body, *now_ * 1000) : ddb_.handle(op, body, *now_);
    aws::HttpResponse out;
    out.status = r.http_status;
    out.body = r.body.dump();
    for (auto [k, v] : r.headers) {
      for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.emplace_back(k, v);
    }
    return out;
  }

 private:
  cloud::QueueService& sqs_;
  cloud::TableService& ddb_;
  const int64_t* now_;
  const bool* drop_deletes_;
};

std::string ready_message(const std::string& id, const std::string& host) {
  json inner = {{"Event", "parallelcluster:COMPUTE_READY"}, {"EC2InstanceId", id}, {"Slots", "4"},
                {"LocalHostname", host + ".ec2.internal"}, {"EC2InstanceType", "c5.xlarge"}};
  return json{{"Type", "Notification"}, {"Message", inner.dump()}}.dump();
}

struct LocalCloudRig {
  int64_t now = T0;
  bool drop_deletes = false;
  std::string dir;
  std::unique_ptr<cloud::QueueService> queues;
  std::unique_ptr<cloud::TableService> tables;
  std::unique_ptr<aws::SqsClient> sqs;
  std::unique_ptr<aws::DynamoDbClient> ddb;
  testing::FakeScheduler sched;
  testing::TempEventLog log;
  std::string queue_url;

  LocalCloudRig() {
    char tmpl[] = "/tmp/ebbflow-sqsw-XXXXXX";
    dir = ::mkdtemp(tmpl);
    auto q = cloud::QueueService::open({dir + "/sqs.db", "http://local.test", "us-east-1", {}});
    auto t = cloud::TableService::open({dir + "/dynamodb.db", "us-east-1"});
    if (!q.ok() || !t.ok()) throw std::runtime_error("cannot open the local cloud's SQS/DynamoDB services");
    queues = std::move(*q);
    tables = std::move(*t);
    aws::ClientConfig config;
    config.endpoint = "http://local.test";
    config.region = "us-east-1";
    config.credentials = {"AKIDEXAMPLE", "secret", ""};
    aws::AwsClientHooks hooks;
    hooks.now = [this] { return now; };
    hooks.sleep = [](std::chrono::milliseconds) {};
    hooks.random = [] { return 0.0; };
    sqs = std::make_unique<aws::SqsClient>(config, std::make_unique<LocalCloudHttp>(*queues, *tables, &now, &drop_deletes),
                                           hooks);
    ddb = std::make_unique<aws::DynamoDbClient>(
        config, std::make_unique<LocalCloudHttp>(*queues, *tables, &now, &drop_deletes), hooks);
    auto url = sqs->create_queue("c-events", {{"VisibilityTimeout", "60"}});
    EXPECT_TRUE(url.ok()) << url.error().describe();
    queue_url = url.ok() ? *url : "";
    auto table = ddb->create_table("c-hosts", "instanceId");
    EXPECT_TRUE(table.ok()) << table.error().describe();
  }
  ~LocalCloudRig() { std::filesystem::remove_all(dir); }
  SqswatcherSettings settings() const {
    SqswatcherSettings s;
    s.queue_url = queue_url;
    s.table = "c-hosts";
    s.visibility_timeout_s = 60;
    s.receive_wait_s = 0;  // handle() never waits; long polling is the server's concern
    return s;
  }
};

TEST(SqswatcherOnLocalCloud, MessageRedeliveredAfterItsVisibilityTimeoutIsHandledOnce) {
  LocalCloudRig rig;
  Sqswatcher w(*rig.sqs, *rig.ddb, rig.sched, rig.log.log(), rig.settings());
  ASSERT_TRUE(rig.sqs->send_message(rig.queue_url, ready_message("i-0123456789abcdef0", "ip-10-0-0-5")).ok());

  // First delivery: the host joins, but the DeleteMessage never reaches SQS.
  rig.drop_deletes = true;
  ASSERT_TRUE(w.run_once(rig.now).ok());
  EXPECT_EQ(w.last_step().received, 1);
  EXPECT_EQ(rig.sched.add_calls, 1);
  EXPECT_TRUE(rig.sched.hosts.count("ip-10-0-0-5"));
  rig.drop_deletes = false;
  EXPECT_EQ(rig.queues->message_count("c-events"), 1);

  // Within the visibility timeout SQS does not deliver it again.
  rig.now += 59;
  ASSERT_TRUE(w.run_once(rig.now).ok());
  EXPECT_EQ(w.last_step().received, 0);

  // After it, SQS delivers it again (new receipt handle, receive count 2): deleted, no second add.
  rig.now += 2;
  ASSERT_TRUE(w.run_once(rig.now).ok());
  EXPECT_EQ(w.last_step().received, 1);
  EXPECT_EQ(w.last_step().deleted, 1);
  EXPECT_EQ(rig.sched.add_calls, 1);
  EXPECT_EQ(rig.queues->message_count("c-events"), 0);

  // The instance-id -> hostname row is in the real table, once.
  auto row = rig.ddb->get_item("c-hosts", "instanceId", "i-0123456789abcdef0", true);
  ASSERT_TRUE(row.ok()) << row.error().describe();
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((**row).at("hostname"), "ip-10-0-0-5");
  auto all = rig.ddb->query("c-hosts", "instanceId", "i-0123456789abcdef0");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);

  // Nothing further arrives later.
  rig.now += 120;
  ASSERT_TRUE(w.run_once(rig.now).ok());
  EXPECT_EQ(w.last_step().received, 0);
  EXPECT_EQ(rig.sched.add_calls, 1);
}

TEST(SqswatcherOnLocalCloud, UnhandledMessageComesBackAfterTheTimeoutAndIsHandled) {
  LocalCloudRig rig;
  Sqswatcher w(*rig.sqs, *rig.ddb, rig.sched, rig.log.log(), rig.settings());
  ASSERT_TRUE(rig.sqs->send_message(rig.queue_url, ready_message("i-0aaaaaaaaaaaaaaa1", "ip-10-0-0-9")).ok());
  rig.sched.reachable = false;  // the scheduler is down: the message is left for redelivery
  ASSERT_TRUE(w.run_once(rig.now).ok());
  EXPECT_TRUE(rig.sched.hosts.empty());
  EXPECT_EQ(rig.queues->message_count("c-events"), 1);
  rig.sched.reachable = true;
  // Redelivered once its (back-off) visibility has run out; then handled and deleted.
  for (int i = 0; i < 20 && rig.sched.hosts.empty(); ++i) {
    rig.now += 30;
    ASSERT_TRUE(w.run_once(rig.now).ok());
  }
  EXPECT_TRUE(rig.sched.hosts.count("ip-10-0-0-9"));
  EXPECT_EQ(rig.queues->message_count("c-events"), 0);
}

}  // namespace
}  // namespace ebbflow::daemons
