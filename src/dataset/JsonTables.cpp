#include "dataset/JsonTables.h"

#include <cmath>
#include <limits>

namespace cpq::json {

namespace sj = simdjson::ondemand;

simdjson::padded_string loadFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw fileError(path.string(), "missing table");
  simdjson::padded_string text;
  if (simdjson::padded_string::load(path.string()).get(text) != simdjson::SUCCESS) {
    throw fileError(path.string(), "cannot read the table");
  }
  return text;
}

Error recordError(const std::filesystem::path& path, size_t row, const std::string& token,
                  const std::string& problem) {
  const std::string where = token.empty() ? "record " + std::to_string(row) : "record " + token;
  return fileError(path.string(), where + ": " + problem);
}

std::string_view string(sj::value value) {
  if (value.is_null()) return {};
  return value.get_string();
}

int64_t integer(sj::value value) {
  // Timestamps and point counts are integers; a writer that stored them as reals still gives the number.
  if (value.get_number_type() == sj::number_type::floating_point_number) {
    return static_cast<int64_t>(std::llround(value.get_double()));
  }
  return value.get_int64();
}

double number(sj::value value) { return value.get_double(); }

bool boolean(sj::value value) { return value.get_bool(); }

std::vector<std::string_view> stringList(sj::value value) {
  std::vector<std::string_view> out;
  if (value.is_null()) return out;
  for (sj::value item : value.get_array()) out.push_back(string(item));
  return out;
}

namespace {

// Up to `n` numbers of an array into `out`; returns how many the array held (nulls count as NaN).
size_t readNumbers(sj::value value, double* out, size_t n) {
  size_t count = 0;
  for (sj::value item : value.get_array()) {
    const double x = item.is_null() ? std::numeric_limits<double>::quiet_NaN() : double(item.get_double());
    if (count < n) out[count] = x;
    ++count;
  }
  return count;
}

}  // namespace

Eigen::Vector3d vector3(sj::value value) {
  Eigen::Vector3d v;
  if (readNumbers(value, v.data(), 3) != 3) throw FieldError("expected 3 numbers");
  return v;
}

Eigen::Quaterniond quaternion(sj::value value) {
  double wxyz[4];
  if (readNumbers(value, wxyz, 4) != 4) throw FieldError("expected a quaternion of 4 numbers (w, x, y, z)");
  return Eigen::Quaterniond(wxyz[0], wxyz[1], wxyz[2], wxyz[3]);
}

Eigen::Vector3d optionalVector3(sj::value value) {
  Eigen::Vector3d v = Eigen::Vector3d::Constant(std::numeric_limits<double>::quiet_NaN());
  if (value.is_null()) return v;
  if (readNumbers(value, v.data(), 3) < 2) v.setConstant(std::numeric_limits<double>::quiet_NaN());
  return v;
}

}  // namespace cpq::json
