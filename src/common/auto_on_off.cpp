#include "common/auto_on_off.hpp"

#include <string>

#include "common/error.hpp"

namespace wxfer {

AutoOnOff parse_auto_on_off(std::string_view text, std::string_view what) {
  if (text == "auto") return AutoOnOff::automatic;
  if (text == "on") return AutoOnOff::on;
  if (text == "off") return AutoOnOff::off;
  throw_usage("invalid " + std::string(what) + " '" + std::string(text) + "' (expected auto, on or off)");
}

const char* to_string(AutoOnOff value) {
  switch (value) {
    case AutoOnOff::automatic:
      return "auto";
    case AutoOnOff::on:
      return "on";
    case AutoOnOff::off:
      return "off";
  }
  return "auto";
}

}  // namespace wxfer
