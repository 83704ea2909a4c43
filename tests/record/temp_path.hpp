// A file path under the build tree that is unique to the running test (ctest runs tests
// in parallel, one process each).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace wxfer::testing {

inline std::string temp_path(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::filesystem::path dir =
      std::filesystem::path(WXFER_TEST_TMP) / (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

}  // namespace wxfer::testing
