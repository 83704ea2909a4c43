// A switch that is on, off, or decided by what the job finds (WXFER_CORE_SPREADING, WXFER_SETTLE).
#pragma once

#include <string_view>

namespace wxfer {

enum class AutoOnOff { automatic, on, off };

// "auto", "on" or "off"; otherwise a UsageError: "invalid <what> '<text>' (expected auto, on or off)".
AutoOnOff parse_auto_on_off(std::string_view text, std::string_view what);
const char* to_string(AutoOnOff value);  // "auto", "on", "off"

}  // namespace wxfer
