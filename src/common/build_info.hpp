// What this binary was built with: printed by `wxfer --version`, stored in output files.
#pragma once

#include <string>

namespace wxfer {

std::string version();
// Multi-line "component: yes (version)" listing of the optional parts.
std::string build_features();

}  // namespace wxfer
