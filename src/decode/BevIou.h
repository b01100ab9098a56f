#pragma once
// Bird's-eye-view IoU of two rotated boxes (the footprints l x w at yaw), as Autoware's
// object_recognition_utils::get2dIoU computes it for its IoU NMS.
// Written by hand (Sutherland-Hodgman clipping of one rectangle by the other, both convex): no Debian
// package gives rotated-box IoU, and Autoware's own path (boost::geometry polygons) is a heavy dependency for
// two quadrilaterals.
#include "decode/Detection.h"

namespace cpq {

// Area (m^2) of the intersection of the two footprints.
double bevIntersectionArea(const Detection& a, const Detection& b);

// Intersection over union in [0, 1], with get2dIoU's guards: 0 when either footprint or the intersection is
// below 1e-6 m^2 or the union below 0.01 m^2.
double bevIou(const Detection& a, const Detection& b);

}  // namespace cpq
