// CurlHttpClient against an in-process cpp-httplib server on loopback.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "aws/http.h"

namespace ebbflow::aws {
namespace {

class LoopbackServer {
 public:
  LoopbackServer() {
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Echo-Method", req.method);
      res.set_header("X-Echo-Target", req.get_header_value("X-Amz-Target"));
      res.set_content(req.body, "text/xml");
    });
    server_.Get("/fail", [](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_content("<Response><Errors/></Response>", "text/xml");
    });
    server_.Post("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      res.set_content("late", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LoopbackServer() {
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "<absent>";
}

TEST(CurlHttpClient, PostsBodyAndLowerCasesResponseHeaders) {
  LoopbackServer server;
  CurlHttpClient client;
  HttpRequest req{"POST", server.url("/echo"), {{"Content-Type", "application/x-www-form-urlencoded"},
                                                {"X-Amz-Target", "AmazonSQS.SendMessage"}},
                  "Action=DescribeInstances&Version=2016-11-15"};
  for (int i = 0; i < 3; ++i) {  // the handle is reused across calls
    auto r = client.send(req);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, req.body);
    EXPECT_EQ(header(*r, "x-echo-method"), "POST");
    EXPECT_EQ(header(*r, "x-echo-target"), "AmazonSQS.SendMessage");
    EXPECT_EQ(header(*r, "content-type"), "text/xml");
  }
}

TEST(CurlHttpClient, HttpErrorStatusIsATransportSuccess) {
  LoopbackServer server;
  CurlHttpClient client;
  auto r = client.send({"GET", server.url("/fail"), {}, ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "<Response><Errors/></Response>");
}

TEST(CurlHttpClient, RefusedConnectionIsUnavailable) {
  int port;
  {
    LoopbackServer server;  // bind a free port, then close it again
    port = std::stoi(server.url("").substr(17));
  }
  CurlHttpClient client;
  auto r = client.send({"POST", "http://127.0.0.1:" + std::to_string(port) + "/", {}, "x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(r.error().code, "ConnectionFailed");
}

TEST(CurlHttpClient, SlowReplyTimesOut) {
  LoopbackServer server;
  CurlHttpClient client(HttpTimeouts{std::chrono::milliseconds(1000), std::chrono::milliseconds(100)});
  auto r = client.send({"POST", server.url("/slow"), {}, "x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(r.error().code, "Timeout");
}

TEST(CurlHttpClient, ProxyEnvironmentDoesNotCaptureLoopback) {
  LoopbackServer server;
  const char* old = std::getenv("http_proxy");
  std::string saved = old ? old : "";
  setenv("http_proxy", "http://127.0.0.1:9", 1);  // discard port: nothing listens
  CurlHttpClient client;
  auto r = client.send({"POST", server.url("/echo"), {}, "through"});
  if (old) setenv("http_proxy", saved.c_str(), 1); else unsetenv("http_proxy");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->body, "through");
}

}  // namespace
}  // namespace ebbflow::aws
