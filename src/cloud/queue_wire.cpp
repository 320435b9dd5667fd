// Wire-level helpers of the local cloud's SQS (queue_wire.h).
#include "cloud/queue_wire.h"

#include <openssl/evp.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "cloud/base64.h"
#include "cloud/model.h"

namespace ebbflow::cloud::sqs_wire {

using nlohmann::json;

namespace {

constexpr const char* kHandleMagic = "ebbflow-rh1";

}  // namespace

Error sqs_err(const std::string& code, const std::string& message) {
  return make_error(ErrorKind::kInvalidInput, code, message);
}

// __type com.amazonaws.sqs#<Code>, plus the Query-era code botocore reports for SQS.
JsonReply to_reply(const Error& e) {
  if (e.kind == ErrorKind::kInternal)
    return json_error_reply("com.amazonaws.sqs#InternalError", e.message, "InternalError;Receiver", 500);
  static const std::map<std::string, std::string> query_codes = {
      {"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"},
      {"QueueNameExists", "QueueAlreadyExists"},
      {"MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight"},
      {"EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest"},
      {"TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"},
      {"BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"},
      {"InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId"},
      {"UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation"},
  };
  auto it = query_codes.find(e.code);
  return json_error_reply("com.amazonaws.sqs#" + e.code, e.message,
                          (it == query_codes.end() ? e.code : it->second) + ";Sender");
}

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

std::string new_uuid() {
  return random_hex(8) + "-" + random_hex(4) + "-4" + random_hex(3) + "-a" + random_hex(3) + "-" + random_hex(12);
}

std::string iso_time_ms(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms % 1000));
  return std::string(buf) + frac;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() < 12 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool valid_name(const std::string& s, size_t max_len) {
  return !s.empty() && s.size() <= max_len && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

Result<std::string> string_param(const json& req, const char* name, bool required) {
  auto it = req.find(name);
  if (it == req.end() || it->is_null()) {
    if (required) return sqs_err("MissingParameter", std::string("The request must contain the parameter ") + name + ".");
    return std::string();
  }
  if (!it->is_string()) return sqs_err("InvalidParameterValue", std::string("Parameter ") + name + " must be a string.");
  return it->get<std::string>();
}

// An integer parameter in [lo, hi]; `fallback` when absent.
Result<int64_t> int_param(const json& req, const char* name, int64_t lo, int64_t hi, int64_t fallback) {
  auto it = req.find(name);
  if (it == req.end() || it->is_null()) return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() < lo || it->get<int64_t>() > hi) {
    return sqs_err("InvalidParameterValue", "Value " + it->dump() + " for parameter " + name +
                                                " is invalid. Reason: Must be between " + std::to_string(lo) +
                                                " and " + std::to_string(hi) + ", if provided.");
  }
  return it->get<int64_t>();
}

Result<std::vector<std::string>> string_list(const json& req, const char* name) {
  std::vector<std::string> out;
  auto it = req.find(name);
  if (it == req.end() || it->is_null()) return out;
  if (!it->is_array()) return sqs_err("InvalidParameterValue", std::string("Parameter ") + name + " must be a list.");
  for (const auto& v : *it) {
    if (!v.is_string()) return sqs_err("InvalidParameterValue", std::string("Parameter ") + name + " must list strings.");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::string encode_handle(const std::string& queue, const QueuedMessage& m) {
  return base64_encode(std::string(kHandleMagic) + "\n" + queue + "\n" + m.id + "\n" + m.nonce);
}

std::optional<Handle> decode_handle(const std::string& text) {
  auto raw = base64_decode(text);
  if (!raw) return std::nullopt;
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t nl; (nl = raw->find('\n', start)) != std::string::npos; start = nl + 1)
    parts.push_back(raw->substr(start, nl - start));
  parts.push_back(raw->substr(start));
  if (parts.size() != 4 || parts[0] != kHandleMagic || parts[3].empty()) return std::nullopt;
  return Handle{parts[1], parts[2], parts[3]};
}

Error invalid_handle(const std::string& handle) {
  return sqs_err("ReceiptHandleIsInvalid", "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
}

}  // namespace ebbflow::cloud::sqs_wire
