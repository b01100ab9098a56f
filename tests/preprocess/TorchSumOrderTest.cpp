#include "preprocess/TorchSumOrder.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

namespace cpq {
namespace {

// The hand-written order must give at::sum's bits for the reduction mmdet3d does (features[:, :, :3]
// summed over the point dim) at every pillar size, including sizes where the cascade's 16-element chunks
// and the 4-way interleave's leftovers come into play. Values of mixed magnitude make any reordering show.
TEST(TorchSumOrder, MatchesAtSumOverThePointDim) {
  at::manual_seed(3);
  for (int64_t slots : {1, 3, 4, 7, 16, 20, 32, 48, 64, 100, 200}) {
    for (int64_t channels : {4, 5}) {
      const at::Tensor voxels =
          at::randn({500, slots, channels}) * at::pow(10.0, at::randint(-3, 4, {500, slots, 1}));
      const at::Tensor want = voxels.slice(2, 0, 3).sum(1);  // [500, 3]
      const float* in = voxels.data_ptr<float>();
      for (int64_t v = 0; v < voxels.size(0); ++v) {
        for (int64_t a = 0; a < 3; ++a) {
          const float got = torch_sum_order::rowSum(in + v * slots * channels + a, channels, slots);
          ASSERT_EQ(got, want[v][a].item<float>()) << "slots " << slots << " channels " << channels;
        }
      }
    }
  }
}

}  // namespace
}  // namespace cpq
