#include "cloud/state_files.h"

#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ebbflow::cloud {

namespace fs = std::filesystem;

namespace {
std::string random_chars(const std::string& alphabet, int n) {
  std::string bytes(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), n);
  std::string out;
  for (unsigned char b : bytes) out += alphabet[b % alphabet.size()];
  return out;
}

Result<std::string> read_all(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return make_error(ErrorKind::kNotFound, "NotFound", "cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

Status write_file_atomic(const std::string& dir, const std::string& name, const std::string& content, int mode) {
  fs::path tmp = fs::path(dir) / ("." + name + ".tmp." + std::to_string(getpid()));
  fs::path final_path = fs::path(dir) / name;
  {
    std::ofstream out(tmp, std::ios::trunc);
    chmod(tmp.c_str(), static_cast<mode_t>(mode));
    out << content;
    if (!out) return make_error(ErrorKind::kGiveUp, "WriteFailed", "cannot write " + tmp.string());
  }
  if (std::rename(tmp.c_str(), final_path.c_str()) != 0) {
    return make_error(ErrorKind::kGiveUp, "WriteFailed", "cannot rename to " + final_path.string());
  }
  return {};
}

Result<CloudCredentials> load_credentials(const std::string& state_dir, bool create, const std::string& region) {
  fs::path p = fs::path(state_dir) / "credentials.json";
  auto text = read_all(p);
  if (text.ok()) {
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object() || !j.contains("access_key_id") || !j.contains("secret_access_key")) {
      return make_error(ErrorKind::kInvalidInput, "InvalidCredentials",
                        p.string() + ": expected {\"access_key_id\", \"secret_access_key\"}");
    }
    CloudCredentials c;
    c.credentials.access_key_id = j["access_key_id"].get<std::string>();
    c.credentials.secret_access_key = j["secret_access_key"].get<std::string>();
    c.region = j.value("region", region.empty() ? std::string("us-east-1") : region);
    return c;
  }
  if (!create) {
    return make_error(ErrorKind::kNotFound, "NoCredentials",
                      "no local cloud in " + state_dir + " (" + p.string() + " is missing)");
  }
  CloudCredentials c;
  c.credentials.access_key_id = "AKIA" + random_chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
  c.credentials.secret_access_key =
      random_chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);
  c.region = region.empty() ? "us-east-1" : region;
  nlohmann::json j = {{"access_key_id", c.credentials.access_key_id},
                      {"secret_access_key", c.credentials.secret_access_key},
                      {"region", c.region}};
  if (auto s = write_file_atomic(state_dir, "credentials.json", j.dump(2) + "\n", 0600); !s.ok()) return s.error();
  return c;
}

Result<std::string> read_endpoint(const std::string& state_dir) {
  auto text = read_all(fs::path(state_dir) / "endpoint");
  if (!text.ok()) {
    return make_error(ErrorKind::kUnavailable, "NotRunning", "the local cloud in " + state_dir + " is not running");
  }
  std::string s = *text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

Result<int> read_pid(const std::string& state_dir) {
  auto text = read_all(fs::path(state_dir) / "cloud.pid");
  if (!text.ok()) return text.error();
  try {
    return std::stoi(*text);
  } catch (...) {
    return make_error(ErrorKind::kInvalidInput, "InvalidPidFile", state_dir + "/cloud.pid is not a pid");
  }
}

}  // namespace ebbflow::cloud
