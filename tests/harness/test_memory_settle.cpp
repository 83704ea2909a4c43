// Which virtio balloons give freed memory back to the host (the feature bits sysfs shows).
#include <gtest/gtest.h>

#include "harness/memory_settle.hpp"

namespace wxfer {
namespace {

TEST(MemorySettle, BalloonWithFreePageReportingIsDetected) {
  // A Firecracker balloon's features (bit 5, VIRTIO_BALLOON_F_REPORTING, set).
  EXPECT_TRUE(
      balloon_features_report_free_pages("011001010000000000000000000000001000000000000000000000000000000000000000000000000000000"
                                         "00000000000000000000000000000000000000000"));
}

TEST(MemorySettle, BalloonWithoutFreePageReportingIsNot) {
  // Stats and deflate-on-OOM (bits 1 and 2) but not bit 5.
  EXPECT_FALSE(balloon_features_report_free_pages("0110000000000000000000000000000010000000"));
  EXPECT_FALSE(balloon_features_report_free_pages("01101"));  // too short to carry bit 5
  EXPECT_FALSE(balloon_features_report_free_pages(""));
}

}  // namespace
}  // namespace wxfer
