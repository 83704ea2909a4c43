// environment_choice: the WXFER_* settings read from the environment.
#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"
#include "common/process.hpp"
#include "common/scoped_environment.hpp"

namespace wxfer::test {
namespace {

constexpr const char* kName = "WXFER_TEST_CHOICE";

TEST(EnvironmentChoice, UnsetOrEmptyIsTheFirstChoice) {
  EXPECT_EQ(environment_choice(kName, {"auto", "on", "off"}), "auto");
  const ScopedEnvironment empty(kName, "");
  EXPECT_EQ(environment_choice(kName, {"auto", "on", "off"}), "auto");
}

TEST(EnvironmentChoice, EveryChoiceIsItself) {
  for (const char* value : {"auto", "on", "off"}) {
    const ScopedEnvironment set(kName, value);
    EXPECT_EQ(environment_choice(kName, {"auto", "on", "off"}), value);
  }
}

TEST(EnvironmentChoice, AnythingElseIsAUsageErrorNamingVariableValueAndChoices) {
  const ScopedEnvironment set(kName, "On");  // case matters
  try {
    environment_choice(kName, {"auto", "on", "off"});
    FAIL() << "'On' was accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "invalid WXFER_TEST_CHOICE 'On': expected auto, on or off");
  }
  EXPECT_THROW(environment_choice(kName, {"a", "b"}), UsageError);
}

}  // namespace
}  // namespace wxfer::test
