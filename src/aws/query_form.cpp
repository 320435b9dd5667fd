#include "aws/query_form.h"

#include <openssl/evp.h>

#include "aws/sigv4.h"

namespace ebbflow::aws {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string form_unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

QueryForm::QueryForm(std::string_view action, std::string_view version) {
  params_.emplace_back("Action", std::string(action));
  params_.emplace_back("Version", std::string(version));
}

QueryForm& QueryForm::add(std::string key, std::string value) {
  params_.emplace_back(std::move(key), std::move(value));
  return *this;
}

QueryForm& QueryForm::add_list(const std::string& prefix, const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i) add(prefix + "." + std::to_string(i + 1), values[i]);
  return *this;
}

std::string QueryForm::encode() const {
  std::string out;
  for (const auto& [k, v] : params_) {
    if (!out.empty()) out.push_back('&');
    out += uri_encode(k);
    out.push_back('=');
    out += uri_encode(v);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> decode_form(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view pair = body.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      out.emplace_back(form_unescape(pair.substr(0, eq)),
                       eq == std::string_view::npos ? std::string() : form_unescape(pair.substr(eq + 1)));
    }
    start = end + 1;
  }
  return out;
}

std::string base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace ebbflow::aws
