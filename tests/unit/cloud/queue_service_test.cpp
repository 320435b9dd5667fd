// QueueService (the local cloud's SQS) on a virtual clock: visibility timeouts, receipt
// handles, delays, batch deletes, persistence across a restart, the SNS envelope of
// publish_to_topic, and (real time) a long poll that returns as soon as a message arrives.
#include "cloud/queue_service.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "test_dir.h"

namespace ebbflow::cloud {
namespace {

using nlohmann::json;

constexpr int64_t kT0 = 1'790'000'000'000;  // ms

class QueueServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }
  void reopen() {
    svc_.reset();
    QueueServiceOptions o;
    o.db_path = dir_.path() + "/sqs.db";
    o.endpoint = "http://127.0.0.1:4566";
    o.log = [this](const json& e) { log_.push_back(e); };
    auto s = QueueService::open(o);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    svc_ = std::move(*s);
  }
  // A call that must succeed.
  json ok(const std::string& op, const json& req, int64_t now) {
    JsonReply r = svc_->handle(op, req, now);
    EXPECT_EQ(r.http_status, 200) << op << ": " << r.body.dump();
    return r.body;
  }
  std::string create(const std::string& name, json attrs = json::object()) {
    json req = {{"QueueName", name}};
    if (!attrs.empty()) req["Attributes"] = attrs;
    return ok("CreateQueue", req, kT0)["QueueUrl"];
  }
  json receive(const std::string& url, int64_t now, json extra = json::object()) {
    json req = {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}, {"MessageSystemAttributeNames", {"All"}}};
    req.update(extra);
    json r = ok("ReceiveMessage", req, now);
    return r.value("Messages", json::array());
  }
  int64_t attribute(const std::string& url, const std::string& name, int64_t now) {
    json r = ok("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"All"}}}, now);
    return std::stoll(r["Attributes"][name].get<std::string>());
  }

  testing::TempDir dir_;
  std::unique_ptr<QueueService> svc_;
  std::vector<json> log_;
};

TEST_F(QueueServiceTest, CreateQueueIsIdempotentForTheSameAttributesOnly) {
  std::string url = create("jobs", {{"VisibilityTimeout", "10"}});
  EXPECT_EQ(url, "http://127.0.0.1:4566/000000000000/jobs");
  EXPECT_EQ(create("jobs", {{"VisibilityTimeout", "10"}}), url);
  EXPECT_EQ(create("jobs"), url);
  JsonReply r = svc_->handle("CreateQueue", {{"QueueName", "jobs"}, {"Attributes", {{"VisibilityTimeout", "11"}}}}, kT0);
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.body["__type"], "com.amazonaws.sqs#QueueNameExists");
  EXPECT_EQ(attribute(url, "VisibilityTimeout", kT0), 10);
}

TEST_F(QueueServiceTest, UnknownQueueIsNonExistentQueueWithQueryErrorHeader) {
  JsonReply r = svc_->handle("GetQueueUrl", {{"QueueName", "nope"}}, kT0);
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.body["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "x-amzn-query-error");
  EXPECT_EQ(r.headers[0].second, "AWS.SimpleQueueService.NonExistentQueue;Sender");
  r = svc_->handle("SendMessage", {{"QueueUrl", "http://127.0.0.1:4566/000000000000/nope"}, {"MessageBody", "x"}}, kT0);
  EXPECT_EQ(r.body["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
}

TEST_F(QueueServiceTest, InvalidAttributesAndParametersAreRejected) {
  EXPECT_EQ(svc_->handle("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"VisibilityTimeout", "43201"}}}}, kT0)
                .body["__type"],
            "com.amazonaws.sqs#InvalidAttributeValue");
  EXPECT_EQ(svc_->handle("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"Colour", "blue"}}}}, kT0).body["__type"],
            "com.amazonaws.sqs#InvalidAttributeName");
  EXPECT_EQ(svc_->handle("CreateQueue", {{"QueueName", "bad name"}}, kT0).body["__type"],
            "com.amazonaws.sqs#InvalidParameterValue");
  std::string url = create("q");
  EXPECT_EQ(svc_->handle("ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 11}}, kT0).body["__type"],
            "com.amazonaws.sqs#InvalidParameterValue");
  EXPECT_EQ(svc_->handle("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 21}}, kT0).body["__type"],
            "com.amazonaws.sqs#InvalidParameterValue");
  EXPECT_EQ(svc_->handle("NoSuchThing", json::object(), kT0).body["__type"],
            "com.amazon.coral.service#UnknownOperationException");
}

TEST_F(QueueServiceTest, SendReturnsTheBodyMd5AndReceiveCarriesSystemAttributes) {
  std::string url = create("q");
  json sent = ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "hello"}}, kT0);
  EXPECT_EQ(sent["MD5OfMessageBody"], "5d41402abc4b2a76b9719d911017c592");  // md5("hello")
  json got = receive(url, kT0 + 5);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["MessageId"], sent["MessageId"]);
  EXPECT_EQ(got[0]["Body"], "hello");
  EXPECT_EQ(got[0]["MD5OfBody"], sent["MD5OfMessageBody"]);
  EXPECT_EQ(got[0]["Attributes"]["ApproximateReceiveCount"], "1");
  EXPECT_EQ(got[0]["Attributes"]["SentTimestamp"], std::to_string(kT0));
  EXPECT_EQ(got[0]["Attributes"]["ApproximateFirstReceiveTimestamp"], std::to_string(kT0 + 5));
  // Without attribute names, no Attributes member.
  ok("ChangeMessageVisibility", {{"QueueUrl", url}, {"ReceiptHandle", got[0]["ReceiptHandle"]}, {"VisibilityTimeout", 0}},
     kT0 + 6);
  json plain = ok("ReceiveMessage", {{"QueueUrl", url}}, kT0 + 7)["Messages"];
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_FALSE(plain[0].contains("Attributes"));
}

TEST_F(QueueServiceTest, UndeletedMessageReturnsAfterItsVisibilityTimeoutWithANewHandle) {
  std::string url = create("q", {{"VisibilityTimeout", "30"}});
  ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "m1"}}, kT0);
  json first = receive(url, kT0);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages", kT0), 0);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesNotVisible", kT0), 1);
  EXPECT_TRUE(receive(url, kT0 + 29'999).empty());  // still in flight
  json second = receive(url, kT0 + 30'000);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0]["MessageId"], first[0]["MessageId"]);
  EXPECT_NE(second[0]["ReceiptHandle"], first[0]["ReceiptHandle"]);
  EXPECT_EQ(second[0]["Attributes"]["ApproximateReceiveCount"], "2");
  // The first receive's timestamp stays.
  EXPECT_EQ(second[0]["Attributes"]["ApproximateFirstReceiveTimestamp"], std::to_string(kT0));

  // The stale handle: DeleteMessage succeeds but the message stays; the current one deletes.
  ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", first[0]["ReceiptHandle"]}}, kT0 + 30'001);
  EXPECT_EQ(svc_->message_count("q"), 1);
  ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", second[0]["ReceiptHandle"]}}, kT0 + 30'002);
  EXPECT_EQ(svc_->message_count("q"), 0);
  EXPECT_TRUE(receive(url, kT0 + 100'000).empty());
  // Deleting again (already gone) still succeeds.
  ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", second[0]["ReceiptHandle"]}}, kT0 + 100'001);
}

TEST_F(QueueServiceTest, ReceiveVisibilityTimeoutOverridesTheQueueDefault) {
  std::string url = create("q");  // default 30 s
  ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "m"}}, kT0);
  ASSERT_EQ(receive(url, kT0, {{"VisibilityTimeout", 1}}).size(), 1u);
  EXPECT_TRUE(receive(url, kT0 + 999).empty());
  EXPECT_EQ(receive(url, kT0 + 1000).size(), 1u);
}

TEST_F(QueueServiceTest, MalformedHandleIsReceiptHandleIsInvalid) {
  std::string url = create("q");
  JsonReply r = svc_->handle("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", "not-a-handle"}}, kT0);
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.body["__type"], "com.amazonaws.sqs#ReceiptHandleIsInvalid");
  EXPECT_EQ(r.headers.at(0).second, "ReceiptHandleIsInvalid;Sender");
}

TEST_F(QueueServiceTest, DelaySecondsHidesAMessageUntilTheDelayEnds) {
  std::string url = create("q");
  ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "later"}, {"DelaySeconds", 5}}, kT0);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessagesDelayed", kT0), 1);
  EXPECT_TRUE(receive(url, kT0 + 4'999).empty());
  EXPECT_EQ(receive(url, kT0 + 5'000).size(), 1u);
  // The queue's DelaySeconds applies when the message gives none.
  std::string slow = create("slow", {{"DelaySeconds", "3"}});
  ok("SendMessage", {{"QueueUrl", slow}, {"MessageBody", "x"}}, kT0);
  EXPECT_TRUE(receive(slow, kT0 + 2'999).empty());
  EXPECT_EQ(receive(slow, kT0 + 3'000).size(), 1u);
}

TEST_F(QueueServiceTest, MaxNumberOfMessagesLimitsABatchAndOrderIsSendOrder) {
  std::string url = create("q");
  for (int i = 0; i < 5; ++i) ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "m" + std::to_string(i)}}, kT0 + i);
  json two = receive(url, kT0 + 10, {{"MaxNumberOfMessages", 2}});
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0]["Body"], "m0");
  EXPECT_EQ(two[1]["Body"], "m1");
  EXPECT_EQ(receive(url, kT0 + 11).size(), 3u);
}

TEST_F(QueueServiceTest, DeleteMessageBatchReportsTheOneBadHandle) {
  std::string url = create("q");
  for (int i = 0; i < 3; ++i) ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "m" + std::to_string(i)}}, kT0);
  json got = receive(url, kT0);
  ASSERT_EQ(got.size(), 3u);
  json entries = {{{"Id", "0"}, {"ReceiptHandle", got[0]["ReceiptHandle"]}},
                  {{"Id", "1"}, {"ReceiptHandle", "garbage"}},
                  {{"Id", "2"}, {"ReceiptHandle", got[2]["ReceiptHandle"]}}};
  json r = ok("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", entries}}, kT0 + 1);
  ASSERT_EQ(r["Successful"].size(), 2u);
  EXPECT_EQ(r["Successful"][0]["Id"], "0");
  EXPECT_EQ(r["Successful"][1]["Id"], "2");
  ASSERT_EQ(r["Failed"].size(), 1u);
  EXPECT_EQ(r["Failed"][0]["Id"], "1");
  EXPECT_EQ(r["Failed"][0]["Code"], "ReceiptHandleIsInvalid");
  EXPECT_EQ(r["Failed"][0]["SenderFault"], true);
  EXPECT_EQ(svc_->message_count("q"), 1);  // only m1 is left

  json dup = {{{"Id", "a"}, {"ReceiptHandle", "x"}}, {{"Id", "a"}, {"ReceiptHandle", "y"}}};
  EXPECT_EQ(svc_->handle("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", dup}}, kT0).body["__type"],
            "com.amazonaws.sqs#BatchEntryIdsNotDistinct");
  EXPECT_EQ(svc_->handle("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", json::array()}}, kT0).body["__type"],
            "com.amazonaws.sqs#EmptyBatchRequest");
}

TEST_F(QueueServiceTest, ChangeMessageVisibilityExtendsOrReleases) {
  std::string url = create("q");
  ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "m"}}, kT0);
  json got = receive(url, kT0);
  ok("ChangeMessageVisibility", {{"QueueUrl", url}, {"ReceiptHandle", got[0]["ReceiptHandle"]}, {"VisibilityTimeout", 100}},
     kT0 + 10'000);
  EXPECT_TRUE(receive(url, kT0 + 109'999).empty());
  json again = receive(url, kT0 + 110'000);
  ASSERT_EQ(again.size(), 1u);
  // The old handle can no longer change it.
  JsonReply r = svc_->handle("ChangeMessageVisibility",
                             {{"QueueUrl", url}, {"ReceiptHandle", got[0]["ReceiptHandle"]}, {"VisibilityTimeout", 0}},
                             kT0 + 110'001);
  EXPECT_EQ(r.body["__type"], "com.amazonaws.sqs#InvalidParameterValue");
}

TEST_F(QueueServiceTest, PurgeAndDeleteQueue) {
  std::string url = create("q");
  ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "m"}}, kT0);
  ok("PurgeQueue", {{"QueueUrl", url}}, kT0);
  EXPECT_EQ(svc_->message_count("q"), 0);
  ok("DeleteQueue", {{"QueueUrl", url}}, kT0);
  EXPECT_EQ(svc_->message_count("q"), -1);
  EXPECT_EQ(svc_->handle("GetQueueUrl", {{"QueueName", "q"}}, kT0).body["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
}

TEST_F(QueueServiceTest, RetentionPeriodDropsOldMessages) {
  std::string url = create("q", {{"MessageRetentionPeriod", "60"}});
  ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "m"}}, kT0);
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages", kT0 + 59'999), 1);
  EXPECT_TRUE(receive(url, kT0 + 60'000).empty());
  EXPECT_EQ(svc_->message_count("q"), 0);
}

TEST_F(QueueServiceTest, QueuesAndInFlightMessagesSurviveARestart) {
  std::string url = create("q", {{"VisibilityTimeout", "30"}});
  ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "in-flight"}}, kT0);
  ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "waiting"}}, kT0 + 1);
  json first = receive(url, kT0 + 2, {{"MaxNumberOfMessages", 1}});
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(first[0]["Body"], "in-flight");
  reopen();
  EXPECT_EQ(attribute(url, "VisibilityTimeout", kT0 + 3), 30);
  json after = receive(url, kT0 + 3);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0]["Body"], "waiting");  // the other one is still in flight
  json later = receive(url, kT0 + 30'002);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0]["Body"], "in-flight");
  EXPECT_EQ(later[0]["Attributes"]["ApproximateReceiveCount"], "2");
  // A handle issued before the restart still deletes its message (when current).
  ok("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", later[0]["ReceiptHandle"]}}, kT0 + 30'003);
  EXPECT_EQ(svc_->message_count("q"), 1);
  // New messages after the restart come after the old ones.
  ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "new"}}, kT0 + 30'004);
  json rest = receive(url, kT0 + 100'000);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0]["Body"], "waiting");
  EXPECT_EQ(rest[1]["Body"], "new");
}

TEST_F(QueueServiceTest, PublishToTopicWrapsTheMessageInAnSnsEnvelope) {
  std::string url = create("c1-events");
  std::string inner = R"({"Event":"autoscaling:EC2_INSTANCE_LAUNCH","EC2InstanceId":"i-1"})";
  const int64_t now_s = kT0 / 1000;
  ASSERT_TRUE(svc_->publish_to_topic("arn:aws:sns:us-east-1:000000000000:c1-events", "Launch", inner, now_s).ok());
  json got = receive(url, kT0);
  ASSERT_EQ(got.size(), 1u);
  json env = json::parse(got[0]["Body"].get<std::string>());
  EXPECT_EQ(env["Type"], "Notification");
  EXPECT_EQ(env["TopicArn"], "arn:aws:sns:us-east-1:000000000000:c1-events");
  EXPECT_EQ(env["Subject"], "Launch");
  EXPECT_EQ(env["Message"], inner);  // the inner JSON as a string
  EXPECT_EQ(env["MessageId"].get<std::string>().size(), 36u);
  EXPECT_EQ(env["Timestamp"], "2026-09-21T14:13:20.000Z");  // 1790000000 s
  EXPECT_EQ(got[0]["Attributes"]["SentTimestamp"], std::to_string(kT0));

  // No queue named like the topic: dropped and logged, not an error.
  ASSERT_TRUE(svc_->publish_to_topic("arn:aws:sns:us-east-1:000000000000:other", "s", inner, now_s).ok());
  ASSERT_FALSE(log_.empty());
  EXPECT_EQ(log_.back()["event"], "sns-drop");
}

TEST_F(QueueServiceTest, LongPollReturnsAsSoonAsAMessageArrives) {
  std::string url = create("q");
  auto real_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  auto start = std::chrono::steady_clock::now();
  std::thread sender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    svc_->handle_blocking("SendMessage", {{"QueueUrl", url}, {"MessageBody", "wake"}}, real_ms);
  });
  JsonReply r = svc_->handle_blocking("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 20}}, real_ms);
  auto waited = std::chrono::steady_clock::now() - start;
  sender.join();
  ASSERT_EQ(r.http_status, 200);
  ASSERT_EQ(r.body["Messages"].size(), 1u);
  EXPECT_EQ(r.body["Messages"][0]["Body"], "wake");
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST_F(QueueServiceTest, LongPollEndsAtItsWaitTimeAndOnShutdown) {
  std::string url = create("q");
  auto real_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  auto start = std::chrono::steady_clock::now();
  JsonReply r = svc_->handle_blocking("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 1}}, real_ms);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_FALSE(r.body.contains("Messages"));
  EXPECT_GE(waited, std::chrono::milliseconds(950));
  EXPECT_LT(waited, std::chrono::seconds(3));

  start = std::chrono::steady_clock::now();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    svc_->shutdown();
  });
  r = svc_->handle_blocking("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 20}}, real_ms);
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(QueueServiceTest, HandleNeverWaits) {
  std::string url = create("q");
  auto start = std::chrono::steady_clock::now();
  JsonReply r = svc_->handle("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 20}}, kT0);
  EXPECT_EQ(r.http_status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

}  // namespace
}  // namespace ebbflow::cloud
