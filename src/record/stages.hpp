// The one table of stage names. Every event a run or a simulation records names one of
// these; the report, the trace and the plots read the same table (run files carry it as the
// root attribute `stages`).
#pragma once

#include <string_view>
#include <vector>

namespace wxfer {

namespace stage {
inline constexpr const char* setup = "setup";
inline constexpr const char* stage_in = "stage_in";
inline constexpr const char* contribute = "contribute";
inline constexpr const char* gather = "gather";
inline constexpr const char* fuse = "fuse";
inline constexpr const char* quantize = "quantize";
inline constexpr const char* encode = "encode";
inline constexpr const char* pack = "pack";
inline constexpr const char* collect = "collect";
inline constexpr const char* send = "send";
inline constexpr const char* transfer = "transfer";
inline constexpr const char* bcast = "bcast";
inline constexpr const char* receive = "receive";
inline constexpr const char* copy_out = "copy_out";
inline constexpr const char* commit = "commit";
inline constexpr const char* apply = "apply";
inline constexpr const char* verify = "verify";
}  // namespace stage

struct StageInfo {
  const char* name;
  const char* meaning;
  // Bytes cross between ranks in it: the report's busy-time skew and the wire bytes count it.
  bool wire;
};

// In pipeline order (the plots colour and stack stages in this order).
const std::vector<StageInfo>& stage_table();
const StageInfo* find_stage(std::string_view name);  // nullptr when unknown
bool is_wire_stage(std::string_view name);

}  // namespace wxfer
