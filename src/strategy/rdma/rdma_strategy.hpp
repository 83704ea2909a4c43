// Perplexity's design: a static schedule from the plan; inference ranks expose their
// weight memory once; after each "go" trainers write straight into it (one-sided), chunk
// by chunk: a prepare thread stages in and quantizes chunk k+1 while the main thread writes
// chunk k (and posts the full-tensor gathers' receives, which are MPI), within the --max-tmp-bytes
// bound (pipeline/sender_pipeline.hpp).
#pragma once

#include <memory>

#include "strategy/strategy.hpp"

namespace wxfer {

std::unique_ptr<Strategy> make_rdma_strategy();

}  // namespace wxfer
