// Text and JSON summaries of an inventory and a plan, shared by the subcommands.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "plan/plan.hpp"

namespace wxfer::cli {

// With list_tensors, every tensor's name, shape and dtype too (in inventory order).
nlohmann::json inventory_json(const Model& model, bool list_tensors = false);
std::string inventory_text(const Model& model, bool list_tensors = false);
nlohmann::json plan_json(const Plan& plan, double build_seconds);
std::string plan_text(const Plan& plan, double build_seconds);

}  // namespace wxfer::cli
