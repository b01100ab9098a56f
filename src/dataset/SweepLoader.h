#pragma once
// A keyframe's point cloud with its previous sweeps moved into the keyframe lidar frame
// (docs/dataset.md, 'Sweeps'), as AWML's LoadPointsFromMultiSweeps builds it.
#include <ATen/ATen.h>

#include "dataset/Sample.h"
#include "preprocess/PointCloud.h"

namespace cpq {

// Sweep points closer than this in both |x| and |y| (strict, in the sweep's own sensor frame) are the
// ego vehicle's own body and are dropped.
constexpr double kSweepCloseRadius = 1.0;

// One sweep's rows ([N, 5]: x, y, z, intensity, time lag) in the keyframe lidar frame, close points removed.
at::Tensor loadSweep(const SweepRef& sweep);

// Keyframe rows (time lag 0) followed by each sweep's rows. Throws cpq::Error naming the file and its
// sample_data token when a point file is missing or corrupt.
PointCloud loadSweptPoints(const SampleInfo& sample);

}  // namespace cpq
