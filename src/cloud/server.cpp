#include "cloud/server.h"

#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <regex>
#include <thread>

#include "aws/sigv4.h"
#include "cloud/autoscaling_service.h"
#include "cloud/autoscaling_xml.h"
#include "cloud/event_log.h"
#include "cloud/imds.h"
#include "cloud/imds_credentials.h"
#include "cloud/local_cloud.h"
#include "cloud/queue_service.h"
#include "cloud/table_service.h"
#include "cloud/state_files.h"

namespace ebbflow::cloud {

namespace fs = std::filesystem;

namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The request exactly as the client signed it: raw path and query from the request line.
aws::SignableRequest signable(const httplib::Request& req) {
  aws::SignableRequest s;
  s.method = req.method;
  std::string target = req.target.empty() ? req.path : req.target;
  auto q = target.find('?');
  s.path = target.substr(0, q);
  s.query = q == std::string::npos ? "" : target.substr(q + 1);
  for (const auto& [k, v] : req.headers) {
    if (k == "REMOTE_ADDR" || k == "REMOTE_PORT" || k == "LOCAL_ADDR" || k == "LOCAL_PORT") continue;
    s.headers.emplace_back(k, v);
  }
  s.body = req.body;
  return s;
}

int auth_status(const std::string& code) { return code == "RequestExpired" ? 400 : 401; }

struct Context {
  ServeOptions options;
  CloudCredentials creds;
  std::unique_ptr<LocalCloud> cloud;
  std::unique_ptr<AutoScalingService> autoscaling;
  std::unique_ptr<QueueService> queues;  // SQS
  std::unique_ptr<TableService> tables;  // DynamoDB
  ImdsTokens imds_tokens;
  RoleCredentialStore role_creds;  // instance-role credentials handed out through IMDS
  EventLog* log = nullptr;

  // Verifies SigV4 for `service`; on failure returns the AWS error code and message.
  std::optional<Error> authenticate(const httplib::Request& req, const std::string& service) {
    auto secret_for = [this](const std::string& key) -> std::optional<std::string> {
      if (key == creds.credentials.access_key_id) return creds.credentials.secret_access_key;
      return role_creds.secret_for(key);
    };
    auto who = aws::verify(signable(req), secret_for, unix_now(), 300);
    if (!who.ok()) return who.error();
    // Role credentials: the session token must match, and they must not have expired.
    if (auto err = role_creds.check(who->access_key_id, req.get_header_value("X-Amz-Security-Token"), unix_now()))
      return err;
    if (who->scope.service != service) {
      return make_error(ErrorKind::kGiveUp, "AuthFailure",
                        "Credential should be scoped to service '" + service + "', not '" + who->scope.service + "'");
    }
    if (who->scope.region != options.region) {
      return make_error(ErrorKind::kGiveUp, "AuthFailure",
                        "Credential should be scoped to region '" + options.region + "', not '" +
                            who->scope.region + "'");
    }
    return std::nullopt;
  }
};

void handle_ec2(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto start = std::chrono::steady_clock::now();
  std::string rid = random_hex(8) + "-" + random_hex(4) + "-" + random_hex(4) + "-" + random_hex(4) + "-" +
                    random_hex(12);
  QueryParams params = QueryParams::parse(req.method == "GET" ? signable(req).query : req.body);
  Ec2Reply reply;
  if (auto err = ctx.authenticate(req, "ec2")) {
    reply = ec2_error(err->code, err->message, rid, auth_status(err->code));
  } else {
    reply = ctx.cloud->handle(params, unix_now(), rid);
  }
  // slow-reply fault: the action ran; its caller waits (outside the cloud's lock).
  if (reply.delay_s > 0) std::this_thread::sleep_for(std::chrono::seconds(reply.delay_s));
  res.status = reply.http_status;
  res.set_header("x-amzn-RequestId", rid);
  res.set_content(reply.body, "text/xml;charset=UTF-8");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  ctx.log->write({{"event", "request"}, {"action", params.get_or("Action", "")}, {"status", reply.http_status},
                  {"ms", ms}, {"request_id", rid}});
}

// The service of the SigV4 credential scope ("ec2", "autoscaling", "sqs", ...) named in the
// Authorization header ("... Credential=AKID/DATE/REGION/SERVICE/aws4_request, ..."), or in
// X-Amz-Credential for a presigned GET; "" when there is none. Only routes the request:
// the chosen handler still verifies the signature for that service.
std::string scope_service(const httplib::Request& req) {
  std::string cred;
  std::string auth = req.get_header_value("Authorization");
  if (auto at = auth.find("Credential="); at != std::string::npos) {
    cred = auth.substr(at + 11, auth.find_first_of(", ", at) - at - 11);
  } else {
    cred = req.get_param_value("X-Amz-Credential");
  }
  // AKID/DATE/REGION/SERVICE/aws4_request: the fourth '/'-separated field.
  size_t pos = 0;
  for (int i = 0; i < 3 && pos != std::string::npos; ++i) {
    pos = cred.find('/', pos);
    if (pos != std::string::npos) ++pos;
  }
  if (pos == std::string::npos) return "";
  return cred.substr(pos, cred.find('/', pos) - pos);
}

// The Auto Scaling Query API (SigV4 service "autoscaling"); errors in its <ErrorResponse> shape.
void handle_autoscaling(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto start = std::chrono::steady_clock::now();
  std::string rid = random_hex(8) + "-" + random_hex(4) + "-" + random_hex(4) + "-" + random_hex(4) + "-" +
                    random_hex(12);
  QueryParams params = QueryParams::parse(req.method == "GET" ? signable(req).query : req.body);
  AsgReply reply;
  if (auto err = ctx.authenticate(req, "autoscaling")) {
    reply = {auth_status(err->code) == 401 ? 403 : 400, render_asg_error(err->code, err->message, rid)};
  } else {
    reply = ctx.autoscaling->handle(params, unix_now(), rid);
  }
  res.status = reply.http_status;
  res.set_header("x-amzn-RequestId", rid);
  res.set_content(reply.body, "text/xml");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  ctx.log->write({{"event", "request"}, {"service", "autoscaling"}, {"action", params.get_or("Action", "")},
                  {"status", reply.http_status}, {"ms", ms}, {"request_id", rid}});
}

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// SQS and DynamoDB: AWS JSON 1.0 (POST /, X-Amz-Target "<prefix>.<Operation>", JSON in and out).
// A ReceiveMessage long poll waits inside QueueService with its lock released.
void handle_json_service(Context& ctx, const std::string& service, const httplib::Request& req,
                         httplib::Response& res) {
  auto start = std::chrono::steady_clock::now();
  std::string rid = random_hex(8) + "-" + random_hex(4) + "-" + random_hex(4) + "-" + random_hex(4) + "-" +
                    random_hex(12);
  const std::string prefix = service == "sqs" ? "AmazonSQS." : "DynamoDB_20120810.";
  std::string target = req.get_header_value("X-Amz-Target");
  std::string op = target.rfind(prefix, 0) == 0 ? target.substr(prefix.size()) : "";
  JsonReply reply;
  if (auto err = ctx.authenticate(req, service)) {
    reply = json_error_reply("com.amazon.coral.service#" + err->code, err->message,
                             service == "sqs" ? err->code + ";Sender" : "", auth_status(err->code) == 401 ? 403 : 400);
  } else if (req.method != "POST" || op.empty()) {
    reply = json_error_reply("com.amazon.coral.service#UnknownOperationException",
                             "expected POST with X-Amz-Target " + prefix + "<Operation>, got '" + target + "'");
  } else {
    auto body = nlohmann::json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (body.is_discarded()) {
      reply = json_error_reply("com.amazon.coral.service#SerializationException", "the body is not valid JSON");
    } else if (service == "sqs") {
      reply = ctx.queues->handle_blocking(op, body, unix_now_ms);
    } else {
      reply = ctx.tables->handle(op, body, unix_now());
    }
  }
  res.status = reply.http_status;
  res.set_header("x-amzn-RequestId", rid);
  for (const auto& [k, v] : reply.headers) res.set_header(k, v);
  res.set_content(reply.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/x-amz-json-1.0");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  ctx.log->write({{"event", "request"}, {"service", service}, {"action", op}, {"status", reply.http_status},
                  {"ms", ms}, {"request_id", rid}});
}

// POST/GET /: the AWS services, told apart by the credential scope's service.
void handle_root(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string service = scope_service(req);
  if (service == "autoscaling") return handle_autoscaling(ctx, req, res);
  if (service == "sqs" || service == "dynamodb") return handle_json_service(ctx, service, req, res);
  handle_ec2(ctx, req, res);
}

void json_reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(2) + "\n", "application/json");
}

void json_error(httplib::Response& res, const Error& e) {
  int status = e.kind == ErrorKind::kNotFound ? 404 : e.kind == ErrorKind::kGiveUp ? 401 : 400;
  json_reply(res, status, {{"error", {{"code", e.code}, {"message", e.message}}}});
}

void handle_admin(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  if (auto err = ctx.authenticate(req, "ebbflow")) return json_error(res, *err);
  std::string action = req.matches[1];
  nlohmann::json body = req.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return json_error(res, make_error(ErrorKind::kInvalidInput, "InvalidJson", "the body must be a JSON object"));
  }
  ctx.log->write({{"event", "admin"}, {"action", action}, {"body", body}});
  if (action == "state") {
    nlohmann::json state = ctx.cloud->state_json();
    state["autoscaling_groups"] = ctx.autoscaling->state_json();
    return json_reply(res, 200, state);
  }
  if (action == "kill-instance") {
    auto s = ctx.cloud->kill_instance(body.value("instance_id", std::string()), unix_now());
    if (!s.ok()) return json_error(res, s.error());
    return json_reply(res, 200, {{"ok", true}});
  }
  if (action == "impaired-status") {
    // {instance_id, kind: instance|system}: `kind` names the status check here.
    body["check"] = body.contains("kind") ? body["kind"] : nlohmann::json("instance");
    body["kind"] = "impaired-status";
  }
  if (action == "scheduled-event" || action == "never-bootstrap" || action == "slow-reply") body["kind"] = action;
  if (!body.contains("since")) body["since"] = unix_now();  // status faults: impairedSince
  if (action == "fail-launch" || action == "add-fault" || action == "impaired-status" ||
      action == "scheduled-event" || action == "never-bootstrap" || action == "slow-reply") {
    if (action == "fail-launch") body["kind"] = "fail-launch";
    auto id = ctx.cloud->add_fault(body);
    if (!id.ok()) return json_error(res, id.error());
    return json_reply(res, 200, {{"ok", true}, {"fault_id", *id}});
  }
  if (action == "clear-faults") {
    ctx.cloud->clear_faults();
    return json_reply(res, 200, {{"ok", true}});
  }
  json_error(res, make_error(ErrorKind::kInvalidInput, "InvalidAction", "unknown admin action '" + action + "'"));
}

void handle_imds(Context& ctx, const httplib::Request& req, httplib::Response& res, const std::string& id,
                 const std::string& path) {
  auto inst = ctx.cloud->live_instance(id);
  if (!inst) {
    res.status = 404;
    return res.set_content("Not Found", "text/plain");
  }
  int64_t now = unix_now();
  if (req.method == "PUT") {
    if (path != "api/token") {
      res.status = 405;
      return;
    }
    long ttl = 0;
    try {
      ttl = std::stol(req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds"));
    } catch (...) {
      ttl = 0;
    }
    if (ttl < 1 || ttl > 21600) {
      res.status = 400;
      return res.set_content("Bad Request", "text/plain");
    }
    res.set_header("X-aws-ec2-metadata-token-ttl-seconds", std::to_string(ttl));
    return res.set_content(ctx.imds_tokens.issue(id, ttl, now), "text/plain");
  }
  if (!ctx.imds_tokens.valid(req.get_header_value("X-aws-ec2-metadata-token"), id, now)) {
    res.status = 401;
    return res.set_content("Unauthorized", "text/plain");
  }
  auto answer = imds_iam_lookup(ctx.role_creds, id, path, now);
  if (!answer) answer = imds_lookup(*inst, path, ctx.cloud->region());
  if (!answer) {
    res.status = 404;
    return res.set_content("Not Found", "text/plain");
  }
  res.set_content(*answer, "text/plain");
}

// Where Auto Scaling lifecycle notifications go: there is no SNS, so to the SQS queue named like
// the topic, in an SNS envelope (QueueService::publish_to_topic); also noted in cloud.log.
AsgNotificationSink autoscaling_sink(Context& ctx) {
  return [&ctx](const std::string& topic, const std::string& subject, const std::string& message, int64_t now) {
    nlohmann::json entry = {{"event", "autoscaling-notification"}, {"topic", topic}, {"subject", subject}};
    if (ctx.queues) {
      if (auto s = ctx.queues->publish_to_topic(topic, subject, message, now); !s.ok()) {
        entry["error"] = s.error().message;
      }
    }
    ctx.log->write(std::move(entry));
  };
}

// SQS (sqs.db) and DynamoDB (dynamodb.db), each with its own SQLite file in the state directory.
Status open_json_services(Context& ctx, const std::string& endpoint) {
  QueueServiceOptions qo;
  qo.db_path = (fs::path(ctx.options.state_dir) / "sqs.db").string();
  qo.endpoint = endpoint;
  qo.region = ctx.options.region;
  qo.log = [&ctx](const nlohmann::json& e) { ctx.log->write(e); };
  auto queues = QueueService::open(qo);
  if (!queues.ok()) return queues.error();
  ctx.queues = std::move(*queues);
  TableServiceOptions to;
  to.db_path = (fs::path(ctx.options.state_dir) / "dynamodb.db").string();
  to.region = ctx.options.region;
  auto tables = TableService::open(to);
  if (!tables.ok()) return tables.error();
  ctx.tables = std::move(*tables);
  return {};
}

int bind_port(httplib::Server& svr, const ServeOptions& o) {
  if (o.port != 0) return svr.bind_to_port("127.0.0.1", o.port) ? o.port : -1;
  if (o.preferred_port > 0 && svr.bind_to_port("127.0.0.1", o.preferred_port)) return o.preferred_port;
  return svr.bind_to_any_port("127.0.0.1");
}

}  // namespace

Status serve(const ServeOptions& options, const std::function<void(const std::string&)>& on_ready) {
  std::error_code ec;
  fs::create_directories(options.state_dir, ec);
  if (ec) return make_error(ErrorKind::kGiveUp, "StateDirError", "cannot create " + options.state_dir);
  chmod(options.state_dir.c_str(), 0700);
  EventLog log((fs::path(options.state_dir) / "cloud.log").string());

  Context ctx;
  ctx.options = options;
  ctx.log = &log;
  auto creds = load_credentials(options.state_dir, true, options.region);
  if (!creds.ok()) return creds.error();
  ctx.creds = *creds;
  ctx.options.region = creds->region;  // the credentials file fixes the region of this cloud

  // Block the stop signals in every thread; one thread waits for them (sigwait).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  httplib::Server svr;
  int port = bind_port(svr, options);
  if (port <= 0) {
    return make_error(ErrorKind::kGiveUp, "BindFailed",
                      "cannot listen on 127.0.0.1:" + std::to_string(options.port) + " (in use?)");
  }
  std::string endpoint = "http://127.0.0.1:" + std::to_string(port);
  CloudOptions co;
  co.state_dir = options.state_dir;
  co.region = ctx.options.region;
  co.address_pool = options.address_pool;
  co.imds_base_url = endpoint + "/imds/";
  auto cloud = LocalCloud::open(co, unix_now());
  if (!cloud.ok()) return cloud.error();
  ctx.cloud = std::move(*cloud);
  AutoScalingOptions asg_options;
  asg_options.state_dir = options.state_dir;
  asg_options.region = ctx.options.region;
  auto autoscaling = AutoScalingService::open(asg_options, ctx.cloud.get(), {},
                                              [&log](nlohmann::json e) { log.write(std::move(e)); });
  if (!autoscaling.ok()) return autoscaling.error();
  ctx.autoscaling = std::move(*autoscaling);
  if (auto s = open_json_services(ctx, endpoint); !s.ok()) return s;
  ctx.autoscaling->set_sink(autoscaling_sink(ctx));
  // Long polls (ReceiveMessage, up to 20 s) each hold a worker: more than httplib's default 8.
  svr.new_task_queue = [] { return new httplib::ThreadPool(32); };

  svr.Post("/", [&](const httplib::Request& q, httplib::Response& r) { handle_root(ctx, q, r); });
  svr.Get("/", [&](const httplib::Request& q, httplib::Response& r) { handle_root(ctx, q, r); });
  svr.Post(R"(/_ebbflow/([a-z-]+))", [&](const httplib::Request& q, httplib::Response& r) { handle_admin(ctx, q, r); });
  svr.Get(R"(/_ebbflow/(state))", [&](const httplib::Request& q, httplib::Response& r) { handle_admin(ctx, q, r); });
  // IMDS is answered before routing: the token PUT usually has no body and no Content-Length
  // (curl -X PUT ...), which the router would reject before any handler ran.
  const std::regex imds_path(R"(/imds/(i-[0-9a-f]+)/latest/(.*))");
  svr.set_pre_routing_handler([&](const httplib::Request& q, httplib::Response& r) {
    std::smatch m;
    if (!std::regex_match(q.path, m, imds_path)) return httplib::Server::HandlerResponse::Unhandled;
    if (q.method != "GET" && q.method != "PUT") {
      r.status = 405;
    } else {
      handle_imds(ctx, q, r, m[1], m[2]);
    }
    return httplib::Server::HandlerResponse::Handled;
  });

  // Every reply carries the server's time, as AWS's do: a client whose clock is off learns the
  // offset from a RequestExpired reply (aws_client.h, "Clock skew").
  svr.set_post_routing_handler([](const httplib::Request&, httplib::Response& r) {
    r.set_header("Date", aws::http_date(unix_now()));
  });

  // The socket already listens (bind_to_port), so clients may connect as soon as they see this.
  if (auto s = write_file_atomic(options.state_dir, "cloud.pid", std::to_string(getpid()) + "\n", 0644); !s.ok()) {
    return s;
  }
  if (auto s = write_file_atomic(options.state_dir, "endpoint", endpoint + "\n", 0644); !s.ok()) return s;
  // Survives a clean stop (unlike `endpoint`), so the next start can reuse the port.
  (void)write_file_atomic(options.state_dir, "last-endpoint", endpoint + "\n", 0644);

  std::atomic<bool> stopping{false};
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  std::thread supervisor([&] {
    std::unique_lock lock(stop_mu);
    while (!stopping) {
      lock.unlock();
      ctx.cloud->tick(unix_now());
      ctx.autoscaling->tick(unix_now());
      lock.lock();
      stop_cv.wait_for(lock, std::chrono::milliseconds(250), [&] { return stopping.load(); });
    }
  });
  std::thread signal_waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    log.write({{"event", "stop"}, {"signal", sig}});
    if (ctx.queues) ctx.queues->shutdown();  // end long polls, so the workers can be joined
    svr.stop();
  });

  log.write({{"event", "start"}, {"endpoint", endpoint}, {"pid", getpid()}});
  if (on_ready) on_ready(endpoint);

  bool ok = svr.listen_after_bind();
  {
    std::lock_guard lock(stop_mu);
    stopping = true;
  }
  stop_cv.notify_all();
  supervisor.join();
  if (signal_waiter.joinable()) {
    // listen ended without a signal (error): wake the waiter with a signal it waits for.
    if (!ok) kill(getpid(), SIGTERM);
    signal_waiter.join();
  }
  fs::remove(fs::path(options.state_dir) / "endpoint", ec);
  fs::remove(fs::path(options.state_dir) / "cloud.pid", ec);
  log.write({{"event", "stopped"}});
  if (!ok) return make_error(ErrorKind::kUnavailable, "ListenFailed", "the HTTP server stopped unexpectedly");
  return {};
}

}  // namespace ebbflow::cloud
