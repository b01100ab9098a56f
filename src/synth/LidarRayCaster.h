#pragma once
// A spinning lidar ray-cast against the ground and a list of yaw-oriented boxes: the first surface along
// each ray returns (occlusion), with range noise, dropout and material- and range-dependent intensity.
// Boxes are bucketed by azimuth so that each ray tests only the few boxes in its direction.
#include <Eigen/Geometry>

#include <vector>

#include "synth/SynthMaterial.h"
#include "synth/SynthPreset.h"

namespace cpq {

class SynthRandom;
struct SynthScene;

// A box relative to the sensor origin, in global axes; owner identifies what it belongs to. A box with
// parts > 0 is only a bound: the next `parts` boxes are the surfaces, tested when a ray enters the bound.
struct CastBox {
  Eigen::Vector3f centre;
  Eigen::Vector3f half;
  float cosYaw = 1, sinYaw = 0;
  int owner = 0;
  Material material = Material::Concrete;
  int parts = 0;
};

constexpr int kGroundOwner = -1;

struct LidarScan {
  std::vector<float> rows;  // x, y, z, intensity, ring per point, in the sensor frame
  std::vector<int> owners;  // per point: kGroundOwner or a CastBox owner
};

// Per owner below countedOwners: rays reaching it when it stands alone (only the ground in front) and rays
// whose first surface it is. Their ratio measures occlusion.
struct RayCounts {
  int countedOwners = 0;
  std::vector<int> alone, visible;
};

class LidarRayCaster {
 public:
  explicit LidarRayCaster(const SynthPreset& preset);

  // sensorToGlobal rotates sensor-frame directions into global axes; sensorOrigin is the global position.
  LidarScan cast(const std::vector<CastBox>& boxes, const Eigen::Matrix3d& sensorToGlobal,
                 const Eigen::Vector3d& sensorOrigin, const SynthScene& scene, SynthRandom& rng,
                 RayCounts* counts) const;

  int rayCount() const { return static_cast<int>(directions_.size()); }

 private:
  struct AzimuthBins;
  AzimuthBins binBoxes(const std::vector<CastBox>& boxes) const;

  SynthPreset preset_;
  std::vector<Eigen::Vector3f> directions_;  // sensor frame, beam-major
  std::vector<int> rings_;
};

}  // namespace cpq
