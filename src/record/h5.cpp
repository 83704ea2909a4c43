#include "record/h5.hpp"

#include <vector>

namespace wxfer::h5 {
namespace {

// Collects the innermost entry of the HDF5 error stack: the most specific reason.
herr_t first_error(unsigned n, const H5E_error2_t* e, void* out) {
  if (n == 0 && e->desc != nullptr) *static_cast<std::string*>(out) = std::string(e->func_name) + ": " + e->desc;
  return 0;
}

template <typename T>
void write_scalar_attribute(hid_t object, const std::string& name, hid_t file_type, hid_t mem_type, T value) {
  const Dataspace space(WXFER_CHECK_H5(H5Screate(H5S_SCALAR)));
  const Attribute attr(WXFER_CHECK_H5(H5Acreate2(object, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT)));
  WXFER_CHECK_H5(H5Awrite(attr.get(), mem_type, &value));
}

template <typename T>
T read_scalar_attribute(hid_t object, const std::string& name, hid_t mem_type) {
  const Attribute attr(WXFER_CHECK_H5(H5Aopen(object, name.c_str(), H5P_DEFAULT)));
  const Dataspace space(WXFER_CHECK_H5(H5Aget_space(attr.get())));
  if (WXFER_CHECK_H5(H5Sget_simple_extent_npoints(space.get())) != 1)
    throw_system_error("H5Aread(" + name + ")", "attribute '" + name + "' is not a scalar");
  T value{};
  WXFER_CHECK_H5(H5Aread(attr.get(), mem_type, &value));
  return value;
}

}  // namespace

void quiet_errors() {
  static const bool done = [] {
    WXFER_CHECK_H5(H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr));
    return true;
  }();
  (void)done;
}

void throw_h5_error(std::string_view call, std::source_location where) {
  std::string reason;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error, &reason);
  H5Eclear2(H5E_DEFAULT);
  if (reason.empty()) reason = "HDF5 call failed";
  try {
    throw_system_error(call, reason, where);
  } catch (const SystemError& e) {
    throw H5Error(e.what(), reason);
  }
}

PropertyList file_access() {
  PropertyList access(WXFER_CHECK_H5(H5Pcreate(H5P_FILE_ACCESS)));
#if H5_VERSION_GE(1, 10, 7)
  WXFER_CHECK_H5(H5Pset_file_locking(access.get(), true, true));
#endif
  return access;
}

bool has_attribute(hid_t object, const std::string& name) { return WXFER_CHECK_H5(H5Aexists(object, name.c_str())) > 0; }

void write_string_attribute(hid_t object, const std::string& name, const std::string& value) {
  // Variable-length UTF-8: h5py returns `str`, and JSON values have no size limit.
  const Datatype type(WXFER_CHECK_H5(H5Tcopy(H5T_C_S1)));
  WXFER_CHECK_H5(H5Tset_size(type.get(), H5T_VARIABLE));
  WXFER_CHECK_H5(H5Tset_cset(type.get(), H5T_CSET_UTF8));
  const char* text = value.c_str();
  write_scalar_attribute(object, name, type.get(), type.get(), text);
}

void write_double_attribute(hid_t object, const std::string& name, double value) {
  write_scalar_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, value);
}
void write_int32_attribute(hid_t object, const std::string& name, int32_t value) {
  write_scalar_attribute(object, name, H5T_STD_I32LE, H5T_NATIVE_INT32, value);
}
void write_uint64_attribute(hid_t object, const std::string& name, uint64_t value) {
  write_scalar_attribute(object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, value);
}
void write_uint8_attribute(hid_t object, const std::string& name, uint8_t value) {
  write_scalar_attribute(object, name, H5T_STD_U8LE, H5T_NATIVE_UINT8, value);
}

std::string read_string_attribute(hid_t object, const std::string& name) {
  const Attribute attr(WXFER_CHECK_H5(H5Aopen(object, name.c_str(), H5P_DEFAULT)));
  const Datatype file_type(WXFER_CHECK_H5(H5Aget_type(attr.get())));
  if (WXFER_CHECK_H5(H5Tget_class(file_type.get())) != H5T_STRING)
    throw_system_error("H5Aread(" + name + ")", "attribute '" + name + "' is not a string");
  const Dataspace space(WXFER_CHECK_H5(H5Aget_space(attr.get())));
  const Datatype mem_type(WXFER_CHECK_H5(H5Tcopy(H5T_C_S1)));
  // HDF5 converts no strings between character sets: read in the one it was written in.
  WXFER_CHECK_H5(H5Tset_cset(mem_type.get(), WXFER_CHECK_H5(H5Tget_cset(file_type.get()))));
  if (WXFER_CHECK_H5(H5Tis_variable_str(file_type.get())) > 0) {
    WXFER_CHECK_H5(H5Tset_size(mem_type.get(), H5T_VARIABLE));
    char* text = nullptr;
    WXFER_CHECK_H5(H5Aread(attr.get(), mem_type.get(), &text));
    std::string value = text != nullptr ? text : "";
    WXFER_CHECK_H5(H5Dvlen_reclaim(mem_type.get(), space.get(), H5P_DEFAULT, &text));
    return value;
  }
  const size_t size = H5Tget_size(file_type.get());
  if (size == 0) throw_h5_error("H5Tget_size", std::source_location::current());
  WXFER_CHECK_H5(H5Tset_size(mem_type.get(), size));
  std::vector<char> buffer(size + 1, '\0');
  WXFER_CHECK_H5(H5Aread(attr.get(), mem_type.get(), buffer.data()));
  return std::string(buffer.data());
}

double read_double_attribute(hid_t object, const std::string& name) {
  return read_scalar_attribute<double>(object, name, H5T_NATIVE_DOUBLE);
}
int64_t read_int64_attribute(hid_t object, const std::string& name) {
  return read_scalar_attribute<int64_t>(object, name, H5T_NATIVE_INT64);
}
uint64_t read_uint64_attribute(hid_t object, const std::string& name) {
  return read_scalar_attribute<uint64_t>(object, name, H5T_NATIVE_UINT64);
}

Datatype fixed_string_type(size_t size) {
  Datatype type(WXFER_CHECK_H5(H5Tcopy(H5T_C_S1)));
  WXFER_CHECK_H5(H5Tset_size(type.get(), size));
  WXFER_CHECK_H5(H5Tset_strpad(type.get(), H5T_STR_NULLPAD));
  WXFER_CHECK_H5(H5Tset_cset(type.get(), H5T_CSET_ASCII));
  return type;
}

}  // namespace wxfer::h5
