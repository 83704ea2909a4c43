// MoonshotAI checkpoint-engine's design: the whole model packed into buckets per owner;
// each owner broadcasts its bucket to every inference rank, which keeps its slices. Two
// ping-pong buffers: the broadcast of bucket k+1 overlaps the copy-out of bucket k.
#pragma once

#include <memory>

#include "strategy/strategy.hpp"

namespace wxfer {

std::unique_ptr<Strategy> make_broadcast_strategy();

// checkpoint-engine sizes its bucket from free memory (at most 8 GiB, 90% of what is free,
// shared by the ping-pong and staging buffers); here host memory per local rank.
uint64_t default_bucket_bytes(int ranks_on_node);

}  // namespace wxfer
