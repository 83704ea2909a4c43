#include "common/auto_on_off.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"

namespace wxfer {
namespace {

TEST(AutoOnOff, ParsesItsThreeValuesAndBackAgain) {
  for (AutoOnOff v : {AutoOnOff::automatic, AutoOnOff::on, AutoOnOff::off}) EXPECT_EQ(parse_auto_on_off(to_string(v), "--x"), v);
  EXPECT_EQ(parse_auto_on_off("auto", "--x"), AutoOnOff::automatic);
}

TEST(AutoOnOff, ABadValueNamesTheOptionAndTheValue) {
  for (const char* bad : {"sometimes", "", "ON", "auto "}) {
    try {
      parse_auto_on_off(bad, "--settle");
      FAIL() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()), "invalid --settle '" + std::string(bad) + "' (expected auto, on or off)");
    }
  }
}

}  // namespace
}  // namespace wxfer
