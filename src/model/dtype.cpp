#include "model/dtype.hpp"

#include <string>

#include "common/error.hpp"

namespace wxfer {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::bf16:
      return 2;
    case DType::f32:
      return 4;
    case DType::fp8_e4m3:
    case DType::mxfp4:
    case DType::e8m0:
      return 1;
  }
  return 0;
}

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::bf16:
      return "bf16";
    case DType::f32:
      return "f32";
    case DType::fp8_e4m3:
      return "fp8_e4m3";
    case DType::mxfp4:
      return "mxfp4";
    case DType::e8m0:
      return "e8m0";
  }
  return "?";
}

std::string_view layout_name(DType t) { return t == DType::fp8_e4m3 ? "fp8" : dtype_name(t); }

DType parse_inventory_dtype(std::string_view text, std::string_view what, std::string_view expected) {
  if (text == "bf16") return DType::bf16;
  if (text == "fp8" || text == "fp8_e4m3") return DType::fp8_e4m3;
  if (text == "mxfp4") return DType::mxfp4;
  throw_usage("invalid " + std::string(what) + " '" + std::string(text) + "': expected " + std::string(expected));
}

}  // namespace wxfer
