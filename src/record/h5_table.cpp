#include "record/h5_table.hpp"

#include <algorithm>

namespace wxfer::h5 {

void write_table(hid_t parent, const std::string& name, hid_t mem_type, const void* rows, size_t count) {
  // Packed little-endian-as-native layout on disk: no padding bytes between fields.
  const Datatype file_type(WXFER_CHECK_H5(H5Tcopy(mem_type)));
  WXFER_CHECK_H5(H5Tpack(file_type.get()));
  const hsize_t dims[1] = {count};
  const hsize_t max_dims[1] = {H5S_UNLIMITED};
  const Dataspace space(WXFER_CHECK_H5(H5Screate_simple(1, dims, max_dims)));
  const PropertyList create(WXFER_CHECK_H5(H5Pcreate(H5P_DATASET_CREATE)));
  const hsize_t chunk[1] = {std::clamp<hsize_t>(count, 1, 16384)};
  WXFER_CHECK_H5(H5Pset_chunk(create.get(), 1, chunk));
  if (WXFER_CHECK_H5(H5Zfilter_avail(H5Z_FILTER_DEFLATE)) > 0) {
    WXFER_CHECK_H5(H5Pset_shuffle(create.get()));
    WXFER_CHECK_H5(H5Pset_deflate(create.get(), 4));
  }
  const Dataset dataset(
      WXFER_CHECK_H5(H5Dcreate2(parent, name.c_str(), file_type.get(), space.get(), H5P_DEFAULT, create.get(), H5P_DEFAULT)));
  if (count > 0) WXFER_CHECK_H5(H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows));
}

size_t table_rows(hid_t parent, const std::string& name) {
  const Dataset dataset(WXFER_CHECK_H5(H5Dopen2(parent, name.c_str(), H5P_DEFAULT)));
  const Dataspace space(WXFER_CHECK_H5(H5Dget_space(dataset.get())));
  if (WXFER_CHECK_H5(H5Sget_simple_extent_ndims(space.get())) != 1)
    throw_system_error("H5Sget_simple_extent_ndims(" + name + ")", "table '" + name + "' is not one-dimensional");
  return static_cast<size_t>(WXFER_CHECK_H5(H5Sget_simple_extent_npoints(space.get())));
}

void read_table(hid_t parent, const std::string& name, hid_t mem_type, void* rows) {
  const Dataset dataset(WXFER_CHECK_H5(H5Dopen2(parent, name.c_str(), H5P_DEFAULT)));
  WXFER_CHECK_H5(H5Dread(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows));
}

}  // namespace wxfer::h5
