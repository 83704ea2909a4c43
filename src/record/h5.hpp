// Thin RAII layer over the HDF5 C API: one owning handle type per kind of identifier,
// and WXFER_CHECK_H5 around every call so a failure becomes a one-line SystemError.
#pragma once

#include <hdf5.h>

#include <source_location>
#include <string>
#include <string_view>
#include <utility>

#include "common/error.hpp"

namespace wxfer::h5 {

// A failed HDF5 call. `hdf5_message` is HDF5's own innermost reason ("truncated file ..."),
// which readers use to build a short message for the user.
class H5Error : public SystemError {
 public:
  H5Error(const std::string& what, std::string hdf5_message) : SystemError(what), hdf5_message_(std::move(hdf5_message)) {}
  const std::string& hdf5_message() const { return hdf5_message_; }

 private:
  std::string hdf5_message_;
};

// Turns off HDF5's automatic printing of its error stack (we report one line instead).
// Idempotent; every entry point into this module calls it first.
void quiet_errors();

[[noreturn]] void throw_h5_error(std::string_view call, std::source_location where);

// hid_t, herr_t and htri_t all signal failure with a negative value.
template <typename T>
T check_h5(T result, std::string_view call, std::source_location where = std::source_location::current()) {
  if (result < 0) throw_h5_error(call, where);
  return result;
}

#define WXFER_CHECK_H5(call) ::wxfer::h5::check_h5((call), #call)

// Owns one HDF5 identifier and closes it with `Close`. Move-only.
template <herr_t (*Close)(hid_t)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closing can fail only on a corrupt library state; a destructor must not throw.
  void reset() {
    if (id_ >= 0) Close(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using File = Handle<H5Fclose>;
using Group = Handle<H5Gclose>;
using Dataset = Handle<H5Dclose>;
using Datatype = Handle<H5Tclose>;
using Dataspace = Handle<H5Sclose>;
using Attribute = Handle<H5Aclose>;
using PropertyList = Handle<H5Pclose>;

// File access: locks the file as HDF5 does by default, but proceeds on file systems where
// locking is disabled (Lustre and NFS mounts on clusters) instead of failing to open.
PropertyList file_access();

// Attribute helpers on any object (file, group, dataset).
bool has_attribute(hid_t object, const std::string& name);
void write_string_attribute(hid_t object, const std::string& name, const std::string& value);
void write_double_attribute(hid_t object, const std::string& name, double value);
void write_int32_attribute(hid_t object, const std::string& name, int32_t value);
void write_uint64_attribute(hid_t object, const std::string& name, uint64_t value);
void write_uint8_attribute(hid_t object, const std::string& name, uint8_t value);
// Reads variable-length and fixed-length string attributes alike.
std::string read_string_attribute(hid_t object, const std::string& name);
double read_double_attribute(hid_t object, const std::string& name);
int64_t read_int64_attribute(hid_t object, const std::string& name);
uint64_t read_uint64_attribute(hid_t object, const std::string& name);

// A fixed-length, NUL-padded ASCII string type of `size` bytes (table fields).
Datatype fixed_string_type(size_t size);

}  // namespace wxfer::h5
