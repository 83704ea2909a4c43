#include "record/run_file_types.hpp"

#include <cstddef>

namespace wxfer::record_detail {
namespace {

void add(hid_t compound, const char* name, size_t offset, hid_t type) { WXFER_CHECK_H5(H5Tinsert(compound, name, offset, type)); }

}  // namespace

h5::Datatype rank_row_type() {
  h5::Datatype type(WXFER_CHECK_H5(H5Tcreate(H5T_COMPOUND, sizeof(RankRow))));
  const h5::Datatype role = h5::fixed_string_type(sizeof(RankRow::role));
  const h5::Datatype host = h5::fixed_string_type(sizeof(RankRow::host));
  add(type.get(), "rank", offsetof(RankRow, rank), H5T_NATIVE_INT32);
  add(type.get(), "role", offsetof(RankRow, role), role.get());
  add(type.get(), "host", offsetof(RankRow, host), host.get());
  add(type.get(), "clock_offset", offsetof(RankRow, clock_offset), H5T_NATIVE_DOUBLE);
  add(type.get(), "clock_error", offsetof(RankRow, clock_error), H5T_NATIVE_DOUBLE);
  return type;
}

h5::Datatype step_row_type() {
  h5::Datatype type(WXFER_CHECK_H5(H5Tcreate(H5T_COMPOUND, sizeof(StepRecord))));
  add(type.get(), "step", offsetof(StepRecord, step), H5T_NATIVE_INT32);
  add(type.get(), "seconds", offsetof(StepRecord, seconds), H5T_NATIVE_DOUBLE);
  add(type.get(), "bytes_landed", offsetof(StepRecord, bytes_landed), H5T_NATIVE_UINT64);
  add(type.get(), "verified", offsetof(StepRecord, verified), H5T_NATIVE_UINT8);
  add(type.get(), "t_begin", offsetof(StepRecord, t_begin), H5T_NATIVE_DOUBLE);
  add(type.get(), "t_end", offsetof(StepRecord, t_end), H5T_NATIVE_DOUBLE);
  add(type.get(), "bound_seconds", offsetof(StepRecord, bound_seconds), H5T_NATIVE_DOUBLE);
  add(type.get(), "reference_seconds", offsetof(StepRecord, reference_seconds), H5T_NATIVE_DOUBLE);
  add(type.get(), "delta", offsetof(StepRecord, delta), H5T_NATIVE_UINT8);
  add(type.get(), "changed_fraction", offsetof(StepRecord, changed_fraction), H5T_NATIVE_DOUBLE);
  add(type.get(), "whole_bytes", offsetof(StepRecord, whole_bytes), H5T_NATIVE_UINT64);
  return type;
}

h5::Datatype event_row_type() {
  h5::Datatype type(WXFER_CHECK_H5(H5Tcreate(H5T_COMPOUND, sizeof(Event))));
  const h5::Datatype stage = h5::fixed_string_type(sizeof(Event::stage));
  add(type.get(), "rank", offsetof(Event, rank), H5T_NATIVE_INT32);
  add(type.get(), "step", offsetof(Event, step), H5T_NATIVE_INT32);
  add(type.get(), "stage", offsetof(Event, stage), stage.get());
  add(type.get(), "bucket", offsetof(Event, bucket), H5T_NATIVE_INT32);
  add(type.get(), "peer", offsetof(Event, peer), H5T_NATIVE_INT32);
  add(type.get(), "bytes", offsetof(Event, bytes), H5T_NATIVE_UINT64);
  add(type.get(), "t_begin", offsetof(Event, t_begin), H5T_NATIVE_DOUBLE);
  add(type.get(), "t_end", offsetof(Event, t_end), H5T_NATIVE_DOUBLE);
  return type;
}

h5::Datatype op_row_type() {
  h5::Datatype type(WXFER_CHECK_H5(H5Tcreate(H5T_COMPOUND, sizeof(OpRecord))));
  const h5::Datatype kind = h5::fixed_string_type(sizeof(OpRecord::kind));
  add(type.get(), "rank", offsetof(OpRecord, rank), H5T_NATIVE_INT32);
  add(type.get(), "step", offsetof(OpRecord, step), H5T_NATIVE_INT32);
  add(type.get(), "kind", offsetof(OpRecord, kind), kind.get());
  add(type.get(), "size_class", offsetof(OpRecord, size_class), H5T_NATIVE_INT32);
  add(type.get(), "ops", offsetof(OpRecord, ops), H5T_NATIVE_UINT64);
  add(type.get(), "bytes", offsetof(OpRecord, bytes), H5T_NATIVE_UINT64);
  return type;
}

}  // namespace wxfer::record_detail
