#pragma once
// A fresh temporary directory for one test, removed afterwards — unless the test failed or
// SOCIALRX_KEEP_TEST_DIRS is set, so that logs and data can be looked at.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace socialrx::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "socialrx-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot create a temporary directory from " + pattern);
    }
    path_ = pattern;
  }
  ~TempDir() {
    if (path_.empty()) return;
    if (std::getenv("SOCIALRX_KEEP_TEST_DIRS") != nullptr || ::testing::Test::HasFailure()) {
      std::cerr << "[ kept     ] " << path_.string() << '\n';
      return;
    }
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace socialrx::testing
