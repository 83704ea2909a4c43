// What most RL frameworks do: every tensor is gathered whole on trainer rank 0, which sends
// it to every inference rank; inference ranks keep their slices. Pipelined by rounds of
// tensors with two buffers; trainer 0's link carries everything.
#pragma once

#include <memory>

#include "strategy/strategy.hpp"

namespace wxfer {

std::unique_ptr<Strategy> make_gather_strategy();

}  // namespace wxfer
