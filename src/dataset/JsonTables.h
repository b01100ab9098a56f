#pragma once
// Reading nuScenes-style JSON tables (a top-level array of records, each with a `token`) with simdjson's
// On-Demand API: the file is parsed once, front to back, and each field is handed to a per-table callback
// without building a DOM, which keeps a trainval-sized sample_annotation.json to a few seconds.
// Only NuScenesTables.cpp includes this header (simdjson.h is large).
#include <simdjson.h>

#include <Eigen/Geometry>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/Error.h"

namespace cpq::json {

// A field whose value has the wrong shape; readTable adds the file, row and token.
class FieldError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The whole file, padded for simdjson. Throws cpq::Error "<path>: missing table" when it does not exist.
simdjson::padded_string loadFile(const std::filesystem::path& path);

// The error for record `row` (token `token`, maybe empty) of `path`.
Error recordError(const std::filesystem::path& path, size_t row, const std::string& token,
                  const std::string& problem);

// Field readers. Strings and lists accept null as empty; numbers accept integers and reals.
std::string_view string(simdjson::ondemand::value value);
int64_t integer(simdjson::ondemand::value value);
double number(simdjson::ondemand::value value);
bool boolean(simdjson::ondemand::value value);
std::vector<std::string_view> stringList(simdjson::ondemand::value value);
Eigen::Vector3d vector3(simdjson::ondemand::value value);
Eigen::Quaterniond quaternion(simdjson::ondemand::value value);  // stored as w, x, y, z
// T4's velocity / acceleration: null, absent elements or nulls inside give NaN.
Eigen::Vector3d optionalVector3(simdjson::ondemand::value value);

// One table file, parsed front to back once. The string_views the field readers return point into the
// reader's buffers and stay valid while the reader lives, so a table's links can be resolved without
// copying their tokens.
class TableReader {
 public:
  explicit TableReader(const std::filesystem::path& path) : path_(path), text_(loadFile(path)) {}
  const std::filesystem::path& path() const { return path_; }

  // The records: onField(record, key, value) is called for every field except `token`, which goes to
  // record.token; keep(record) decides which parsed records are stored (to skip e.g. camera sample_data).
  // Every problem becomes one cpq::Error naming the file and the token (the row number when the record has
  // none). onField throws FieldError for a bad value; the field readers below consume the whole value
  // before they throw, so parsing can go on to find the token.
  template <class Record, class OnField, class Keep>
  std::vector<Record> read(OnField&& onField, Keep&& keep) {
    std::vector<Record> records;
    Record record;
    size_t row = 0;
    try {
      simdjson::ondemand::document doc = parser_.iterate(text_);
      for (simdjson::ondemand::object object : doc.get_array()) {
        record = Record{};
        std::string problem;  // the first bad field, reported once the token (maybe a later field) is known
        for (simdjson::ondemand::field field : object) {
          const std::string_view key = field.unescaped_key();
          if (key == "token") {
            record.token = std::string(string(field.value()));
            continue;
          }
          try {
            onField(record, key, field.value());
          } catch (const FieldError& e) {
            if (problem.empty()) problem = e.what();
          }
        }
        if (record.token.empty()) throw FieldError("record has no token");
        if (!problem.empty()) throw FieldError(problem);
        if (keep(record)) records.push_back(std::move(record));
        ++row;
      }
    } catch (const simdjson::simdjson_error& e) {
      throw recordError(path_, row, record.token, std::string("invalid JSON: ") + e.what());
    } catch (const FieldError& e) {
      throw recordError(path_, row, record.token, e.what());
    }
    return records;
  }

 private:
  std::filesystem::path path_;
  simdjson::padded_string text_;
  simdjson::ondemand::parser parser_;
};

// A whole table whose field values need not outlive the call.
template <class Record, class OnField>
std::vector<Record> readTable(const std::filesystem::path& path, OnField&& onField) {
  return TableReader(path).read<Record>(std::forward<OnField>(onField), [](const Record&) { return true; });
}

}  // namespace cpq::json
