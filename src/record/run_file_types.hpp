// HDF5 compound types of the three tables in docs/hdf5-schema.md, in memory layout.
#pragma once

#include <cstdint>

#include "record/h5.hpp"
#include "record/run_record.hpp"

namespace wxfer::record_detail {

// RankInfo as a fixed-size row: role and host are NUL-padded fixed-length strings.
struct RankRow {
  int32_t rank = 0;
  char role[16] = {};
  char host[64] = {};
  double clock_offset = 0;
  double clock_error = 0;
};

h5::Datatype rank_row_type();
h5::Datatype step_row_type();   // StepRecord
h5::Datatype event_row_type();  // Event
h5::Datatype op_row_type();     // OpRecord

}  // namespace wxfer::record_detail
