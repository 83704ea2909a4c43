// Perplexity's design: a static schedule from the plan; inference ranks expose their
// weight memory once; after each "go" trainers write straight into it (one-sided), chunk
// by chunk, preparing chunk k+1 while chunk k's writes are in flight.
#pragma once

#include <memory>

#include "strategy/strategy.hpp"

namespace wxfer {

std::unique_ptr<Strategy> make_rdma_strategy();

}  // namespace wxfer
