#include "decode/Decoder.h"

#include "core/Error.h"
#include "decode/AutowareBoxes.h"
#include "decode/BevIouNms.h"
#include "decode/CenterPointBBoxCoder.h"
#include "decode/CircleNms.h"

#include <string>

namespace cpq {
namespace {

void checkOptions(const HeadOutputs& head, const DecoderOptions& o) {
  if (head.size() != o.taskClasses.size()) {
    throw Error("decode: the head has " + std::to_string(head.size()) + " tasks but the options map " +
                std::to_string(o.taskClasses.size()));
  }
  if (o.outSizeFactor <= 0 || o.voxelSize[0] <= 0.0f || o.voxelSize[1] <= 0.0f) {
    throw Error("decode: outSizeFactor and voxelSize must be positive");
  }
  if (o.topK <= 0 || o.postMaxSize <= 0) throw Error("decode: topK and postMaxSize must be positive");
}

std::vector<Detection> decodeAwml(const HeadOutputs& head, const DecoderOptions& o, int64_t batchIndex) {
  std::vector<Detection> out;
  for (std::size_t t = 0; t < head.size(); ++t) {
    std::vector<Detection> task = decodeCenterPointTask(head[t], o.taskClasses[t], o, batchIndex);
    task = circleNms(std::move(task), o.circleNmsDistSq, CircleBoundary::Inclusive,
                     static_cast<std::size_t>(o.postMaxSize));
    out.insert(out.end(), task.begin(), task.end());
  }
  return out;
}

std::vector<Detection> decodeAutoware(const HeadOutputs& head, const DecoderOptions& o, int64_t batchIndex) {
  std::vector<Detection> boxes;
  for (std::size_t t = 0; t < head.size(); ++t) {
    const std::vector<Detection> task = decodeAutowareTask(head[t], o.taskClasses[t], o, batchIndex);
    boxes.insert(boxes.end(), task.begin(), task.end());
  }
  // circleNms sorts by score (stable: equal scores stay in task, then cell order).
  boxes = circleNms(std::move(boxes), o.autowareCircleDistSq, CircleBoundary::Strict);
  return bevIouNms(boxes, o.iouNmsThreshold, o.iouNmsSearchDistance, o.iouNmsTargetLabels);
}

}  // namespace

std::vector<Detection> decode(const HeadOutputs& head, const DecoderOptions& options, int64_t batchIndex) {
  checkOptions(head, options);
  return options.kind == DecoderKind::Awml ? decodeAwml(head, options, batchIndex)
                                           : decodeAutoware(head, options, batchIndex);
}

}  // namespace cpq
