#pragma once
// A tiny CenterPoint config for fast tests: AWML's structure (three SECOND blocks, three deblocks with the
// stride-0.5 conv, the 1x1 conv and the deconv, six head branches) on a 32 x 32 grid with few channels.
#include <string>

#include "config/CenterPointConfig.h"

namespace cpq::testing {

inline std::string tinyConfigYaml(int inChannels = 5, const std::string& encoder = "PillarFeatureNet",
                                  const std::string& decoder = "awml") {
  return R"(
point_cloud_range: [-6.4, -6.4, -3.0, 6.4, 6.4, 5.0]
voxel_size: [0.4, 0.4, 8.0]
class_names: [car, truck, bus, bicycle, pedestrian]
model:
  data_preprocessor:
    voxel_layer: {max_num_points: 32, max_voxels: [1000, 1000]}
  pts_voxel_encoder: {type: )" +
         encoder + R"(, in_channels: )" + std::to_string(inChannels) + R"(, feat_channels: [32, 32]}
  pts_backbone: {in_channels: 32, out_channels: [8, 16, 16], layer_nums: [1, 2, 2], layer_strides: [1, 2, 2]}
  pts_neck: {in_channels: [8, 16, 16], out_channels: [8, 8, 8], upsample_strides: [0.5, 1, 2], use_conv_for_no_stride: true}
  pts_bbox_head:
    in_channels: 24
    tasks: [{num_class: 3, class_names: [car, truck, bus]}, {num_class: 2, class_names: [bicycle, pedestrian]}]
    common_heads: {reg: [2, 2], height: [1, 2], dim: [3, 2], rot: [2, 2], vel: [2, 2]}
    share_conv_channel: 8
    separate_head: {head_conv: 8, init_bias: -4.595, final_kernel: 1}
    bbox_coder: {out_size_factor: 2, score_threshold: 0.1, max_num: 50}
  test_cfg:
    pts: {min_radius: [1.0, 1.0], post_max_size: 20}
postprocess: {decoder: )" +
         decoder + R"(}
)";
}

inline CenterPointConfig tinyConfig(int inChannels = 5, const std::string& encoder = "PillarFeatureNet",
                                    const std::string& decoder = "awml") {
  return parseConfig(tinyConfigYaml(inChannels, encoder, decoder), "tiny.yaml");
}

}  // namespace cpq::testing

namespace cpq::testing {

// The demo geometry (+-51.2 m, 5 classes, one task, 11 features) with 0.8 m pillars and few channels, so
// that training and evaluation on a generated demo dataset run in seconds on the CPU.
inline std::string smallRangeConfigYaml() {
  return R"(
point_cloud_range: [-51.2, -51.2, -3.0, 51.2, 51.2, 5.0]
voxel_size: [0.8, 0.8, 8.0]
class_names: [car, truck, bus, bicycle, pedestrian]
model:
  data_preprocessor:
    voxel_layer: {max_num_points: 20, max_voxels: [12000, 12000]}
  pts_voxel_encoder: {type: PillarFeatureNet, in_channels: 5, feat_channels: [32, 32]}
  pts_backbone: {in_channels: 32, out_channels: [8, 16, 16], layer_nums: [1, 1, 1], layer_strides: [1, 2, 2]}
  pts_neck: {in_channels: [8, 16, 16], out_channels: [8, 8, 8], upsample_strides: [0.5, 1, 2], use_conv_for_no_stride: true}
  pts_bbox_head:
    in_channels: 24
    tasks: [{num_class: 5, class_names: [car, truck, bus, bicycle, pedestrian]}]
    common_heads: {reg: [2, 2], height: [1, 2], dim: [3, 2], rot: [2, 2], vel: [2, 2]}
    share_conv_channel: 8
    separate_head: {head_conv: 8, init_bias: -4.595, final_kernel: 1}
    bbox_coder: {out_size_factor: 2, score_threshold: 0.1, max_num: 100}
  test_cfg:
    pts: {min_radius: [1.0], post_max_size: 100}
dataset: {sweeps_num: 1}
evaluation: {range_buckets: [[0, 20], [20, 35], [35, 52]]}
train:
  epochs: 2
  batch_size: 2
  val_interval: 1
  optimizer: {lr: 0.001}
)";
}

}  // namespace cpq::testing
