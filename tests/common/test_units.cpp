#include <gtest/gtest.h>

#include "common/error.hpp"
#include "common/units.hpp"

namespace wxfer {
namespace {

TEST(Units, Bytes) {
  EXPECT_EQ(parse_bytes("64MiB", "x"), 64ull << 20);
  EXPECT_EQ(parse_bytes("1.5 GiB", "x"), 3ull << 29);
  EXPECT_EQ(parse_bytes("2GB", "x"), 2000000000ull);
  EXPECT_EQ(parse_bytes("4096", "x"), 4096ull);
  EXPECT_THROW(parse_bytes("12 parsecs", "x"), UsageError);
  EXPECT_THROW(parse_bytes("-1MiB", "x"), UsageError);
  EXPECT_THROW(parse_bytes("", "x"), UsageError);
}

TEST(Units, Bandwidth) {
  EXPECT_DOUBLE_EQ(parse_bandwidth("50GB/s", "x"), 50e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("400Gb/s", "x"), 50e9);
  EXPECT_THROW(parse_bandwidth("0GB/s", "x"), UsageError);
  EXPECT_THROW(parse_bandwidth("fast", "x"), UsageError);
}

TEST(Units, ErrorNamesTheOptionAndValue) {
  try {
    parse_bytes("7 furlongs", "--chunk-size");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--chunk-size '7 furlongs'"), std::string::npos) << e.what();
  }
}

TEST(Units, Formatting) {
  EXPECT_EQ(format_count(1026470731056ull), "1,026,470,731,056");
  EXPECT_EQ(format_count(12), "12");
  EXPECT_EQ(format_count(1000), "1,000");
  EXPECT_EQ(format_bytes(1536), "1.50 KiB");
  EXPECT_DOUBLE_EQ(parse_fraction("10%", "x"), 0.1);
}

}  // namespace
}  // namespace wxfer
