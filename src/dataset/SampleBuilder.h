#pragma once
// Turns loaded tables into the reader's SampleInfo list: the keyframes of the chosen scenes in time order,
// each with its lidar file, poses, previous sweeps and annotations (global frame, classes mapped).
#include <cstdint>
#include <vector>

#include "dataset/ClassMapping.h"
#include "dataset/DatasetLayout.h"
#include "dataset/NuScenesTables.h"
#include "dataset/Sample.h"

namespace cpq {

// Up to `count` previous sweeps of keyframe sample_data row `keyframe`, nearest first, following
// sample_data.prev. Each carries inv(cs_ref) inv(ep_ref) ep_k cs_k and (t_ref - t_k) * 1e-6 s.
// Throws cpq::Error naming sample_data.json and the token when a prev is not earlier than its successor.
std::vector<SweepRef> collectSweeps(const NuScenesTables& tables, uint32_t keyframe, size_t count,
                                    const TableSource& source);

// The keyframes of scene rows `scenes`, scene by scene, each scene's in time order. Samples without a
// keyframe of the lidar channel are skipped with a warning. Throws cpq::Error naming sample.json and the
// token when a sample's next is not later than the sample.
std::vector<SampleInfo> buildSamples(const NuScenesTables& tables, const std::vector<uint32_t>& scenes,
                                     const TableSource& source, size_t sweeps, const ClassMapping& mapping);

}  // namespace cpq
