#include "aws/sqs_parse.h"

#include <openssl/evp.h>

#include <charconv>

namespace ebbflow::aws {

namespace {

using nlohmann::json;

Error malformed(const std::string& what) { return make_error(ErrorKind::kRetry, "MalformedResponse", what); }

// SQS attribute values are decimal strings.
bool to_int64(const json& v, int64_t* out) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return false;
  // from_chars, not stoll: a 19-digit value past INT64_MAX made stoll throw out of the parser.
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::string md5_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

Result<json> parse_json_reply(const std::string& body, const std::string& what) {
  if (body.empty()) return json::object();
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return malformed(what + ": the reply is not a JSON object");
  return j;
}

Result<std::vector<SqsMessage>> parse_receive_message(const std::string& body) {
  auto reply = parse_json_reply(body, "SQS ReceiveMessage");
  if (!reply.ok()) return reply.error();
  std::vector<SqsMessage> out;
  auto list = reply->find("Messages");
  if (list == reply->end() || list->is_null()) return out;
  if (!list->is_array()) return malformed("SQS ReceiveMessage: Messages is not a list");
  for (const auto& m : *list) {
    if (!m.is_object()) return malformed("SQS ReceiveMessage: a message is not an object");
    SqsMessage msg;
    for (auto [name, field] : {std::pair{"MessageId", &msg.message_id}, std::pair{"ReceiptHandle", &msg.receipt_handle},
                               std::pair{"Body", &msg.body}}) {
      if (!m.contains(name) || !m[name].is_string())
        return malformed(std::string("SQS ReceiveMessage: a message has no ") + name);
      *field = m[name].get<std::string>();
    }
    if (m.contains("MD5OfBody") && m["MD5OfBody"].is_string()) {
      msg.md5_of_body = m["MD5OfBody"].get<std::string>();
      if (msg.md5_of_body != md5_hex(msg.body))
        return make_error(ErrorKind::kRetry, "MessageChecksumMismatch",
                          "SQS ReceiveMessage: MD5OfBody does not match the body of message " + msg.message_id);
    }
    if (m.contains("Attributes") && m["Attributes"].is_object()) {
      const json& a = m["Attributes"];
      int64_t v = 0;
      if (a.contains("ApproximateReceiveCount") && to_int64(a["ApproximateReceiveCount"], &v))
        msg.approximate_receive_count = static_cast<int>(v);
      if (a.contains("SentTimestamp") && to_int64(a["SentTimestamp"], &v)) msg.sent_timestamp_ms = v;
    }
    out.push_back(std::move(msg));
  }
  return out;
}

Result<std::vector<BatchEntryFailure>> parse_batch_failures(const json& reply) {
  std::vector<BatchEntryFailure> out;
  auto failed = reply.find("Failed");
  if (failed == reply.end() || failed->is_null()) return out;
  if (!failed->is_array()) return malformed("SQS batch reply: Failed is not a list");
  for (const auto& f : *failed) {
    if (!f.is_object() || !f.contains("Id") || !f["Id"].is_string())
      return malformed("SQS batch reply: a Failed entry has no Id");
    BatchEntryFailure e;
    e.id = f["Id"].get<std::string>();
    // Typed reads: json::value() throws type_error when a field has another type.
    if (f.contains("Code") && f["Code"].is_string()) e.code = f["Code"].get<std::string>();
    if (f.contains("Message") && f["Message"].is_string()) e.message = f["Message"].get<std::string>();
    if (f.contains("SenderFault") && f["SenderFault"].is_boolean()) e.sender_fault = f["SenderFault"].get<bool>();
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace ebbflow::aws
