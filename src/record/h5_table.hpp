// One-dimensional tables of compound rows (the /ranks, steps and events datasets).
#pragma once

#include <string>
#include <vector>

#include "record/h5.hpp"

namespace wxfer::h5 {

// Writes `count` rows laid out as `mem_type` describes. Chunked and deflate-compressed
// (event tables of large runs repeat a lot); an empty table is a valid zero-row dataset.
void write_table(hid_t parent, const std::string& name, hid_t mem_type, const void* rows, size_t count);

// Number of rows in an existing table.
size_t table_rows(hid_t parent, const std::string& name);
// Reads every row into `rows` (room for table_rows()); fields are matched by name.
void read_table(hid_t parent, const std::string& name, hid_t mem_type, void* rows);

template <typename Row>
void write_rows(hid_t parent, const std::string& name, hid_t mem_type, const std::vector<Row>& rows) {
  write_table(parent, name, mem_type, rows.data(), rows.size());
}

template <typename Row>
std::vector<Row> read_rows(hid_t parent, const std::string& name, hid_t mem_type) {
  std::vector<Row> rows(table_rows(parent, name));
  if (!rows.empty()) read_table(parent, name, mem_type, rows.data());
  return rows;
}

}  // namespace wxfer::h5
