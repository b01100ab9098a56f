#pragma once
// One validated configuration object, read from YAML that mirrors AWML's (mmdet3d) config structure and
// field names, and passed down explicitly: nothing here is global.
#include <array>
#include <string>
#include <vector>

namespace cpq {

struct VoxelLayerConfig {  // model.data_preprocessor.voxel_layer
  int maxNumPoints = 32;
  int maxVoxelsTrain = 96000;
  int maxVoxelsTest = 96000;
};

struct VoxelEncoderConfig {               // model.pts_voxel_encoder
  std::string type = "PillarFeatureNet";  // or BackwardPillarFeatureNet
  int inChannels = 4;                     // raw point dims: x,y,z,t (4) or x,y,z,intensity,t (5)
  std::vector<int> featChannels{32, 32};
  float normEps = 1e-3f;
  float normMomentum = 0.01f;
  bool withZCenterOffset() const { return type == "PillarFeatureNet"; }
  bool useIntensity() const { return inChannels == 5; }
  int featureCount() const { return inChannels + 3 + (withZCenterOffset() ? 3 : 2); }
};

struct BackboneConfig {  // model.pts_backbone (SECOND)
  int inChannels = 32;
  std::vector<int> outChannels{64, 128, 256};
  std::vector<int> layerNums{3, 5, 5};
  std::vector<int> layerStrides{1, 2, 2};
  float normEps = 1e-3f;
  float normMomentum = 0.01f;
};

struct NeckConfig {  // model.pts_neck (SECONDFPN)
  std::vector<int> inChannels{64, 128, 256};
  std::vector<int> outChannels{128, 128, 128};
  std::vector<double> upsampleStrides{0.5, 1, 2};
  bool useConvForNoStride = true;
  float normEps = 1e-3f;
  float normMomentum = 0.01f;
};

struct HeadBranch {  // one entry of common_heads (plus the heatmap): name, output channels, conv count
  std::string name;
  int outChannels;
  int numConv;
};

struct HeadConfig {  // model.pts_bbox_head (CenterHead)
  int inChannels = 384;
  std::vector<std::vector<std::string>> tasks;  // class names per task
  std::vector<HeadBranch> commonHeads;          // reg, height, dim, rot, vel (heatmap is added per task)
  int numHeatmapConvs = 2;
  int shareConvChannel = 64;
  int headConv = 64;
  int finalKernel = 1;
  float initBias = -4.595f;
  float normEps = 1e-5f;
  float normMomentum = 0.1f;
  // bbox_coder / test_cfg.pts
  int outSizeFactor = 2;
  std::array<float, 6> postCenterRange{-200, -200, -10, 200, 200, 10};
  int maxNum = 500;
  float scoreThreshold = 0.1f;
  float minRadius = 1.0f;  // test_cfg.pts.min_radius: compared with the squared distance, as mmdet3d does
  int postMaxSize = 100;
};

struct PostprocessConfig {       // ours: which decoder the CLI uses (AWML evaluation or Autoware node parity)
  std::string decoder = "awml";  // awml | autoware
  float autowareScoreThreshold = 0.35f;
  std::vector<float> yawNormThresholds;  // per class
  float circleNmsDistance = 0.5f;        // metres
  float iouNmsThreshold = 0.1f;
  float iouNmsSearchDistance = 10.0f;
};

struct TrainTargetConfig {  // model.train_cfg.pts and the losses of pts_bbox_head (AWML CenterHead)
  float gaussianOverlap = 0.1f;
  int minRadius = 2;
  int maxObjs = 500;
  int denseReg = 1;
  std::vector<float> codeWeights{1, 1, 1, 1,    1,
                                 1, 1, 1, 0.2f, 0.2f};  // x, y, z, log l, w, h, sin, cos, vx, vy
  float lossClsWeight = 1.0f;                           // loss_cls (GaussianFocalLoss, mean)
  float lossBboxWeight = 0.25f;                         // loss_bbox (L1Loss, mean)
};

struct AugmentationConfig {  // AWML's train_pipeline (RandomFlip3D, GlobalRotScaleTrans,
                             // ObjectMinPointsFilter)
  double flipRatioBevHorizontal = 0.5, flipRatioBevVertical = 0.5;
  std::array<double, 2> rotRange{-1.571, 1.571};
  std::array<double, 2> scaleRatioRange{0.8, 1.2};
  std::array<double, 3> translationStd{1.0, 1.0, 0.2};
  int minPointsInGt = 5;  // ObjectMinPointsFilter
};

struct OptimizerConfig {  // optim_wrapper + param_scheduler (AWML: AdamW, two-phase cosine)
  double lr = 3e-4;
  double weightDecay = 0.01;
  double gradClipMaxNorm = 15.0;
  double warmupFraction = 0.3;  // cosine up to lr * maxLrRatio over this share of the steps
  double maxLrRatio = 10.0;
  double minLrRatio = 1e-4;  // then cosine down to lr * minLrRatio
  int epochs = 20;
  int batchSize = 4;
  int valInterval = 5;  // epochs between validations
};

struct DatasetConfig {  // ours: how samples become model input and GT
  int sweepsNum = 1;    // previous sweeps appended (LoadPointsFromMultiSweeps.sweeps_num)
  // category name -> class name, overriding the built-in nuScenes / T4 tables (AWML's name_mapping)
  std::vector<std::pair<std::string, std::string>> nameMapping;
};

struct EvaluationConfig {  // ours: the range buckets of the T4-style metric (README, `eval`)
  std::vector<std::pair<double, double>> rangeBuckets;  // [lo, hi) in metres, without "overall"
};

// The `quantization:` section as written (the YAML's words; docs/quantization.md); ptq/QuantRecipe parses
// and checks it. Sensitive layers are module-path prefixes kept float; they are checked against the
// model's layers when quantizers are inserted.
struct QuantizationConfig {
  int numBatches = 128;              // calibration.num_batches
  std::string method = "histogram";  // calibration.method: histogram | max
  std::string amaxMethod = "mse";    // calibration.amax_method: mse | percentile | entropy (histogram only)
  double percentile = 99.99;
  int numBins = 2048;
  bool skipZeros = false;
  bool fuseBn = true;
  bool fuseRelu = true;
  std::vector<std::string> sensitiveLayers;
  std::string inputPrecision = "fp32";   // fp32 | fp16: graph input type (a Cast to float inside)
  std::string outputPrecision = "fp32";  // fp32 | fp16
  std::string weightPrecision = "int8";  // int8 | fp16 (fp16 = quantization off)
  bool convTransposePerChannel = false;  // ConvTranspose2d weight amax per output channel (axis 1)
  bool learnAmax = false;                // QAT: PACT-style learnable activation amax (qat.learn_amax)
  // methods: the output-error PTQ methods beyond the calibrators (docs/calibration.md)
  std::string equalization = "none";  // methods.equalization: none | activation
  std::string rangeSearch = "none";   // methods.range_search: none | output
  bool biasCorrection = false;        // methods.bias_correction
  int methodFrames = 32;              // methods.frames: calibration frames the methods sample
  int methodCellsPerFrame = 256;      // methods.cells_per_frame: sampled cells per frame and layer
  double methodEmptyShare = 0.9;      // methods.empty_share: of those, the share from empty cells
};

struct CenterPointConfig {
  std::string sourcePath;  // the YAML file, for messages
  std::vector<std::string> classNames;
  std::array<float, 6> pointCloudRange{};
  std::array<float, 3> voxelSize{};
  std::array<int64_t, 3> gridSize{};  // nx, ny, nz = round((max - min) / voxel), as mmdet3d
  VoxelLayerConfig voxelLayer;
  VoxelEncoderConfig voxelEncoder;
  BackboneConfig backbone;
  NeckConfig neck;
  HeadConfig head;
  PostprocessConfig postprocess;
  TrainTargetConfig trainTargets;
  AugmentationConfig augmentation;
  OptimizerConfig optimizer;
  DatasetConfig dataset;
  EvaluationConfig evaluation;
  QuantizationConfig quantization;

  int64_t headHeight() const { return gridSize[1] / head.outSizeFactor; }
  int64_t headWidth() const { return gridSize[0] / head.outSizeFactor; }
  int numClasses() const { return static_cast<int>(classNames.size()); }
};

// Reads and validates; throws one cpq::Error listing every problem, each prefixed by the file and key.
CenterPointConfig loadConfig(const std::string& path);
CenterPointConfig parseConfig(const std::string& yamlText, const std::string& sourceName);

}  // namespace cpq
