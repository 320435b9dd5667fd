// Fuzzes the AWS JSON 1.0 reply parsers of the traditional-mode clients: SQS ReceiveMessage
// (aws::parse_receive_message), DeleteMessageBatch failures (parse_json_reply +
// parse_batch_failures), DynamoDB GetItem (aws::parse_get_item) and IMDS role credentials
// (aws::parse_imds_credentials).
//
// Properties: a reply that cannot be read is kRetry with a code and message (the call is
// retried, never read as "no messages" / "no item"); every message returned carries its id,
// receipt handle and body, and an MD5OfBody that matches the body when one was given; no parser
// lets a JSON type error escape as an exception (that would end the daemon); IMDS credentials
// are complete when accepted, and a rejection never quotes the secret key or token.
#include <cstddef>
#include <cstdint>
#include <string>

#include "aws/dynamodb.h"
#include "aws/imds_client.h"
#include "aws/sqs.h"
#include "aws/sqs_parse.h"
#include "fuzz_check.h"

using namespace ebbflow;

namespace {

template <class T>
void check_failure(const Result<T>& r, const char* parser) {
  if (r.ok()) return;
  fuzz::check_error(r.error(), parser);
  FUZZ_CHECK(r.error().kind == ErrorKind::kRetry, std::string(parser) + ": not retried: " + r.error().describe());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);

  auto messages = aws::parse_receive_message(body);
  check_failure(messages, "parse_receive_message");
  if (messages.ok())
    for (const auto& m : *messages)
      if (!m.md5_of_body.empty()) FUZZ_CHECK(m.md5_of_body == aws::md5_hex(m.body), "MD5OfBody not checked");

  auto reply = aws::parse_json_reply(body, "fuzz");
  check_failure(reply, "parse_json_reply");
  if (reply.ok()) {
    FUZZ_CHECK(reply->is_object(), "parse_json_reply ok with a non-object");
    auto failures = aws::parse_batch_failures(*reply);
    check_failure(failures, "parse_batch_failures");
    if (failures.ok())
      for (const auto& f : *failures) (void)f.id;
  }

  auto item = aws::parse_get_item(body);
  check_failure(item, "parse_get_item");

  // IMDS role credentials: the body carries a secret that must never reach an error message.
  auto creds = aws::parse_imds_credentials(body, "fuzz-role");
  if (creds.ok()) {
    FUZZ_CHECK(!creds->credentials.access_key_id.empty() && !creds->credentials.secret_access_key.empty() &&
                   !creds->credentials.session_token.empty(),
               "IMDS credentials accepted with an empty field");
  } else {
    fuzz::check_error(creds.error(), "parse_imds_credentials");
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_object())
      for (const char* key : {"SecretAccessKey", "Token"}) {
        auto it = j.find(key);
        if (it == j.end() || !it->is_string() || it->get<std::string>().size() < 12) continue;
        const std::string secret = it->get<std::string>();
        auto code = j.find("Code");
        if (code != j.end() && code->is_string() && code->get<std::string>().find(secret) != std::string::npos) continue;
        FUZZ_CHECK(creds.error().message.find(secret) == std::string::npos, std::string(key) + " leaked into an error");
      }
  }
  return 0;
}
