// A temporary directory (mkdtemp under /tmp) removed with everything in it at scope exit.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace ebbflow::cloud::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ebbflow-cloud-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ebbflow::cloud::testing
