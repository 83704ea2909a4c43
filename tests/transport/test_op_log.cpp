#include "transport/op_log.hpp"

#include <gtest/gtest.h>

namespace wxfer {
namespace {

TEST(OpLog, SizeClassesArePowersOfTwo) {
  EXPECT_EQ(op_size_class(0), 0u);
  EXPECT_EQ(op_size_class(1), 0u);
  EXPECT_EQ(op_size_class(255), 7u);
  EXPECT_EQ(op_size_class(256), 8u);
  EXPECT_EQ(op_size_class(uint64_t{8} << 20), 23u);
  EXPECT_EQ(op_size_class(~uint64_t{0}), kOpSizeClasses - 1);
}

TEST(OpLog, TakeReturnsWhatWasCountedAndStartsAfresh) {
  OpLog log;
  log.count(OpKind::put, 256);
  log.count(OpKind::put, 300);
  log.count(OpKind::put, 256 * 1000, 1000);  // 1000 row puts of 256 B
  log.count(OpKind::send, 8 << 20);
  const auto first = log.take();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].kind, OpKind::put);
  EXPECT_EQ(first[0].size_class, 8);
  EXPECT_EQ(first[0].ops, 1002u);
  EXPECT_EQ(first[0].bytes, 256u + 300u + 256000u);
  EXPECT_EQ(first[1].kind, OpKind::send);
  EXPECT_EQ(first[1].size_class, 23);
  EXPECT_EQ(first[1].ops, 1u);
  EXPECT_TRUE(log.take().empty());
  EXPECT_EQ(op_kind_name(OpKind::broadcast), "broadcast");
}

}  // namespace
}  // namespace wxfer
