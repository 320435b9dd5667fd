// The EC2 XML parsers against full replies modelled on the EC2 API reference examples
// (tests/data/aws/*.xml), and the error table of ec2.h.
#include <gtest/gtest.h>

#include "aws/ec2.h"
#include "aws/xml_util.h"
#include "test_support.h"

namespace ebbflow::aws {
namespace {

std::string fixture(const std::string& name) {
  std::string text = testing::read_file(testing::source_dir() + "/tests/data/aws/" + name);
  EXPECT_FALSE(text.empty()) << "missing fixture " << name;
  return text;
}

TEST(Ec2Parse, DescribeInstancesFullReply) {
  std::string token;
  auto r = parse_describe_instances(fixture("describe_instances_page1.xml"), &token);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(token, "eyJ2IjoiMiIsImMiOiJwYWdlMiJ9");
  ASSERT_EQ(r->size(), 3u);  // two reservations

  const Ec2Instance& a = (*r)[0];
  EXPECT_EQ(a.instance_id, "i-0598c7d356eba48d7");
  EXPECT_EQ(a.instance_type, "c5.xlarge");
  EXPECT_EQ(a.state, "running");
  EXPECT_EQ(a.private_ip, "10.0.1.10");
  EXPECT_EQ(a.private_dns_name, "ip-10-0-1-10.ec2.internal");
  EXPECT_EQ(a.all_private_ips, std::vector<std::string>{"10.0.1.10"});
  EXPECT_EQ(a.launch_time, 1709288130);
  EXPECT_EQ(a.client_token, "ebbflow-7f3a-0001");
  EXPECT_EQ(a.launch_template_name, "demo-queue1-cr1");
  EXPECT_EQ(a.state_reason, "");
  EXPECT_EQ(a.tags.size(), 7u);
  EXPECT_EQ(a.tags.at("parallelcluster:queue-name"), "queue1");
  EXPECT_EQ(a.tags.at("Name"), "queue1-st-cr1-1");

  // Two NICs, the secondary (device index 1) listed first: the primary IP is device 0's.
  const Ec2Instance& b = (*r)[1];
  EXPECT_EQ(b.instance_type, "p4d.24xlarge");
  EXPECT_EQ(b.private_ip, "10.0.1.20");
  EXPECT_EQ(b.all_private_ips, (std::vector<std::string>{"10.0.1.20", "10.0.2.21", "10.0.1.120"}));

  const Ec2Instance& c = (*r)[2];
  EXPECT_EQ(c.state, "terminated");
  EXPECT_EQ(c.private_ip, "");
  EXPECT_EQ(c.private_dns_name, "");
  EXPECT_TRUE(c.all_private_ips.empty());
  EXPECT_EQ(c.state_reason, "Client.InstanceInitiatedShutdown: Instance initiated shutdown");
  EXPECT_EQ(c.launch_time, 1709251199);
  EXPECT_EQ(c.client_token, "");
  EXPECT_EQ(c.launch_template_name, "demo-queue2-cr1");
}

TEST(Ec2Parse, DescribeInstancesLastPageAndEscapes) {
  std::string token = "stale";
  auto r = parse_describe_instances(fixture("describe_instances_page2.xml"), &token);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(token, "");
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].tags.at("Name"), "no-template & <escaped> \"chars\"");
  EXPECT_EQ((*r)[0].launch_template_name, "");
  EXPECT_EQ((*r)[0].launch_time, 1709288400);  // no fractional seconds
  EXPECT_EQ((*r)[0].state, "pending");
}

void expect_same(const std::vector<Ec2Instance>& a, const std::vector<Ec2Instance>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].instance_id, b[i].instance_id);
    EXPECT_EQ(a[i].instance_type, b[i].instance_type);
    EXPECT_EQ(a[i].state, b[i].state);
    EXPECT_EQ(a[i].private_dns_name, b[i].private_dns_name);
    EXPECT_EQ(a[i].client_token, b[i].client_token);
    EXPECT_EQ(a[i].launch_template_name, b[i].launch_template_name);
    EXPECT_EQ(a[i].private_ip, b[i].private_ip);
    EXPECT_EQ(a[i].all_private_ips, b[i].all_private_ips);
    EXPECT_EQ(a[i].tags, b[i].tags);
    EXPECT_EQ(a[i].launch_time, b[i].launch_time);
    EXPECT_EQ(a[i].state_reason, b[i].state_reason);
  }
}

// The per-reservation fast path and the whole-document fallback must agree.
TEST(Ec2Parse, DescribeInstancesFastPathEqualsWholeDocumentParse) {
  const std::string page = fixture("describe_instances_page1.xml");
  std::string odd = page;  // an attribute on reservationSet defeats the fast path's text search
  odd.replace(odd.find("<reservationSet>"), 16, "<reservationSet xmlns:x=\"urn:x\">");
  std::string t1, t2;
  auto fast = parse_describe_instances(page, &t1);
  auto slow = parse_describe_instances(odd, &t2);
  ASSERT_TRUE(fast.ok());
  ASSERT_TRUE(slow.ok()) << slow.error().describe();
  expect_same(*fast, *slow);
  EXPECT_EQ(t1, t2);
}

TEST(Ec2Parse, DescribeInstancesDamageInsideAReservationIsMalformed) {
  std::string page = fixture("describe_instances_page1.xml");
  page.replace(page.find("<instanceType>p4d.24xlarge</instanceType>"), 41, "<instanceType>p4d.24xlarge</instance>");
  auto r = parse_describe_instances(page, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "MalformedResponse");
  // Damage in the envelope is caught too.
  std::string envelope = fixture("describe_instances_page1.xml");
  envelope.replace(envelope.find("</nextToken>"), 12, "</nextTokn>");
  EXPECT_FALSE(parse_describe_instances(envelope, nullptr).ok());
}

// The reply parsed one instance set at a time must equal the whole-document parse: the same
// instances, the same next token, or the same error.
void expect_same_as_whole_document(const std::string& body, const std::string& label) {
  std::string fast_token = "unset", whole_token = "unset";
  auto fast = parse_describe_instances(body, &fast_token);
  auto whole = parse_describe_instances_whole_document(body, &whole_token);
  ASSERT_EQ(fast.ok(), whole.ok()) << label << "\n" << (fast.ok() ? whole : fast).error().describe() << "\n"
                                << (body.size() < 2000 ? body : body.substr(0, 2000) + "...");
  if (!fast.ok()) {
    EXPECT_EQ(fast.error().code, whole.error().code) << label;
    EXPECT_EQ(fast.error().message, whole.error().message) << label;
    return;
  }
  SCOPED_TRACE(label);
  expect_same(*fast, *whole);
  EXPECT_EQ(fast_token, whole_token);
}

// Docs: reliability.md, finding 6. A reservation header damaged so that it hides the next
// <instancesSet> opening tag: the text between instance sets used to be skipped, so the reply
// was accepted without the second reservation's instance.
TEST(Ec2Parse, DescribeInstancesDamageBetweenInstanceSetsIsMalformed) {
  const std::string page = fixture("describe_instances_page1.xml");
  const size_t second_reservation = page.find("<reservationId>r-0987654321fedcba0</reservationId>");
  ASSERT_NE(second_reservation, std::string::npos);
  const size_t second_set = page.find("<instancesSet>", second_reservation);
  ASSERT_NE(second_set, std::string::npos);

  std::string hidden = page;  // "<instancesSet>" is no longer in the text
  hidden.replace(second_set, 14, "<instancesSet\x01>");
  std::string header = page;  // the reservation's header is damaged, the tags around it intact
  header.replace(second_reservation, 50, "<reservationId>r-0987654321fedcba0</reservationI>");
  for (const std::string& damaged : {hidden, header}) {
    auto r = parse_describe_instances(damaged, nullptr);
    ASSERT_FALSE(r.ok()) << "accepted with " << r->size() << " instances";
    EXPECT_EQ(r.error().kind, ErrorKind::kRetry);
    EXPECT_EQ(r.error().code, "MalformedResponse");
    expect_same_as_whole_document(damaged, "damaged");
  }
}

// Docs: reliability.md, finding 6. Text that looks like the markup the fast path searches for,
// where it is not markup (attribute values, comments, CDATA), changes nothing: the reply is
// well formed and reads as the whole-document parse reads it.
TEST(Ec2Parse, DescribeInstancesMarkupLookalikesInTextAreNotMarkup) {
  const std::string page = fixture("describe_instances_page1.xml");
  auto edit = [&](const std::string& find, const std::string& replace) {
    std::string out = page;
    size_t at = out.find(find);
    EXPECT_NE(at, std::string::npos) << find;
    return out.replace(at, find.size(), replace);
  };
  const std::string before_reservations = edit("<requestId>", "<requestId note=\"<reservationSet>\">");
  {
    std::string token;
    auto r = parse_describe_instances(before_reservations, &token);
    ASSERT_TRUE(r.ok()) << r.error().describe();  // was rejected forever: the envelope was cut there
    EXPECT_EQ(r->size(), 3u);
    EXPECT_EQ(token, "eyJ2IjoiMiIsImMiOiJwYWdlMiJ9");
  }
  const std::string cases[] = {
      before_reservations,
      edit("<requestId>", "<requestId note=\"<instancesSet>\">"),
      edit("<requestId>", "<!-- <instancesSet> --><requestId>"),
      edit("<requestId>", "<!-- <instancesSet> </instancesSet> --><requestId>"),
      edit("<ownerId>", "<ownerId a=\"</instancesSet>\">"),
      edit("<imageId>", "<imageId><![CDATA[</instancesSet>]]></imageId><imageId>"),
      edit("<imageId>", "<imageId><![CDATA[<instancesSet>]]></imageId><imageId>"),
      edit("<groupSet/>", "<groupSet/><instancesSet/>"),  // a second instancesSet: the DOM reads the first
      edit("<groupSet/>", "<groupSet/><instancesSet><item><instanceId>i-first</instanceId></item></instancesSet>"),
      edit("</reservationSet>", "</reservationSet><reservationSet><item><instancesSet><item><instanceId>i-2nd-set"
                                "</instanceId></item></instancesSet></item></reservationSet>"),
      edit("<instancesSet>", "<instancesSet >"),
      edit("<instancesSet>", "<instancesSet a=\"1\">"),
  };
  for (size_t i = 0; i < std::size(cases); ++i) expect_same_as_whole_document(cases[i], "case " + std::to_string(i));
}

// A differential property check: a small reply of three reservations, mutated at every offset
// (a byte deleted, or one of the fragments the fast path or XML cares about inserted), reads the
// same through both parsers.
TEST(Ec2Parse, DescribeInstancesFastPathEqualsWholeDocumentOnMutations) {
  const std::string reply =
      "<?xml version=\"1.0\"?><DescribeInstancesResponse><requestId>r</requestId><reservationSet>"
      "<item><reservationId>r-1</reservationId><instancesSet><item><instanceId>i-1</instanceId>"
      "<privateIpAddress>10.0.0.1</privateIpAddress></item><item><instanceId>i-2</instanceId></item>"
      "</instancesSet></item><item><reservationId>r-2</reservationId><groupSet/><instancesSet><item>"
      "<instanceId>i-3</instanceId><tagSet><item><key>k</key><value>v</value></item></tagSet></item>"
      "</instancesSet></item><item><instancesSet><item><instanceId>i-4</instanceId></item></instancesSet>"
      "</item></reservationSet><nextToken>t</nextToken></DescribeInstancesResponse>";
  expect_same_as_whole_document(reply, "unchanged");
  ASSERT_EQ(parse_describe_instances(reply, nullptr)->size(), 4u);
  const std::string inserts[] = {"<instancesSet>", "</instancesSet>", "<instancesSet/>", "<item>", "</item>",
                                 "<!--", "-->", "<![CDATA[", "]]>", "\"", "<", ">", "<?xml version=\"1.0\"?>",
                                 "<!DOCTYPE x>", "<reservationSet>", "</reservationSet>", "\x01"};
  int compared = 0;
  for (size_t at = 0; at <= reply.size(); ++at) {
    if (at < reply.size()) {
      std::string deleted = reply;
      deleted.erase(at, 1);
      expect_same_as_whole_document(deleted, "deleted byte " + std::to_string(at));
      ++compared;
    }
    for (const std::string& insert : inserts) {
      std::string inserted = reply;
      inserted.insert(at, insert);
      expect_same_as_whole_document(inserted, "inserted " + insert + " at " + std::to_string(at));
      ++compared;
    }
    if (::testing::Test::HasFailure()) break;  // one reproducer is enough
  }
  EXPECT_GT(compared, 10000);
}

// Of a field given twice, the last one counts, on both paths.
TEST(Ec2Parse, DescribeInstancesDuplicateFieldLastCounts) {
  const std::string reply =
      "<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceId>i-first</instanceId>"
      "<instanceType>t3.micro</instanceType><instanceId>i-last</instanceId></item></instancesSet></item>"
      "</reservationSet></DescribeInstancesResponse>";
  auto r = parse_describe_instances(reply, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].instance_id, "i-last");
  expect_same_as_whole_document(reply, "duplicate instanceId");
}

TEST(Ec2Parse, DescribeInstancesEmptyShapes) {
  for (const std::string body :
       {"<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>",
        "<DescribeInstancesResponse><reservationSet></reservationSet></DescribeInstancesResponse>",
        "<DescribeInstancesResponse><reservationSet><item><instancesSet/></item></reservationSet>"
        "</DescribeInstancesResponse>",
        "<?xml version=\"1.0\"?>\n<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
        "<requestId>x</requestId></DescribeInstancesResponse>"}) {
    std::string token = "x";
    auto r = parse_describe_instances(body, &token);
    ASSERT_TRUE(r.ok()) << body;
    EXPECT_TRUE(r->empty());
    EXPECT_EQ(token, "");
  }
}

TEST(Ec2Parse, RunInstancesHasInstancesDirectlyUnderResponse) {
  auto r = parse_run_instances(fixture("run_instances.xml"));
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].instance_id, "i-0598c7d356eba48d7");
  EXPECT_EQ((*r)[0].state, "pending");
  EXPECT_EQ((*r)[0].private_ip, "10.0.1.10");
  EXPECT_EQ((*r)[1].instance_id, "i-0d44444444444444d");
  EXPECT_EQ((*r)[1].client_token, "tok-d");
}

TEST(Ec2Parse, DescribeInstanceStatus) {
  std::string token;
  auto r = parse_describe_instance_status(fixture("describe_instance_status.xml"), &token);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(token, "c3RhdHVzLXBhZ2UtMg==");
  ASSERT_EQ(r->size(), 3u);
  const InstanceStatus& s = (*r)[0];
  EXPECT_EQ(s.instance_id, "i-0598c7d356eba48d7");
  EXPECT_EQ(s.state, "running");
  EXPECT_EQ(s.system_status.status, "impaired");
  ASSERT_EQ(s.system_status.details.size(), 1u);
  EXPECT_EQ(s.system_status.details[0].name, "reachability");
  EXPECT_EQ(s.system_status.details[0].status, "failed");
  EXPECT_EQ(s.system_status.details[0].impaired_since, 1709290800);
  EXPECT_EQ(s.instance_status.details[0].impaired_since, 1709290920);
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.events[0].code, "instance-retirement");
  EXPECT_EQ(s.events[0].description, "The instance is running on degraded hardware");
  EXPECT_EQ(s.events[0].not_before, 1709661600);
  EXPECT_EQ(s.events[1].code, "system-reboot");

  EXPECT_EQ((*r)[1].instance_status.status, "initializing");
  EXPECT_EQ((*r)[1].instance_status.details[0].impaired_since, 0);
  EXPECT_TRUE((*r)[1].events.empty());
  EXPECT_EQ((*r)[2].state, "stopped");
  EXPECT_EQ((*r)[2].system_status.status, "not-applicable");
  EXPECT_TRUE((*r)[2].system_status.details.empty());
}

TEST(Ec2Parse, TerminateInstances) {
  auto r = parse_terminate_instances(fixture("terminate_instances.xml"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].instance_id, "i-0598c7d356eba48d7");
  EXPECT_EQ((*r)[0].previous_state, "running");
  EXPECT_EQ((*r)[0].current_state, "shutting-down");
  EXPECT_EQ((*r)[1].current_state, "terminated");
}

TEST(Ec2Parse, MalformedRepliesAreRetryable) {
  for (const std::string bad : {"", "<DescribeInstancesResponse><reservationSet>", "not xml at all",
                                "<RunInstancesResponse/>"}) {
    auto r = parse_describe_instances(bad, nullptr);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kRetry);
    EXPECT_EQ(r.error().code, "MalformedResponse");
  }
  auto run = parse_run_instances("<RunInstancesResponse><instancesSet/></RunInstancesResponse>");
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().code, "MalformedResponse");
}

struct ErrorCase {
  const char* file;
  int status;
  ErrorKind kind;
  const char* code;
};

TEST(Ec2Parse, ErrorTable) {
  const ErrorCase cases[] = {
      {"error_insufficient_capacity.xml", 500, ErrorKind::kBackOff, "InsufficientInstanceCapacity"},
      {"error_request_limit.xml", 503, ErrorKind::kBackOff, "RequestLimitExceeded"},
      {"error_instance_not_found.xml", 400, ErrorKind::kNotFound, "InvalidInstanceID.NotFound"},
      {"error_auth_failure.xml", 401, ErrorKind::kGiveUp, "AuthFailure"},
      {"error_internal.xml", 500, ErrorKind::kRetry, "InternalError"},
  };
  for (const auto& c : cases) {
    Error e = parse_ec2_error(c.status, fixture(c.file));
    EXPECT_EQ(e.kind, c.kind) << c.file;
    EXPECT_EQ(e.code, c.code) << c.file;
    EXPECT_NE(e.message.find("ea966190-f9aa-478e-9ede-example"), std::string::npos) << e.message;
  }
  auto body = [](const std::string& code) {
    return "<Response><Errors><Error><Code>" + code + "</Code><Message>m</Message></Error></Errors></Response>";
  };
  EXPECT_EQ(parse_ec2_error(400, body("VcpuLimitExceeded")).kind, ErrorKind::kBackOff);
  EXPECT_EQ(parse_ec2_error(400, body("SpotMaxPriceTooLow")).kind, ErrorKind::kBackOff);
  EXPECT_EQ(parse_ec2_error(400, body("InvalidLaunchTemplateName.NotFoundException")).kind, ErrorKind::kNotFound);
  EXPECT_EQ(parse_ec2_error(400, body("InvalidParameterValue")).kind, ErrorKind::kGiveUp);
  EXPECT_EQ(parse_ec2_error(403, body("UnauthorizedOperation")).kind, ErrorKind::kGiveUp);
  EXPECT_EQ(parse_ec2_error(400, body("RequestExpired")).kind, ErrorKind::kGiveUp);
  EXPECT_EQ(parse_ec2_error(503, body("Unavailable")).kind, ErrorKind::kRetry);

  Error bare = parse_ec2_error(502, "<html>Bad Gateway</html>");
  EXPECT_EQ(bare.kind, ErrorKind::kRetry);
  EXPECT_EQ(bare.code, "Http502");
  EXPECT_EQ(parse_ec2_error(400, "").kind, ErrorKind::kGiveUp);
}

// Docs: reliability.md, finding 9. A code without a message still says something in the log.
TEST(Ec2Parse, ErrorWithoutAMessageSaysSo) {
  for (const std::string body :
       {"<Response><Errors><Error><Code>InternalError</Code></Error></Errors><RequestID>req-1</RequestID></Response>",
        "<Response><Errors><Error><Code>InternalError</Code><Message/></Error></Errors><RequestID>req-1</RequestID>"
        "</Response>",
        "<Response><Errors><Error><Code>InternalError</Code><Message>  </Message></Error></Errors>"
        "<RequestID>req-1</RequestID></Response>"}) {
    Error e = parse_ec2_error(500, body);
    EXPECT_EQ(e.code, "InternalError");
    EXPECT_EQ(e.message, "no message in the reply (HTTP 500) (request req-1)") << body;
    EXPECT_EQ(e.describe(), "InternalError: no message in the reply (HTTP 500) (request req-1)");
  }
  Error no_request = parse_ec2_error(400, "<ErrorResponse><Error><Code>AuthFailure</Code></Error></ErrorResponse>");
  EXPECT_EQ(no_request.message, "no message in the reply (HTTP 400)");
  // A message, when there is one, is kept as it is.
  EXPECT_EQ(parse_ec2_error(400, "<Response><Errors><Error><Code>X</Code><Message>m</Message></Error></Errors>"
                                 "</Response>")
                .message,
            "m");
}

TEST(Iso8601, Forms) {
  EXPECT_EQ(xml::parse_iso8601("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(xml::parse_iso8601("2024-03-01T10:15:30.000Z"), 1709288130);
  EXPECT_EQ(xml::parse_iso8601("2024-03-01T10:15:30"), 1709288130);
  EXPECT_EQ(xml::parse_iso8601("2024-03-01T12:15:30+02:00"), 1709288130);
  EXPECT_EQ(xml::parse_iso8601("2024-03-01T09:15:30.5-01:00"), 1709288130);
  EXPECT_FALSE(xml::parse_iso8601("2024-03-01"));
  EXPECT_FALSE(xml::parse_iso8601("2024-13-01T00:00:00Z"));
  EXPECT_FALSE(xml::parse_iso8601("2024-03-01T10:15:30Zjunk"));
}

}  // namespace
}  // namespace ebbflow::aws
