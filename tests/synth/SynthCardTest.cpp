// The demo preset's difficulty targets (issue: measured difficulty), asserted on a generated sample.
#include <gtest/gtest.h>

#include "synth/SynthTestSupport.h"

namespace cpq {
namespace {

using testing::GeneratedDataset;

TEST(SynthCard, DemoPresetMeetsItsDifficultyTargets) {
  const GeneratedDataset d(testing::smallOptions(SynthLayout::NuScenes, 6, 3, 1), "card");
  const nlohmann::json card = testing::readJson(d.dir() / "dataset_card.json");
  EXPECT_EQ(card, d.summary().card);
  EXPECT_EQ(card["keyframes"], 18);
  EXPECT_GE(card["objects_per_keyframe"]["all"].get<double>(), 20.0);
  const auto& share = card["class_share"];
  EXPECT_GE(share["pedestrian"].get<double>(), 0.15);
  EXPECT_GE(share["bicycle"].get<double>(), 0.08);
  EXPECT_GE(share["truck"].get<double>(), 0.08);
  EXPECT_GE(share["bus"].get<double>(), 0.04);
  EXPECT_GE(card["distance_m"]["share_beyond_half_model_range"].get<double>(), 0.40);
  EXPECT_GE(card["share_objects_fewer_than_15_points"].get<double>(), 0.20);
  EXPECT_GE(card["share_partly_occluded"].get<double>(), 0.10);
  EXPECT_GE(card["non_ground_points"]["share_on_clutter"].get<double>(), 0.30);
  // Not trivially hard either: near cars are well covered.
  EXPECT_GE(card["points_per_object_by_distance_band_m"]["car"]["0.0-17.1"]["median"].get<double>(), 100.0);
}

}  // namespace
}  // namespace cpq
