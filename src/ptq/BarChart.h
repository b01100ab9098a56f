#pragma once
// A plain bar chart as an RGB image (the sensitivity report's report.png): one bar per value in order,
// positive up and negative down from a zero line, scaled to the largest magnitude. No text: the CSV and
// the Markdown carry the names and numbers.
#include <vector>

#include "core/RgbImage.h"

namespace cpq {

RgbImage renderBarChart(const std::vector<double>& values, int width = 1200, int height = 400);

}  // namespace cpq
