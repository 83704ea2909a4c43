// Model configs compiled into the binary from configs/models/*.json.
#pragma once

#include <vector>

namespace wxfer {

struct BuiltinModel {
  const char* name;  // file name without .json
  const char* json;
};

const std::vector<BuiltinModel>& builtin_models();

}  // namespace wxfer
