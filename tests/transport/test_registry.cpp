// The registry table and the checks shared by all windows; no MPI job needed.
#include <gtest/gtest.h>

#include <sstream>

#include "transport/registry.hpp"
#include "transport/window_bounds.hpp"

namespace wxfer {
namespace {

// CMake registers one conformance test per backend; a backend added to the table without
// one would go untested, so the lists must agree.
TEST(TransportRegistry, EveryCompiledInTransportHasConformanceTests) {
  std::string names;
  for (const auto& e : transport_registry()) names += std::string(names.empty() ? "" : ",") + e.name;
  EXPECT_EQ(names, WXFER_CONFORMANCE_BACKENDS);
}

TEST(TransportRegistry, EntriesAreComplete) {
  for (const auto& e : transport_registry()) {
    SCOPED_TRACE(e.name);
    EXPECT_NE(std::string(e.description), "");
    EXPECT_TRUE(e.capabilities.two_sided || e.capabilities.one_sided);
    EXPECT_TRUE(e.capabilities.host_memory || e.capabilities.device_memory);
    EXPECT_EQ(find_transport(e.name), &e);
    const auto why = e.unavailable();  // must not throw either
    EXPECT_TRUE(!why || !why->empty());
  }
  EXPECT_EQ(find_transport("no-such-transport"), nullptr);
}

TEST(TransportRegistry, DescribesCapabilities) {
  TransportCapabilities c;
  c.one_sided = true;
  c.device_memory = true;
  EXPECT_EQ(describe_capabilities(c), "one-sided, host memory, device memory");
}

TEST(WindowBounds, AcceptsPutsInsideAndAtTheEnd) {
  const std::vector<uint64_t> sizes{100, 0};
  EXPECT_NO_THROW(check_put_fits(0, 0, 100, sizes, "t"));
  EXPECT_NO_THROW(check_put_fits(0, 100, 0, sizes, "t"));
  EXPECT_NO_THROW(check_put_fits(1, 0, 0, sizes, "t"));
}

TEST(WindowBounds, RefusesPutsPastTheEndOrToNoRank) {
  const std::vector<uint64_t> sizes{100, 0};
  EXPECT_THROW(check_put_fits(0, 1, 100, sizes, "t"), SystemError);
  EXPECT_THROW(check_put_fits(0, ~uint64_t{0}, 2, sizes, "t"), SystemError);  // would wrap
  EXPECT_THROW(check_put_fits(1, 0, 1, sizes, "t"), SystemError);
  EXPECT_THROW(check_put_fits(2, 0, 0, sizes, "t"), SystemError);
  EXPECT_THROW(check_put_fits(-1, 0, 0, sizes, "t"), SystemError);
}

}  // namespace
}  // namespace wxfer
