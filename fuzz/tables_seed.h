#pragma once
// A complete, consistent nuScenes table set of one scene, one keyframe and one annotation: the fixed
// tables of tables_fuzzer and the seeds of its corpus (scripts/fuzz.sh writes each as <index byte><json>).
#include <cstddef>

namespace cpq::fuzz {

struct SeedTable {
  const char* name;
  const char* json;
};

inline constexpr SeedTable kTables[] = {
    {"category", R"([{"token":"c1","name":"vehicle.car","description":""}])"},
    {"attribute", R"([{"token":"a1","name":"vehicle.moving","description":""}])"},
    {"visibility", R"([{"token":"4","level":"v80-100","description":""}])"},
    {"instance",
     R"([{"token":"i1","category_token":"c1","nbr_annotations":1,"first_annotation_token":"sa1","last_annotation_token":"sa1"}])"},
    {"sensor", R"([{"token":"s1","channel":"LIDAR_TOP","modality":"lidar"}])"},
    {"calibrated_sensor",
     R"([{"token":"cs1","sensor_token":"s1","translation":[0.9,0.0,1.8],"rotation":[0.7071,0.0,0.0,0.7071],"camera_intrinsic":[]}])"},
    {"ego_pose",
     R"([{"token":"e1","translation":[600.5,1640.2,0.0],"rotation":[0.5,0.5,0.5,0.5],"timestamp":1532402927647951}])"},
    {"log",
     R"([{"token":"l1","logfile":"n015","vehicle":"n015","date_captured":"2018-07-24","location":"singapore-onenorth"}])"},
    {"scene",
     R"([{"token":"sc1","log_token":"l1","nbr_samples":1,"first_sample_token":"smp1","last_sample_token":"smp1","name":"scene-0001","description":"night"}])"},
    {"sample", R"([{"token":"smp1","timestamp":1532402927647951,"prev":"","next":"","scene_token":"sc1"}])"},
    {"sample_data",
     R"([{"token":"sd1","sample_token":"smp1","ego_pose_token":"e1","calibrated_sensor_token":"cs1","timestamp":1532402927647951,"fileformat":"pcd","is_key_frame":true,"height":0,"width":0,"filename":"samples/LIDAR_TOP/a.pcd.bin","prev":"","next":""}])"},
    {"sample_annotation",
     R"([{"token":"sa1","sample_token":"smp1","instance_token":"i1","visibility_token":"4","attribute_tokens":["a1"],"translation":[610.1,1650.3,1.2],"size":[1.9,4.5,1.6],"rotation":[0.9,0.0,0.0,0.43],"prev":"","next":"","num_lidar_pts":42,"num_radar_pts":3,"velocity":[1.0,null,0.0]}])"},
    {"map", R"([{"category":"semantic_prior","token":"m1","filename":"maps/m1.png","log_tokens":["l1"]}])"},
};
inline constexpr size_t kTableCount = sizeof(kTables) / sizeof(kTables[0]);

}  // namespace cpq::fuzz
