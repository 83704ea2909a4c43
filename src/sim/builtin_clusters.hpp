// Cluster files compiled into the binary from configs/clusters/*.toml.
#pragma once

#include <vector>

namespace wxfer {

struct BuiltinCluster {
  const char* name;  // file name without .toml
  const char* toml;
};

const std::vector<BuiltinCluster>& builtin_clusters();

}  // namespace wxfer
