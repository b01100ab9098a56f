#include "ptq/PtqReport.h"

#include <fmt/format.h>

#include <cmath>
#include <map>

namespace cpq {
namespace {

nlohmann::ordered_json finiteOrNull(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

std::string amaxText(const at::Tensor& a) {
  if (!a.defined()) return "-";
  if (a.numel() == 1) return fmt::format("{:.4g}", a.item<double>());
  return fmt::format("{:.3g}..{:.3g} ({} ch)", a.min().item<double>(), a.max().item<double>(), a.numel());
}

std::string signedDelta(double v) { return fmt::format("{:+.4f}", v); }

}  // namespace

namespace {

// The output-error methods' section: equalization per pair, range search and bias correction per layer.
std::string methodsMarkdown(const nlohmann::ordered_json& m) {
  if (m.empty()) return "";
  std::string md = fmt::format("\n## Output-error methods\n\nSampled {} rows on {} calibration frames.\n",
                               m.value("rows", 0), m.value("frames", 0));
  if (m.contains("equalization")) {
    md +=
        "\n### Channel equalization (relative output error of the quantized consumers on the samples)\n\n"
        "| producer | consumers | alpha | error before | error after | channel range before | after |\n"
        "|---|---|---|---|---|---|---|\n";
    for (const auto& e : m["equalization"])
      md += fmt::format("| {} | {} | {} | {:.3g} | {:.3g} | {:.3g} | {:.3g} |\n",
                        e["producer"].get<std::string>(), e["consumers"].size(),
                        e["alpha"].is_null() ? "-" : fmt::format("{:g}", e["alpha"].get<double>()),
                        e["error_before"].get<double>(), e["error_after"].get<double>(),
                        e["channel_range_before"].get<double>(), e["channel_range_after"].get<double>());
  }
  if (m.contains("range_search")) {
    md +=
        "\n### Output-error range search (relative output error on the samples)\n\n"
        "| layer | calibrated amax | error | searched amax | error |\n|---|---|---|---|---|\n";
    for (const auto& r : m["range_search"])
      md += fmt::format("| {} | {:.4g} | {:.3g} | {:.4g} | {:.3g} |\n", r["layer"].get<std::string>(),
                        r["calibrated_amax"].get<double>(), r["calibrated_error"].get<double>(),
                        r["searched_amax"].get<double>(), r["searched_error"].get<double>());
  }
  if (m.contains("bias_correction")) {
    md +=
        "\n### Bias correction (mean |shift| removed per output channel)\n\n| layer | mean abs shift | "
        "relative to output RMS |\n|---|---|---|\n";
    for (const auto& b : m["bias_correction"])
      md += fmt::format("| {} | {:.3g} | {:.3g} |\n", b["layer"].get<std::string>(),
                        b["mean_abs_shift"].get<double>(), b["relative_shift"].get<double>());
  }
  return md;
}

}  // namespace

nlohmann::ordered_json PtqReport::toJson() const {
  std::map<std::string, double> sqnrByLayer;
  for (const auto& s : sqnr) sqnrByLayer[s.layer] = s.sqnrDb;
  nlohmann::ordered_json layersJson = nlohmann::ordered_json::array();
  for (const auto& l : layers) {
    nlohmann::ordered_json j;
    j["layer"] = l.layer;
    j["type"] = l.layerType;
    j["method"] = l.method;
    j["input_amax"] = l.inputAmax;
    j["input_max_abs"] = l.inputStats.maxAbs;
    j["weight_amax_min"] = l.weightAmax.defined() ? l.weightAmax.min().item<double>() : 0.0;
    j["weight_amax_max"] = l.weightAmax.defined() ? l.weightAmax.max().item<double>() : 0.0;
    j["weight_per_channel"] = l.weightAmax.defined() && l.weightAmax.numel() > 1;
    j["zeros_skipped"] = l.inputStats.zerosSkipped;
    j["saw_only_zeros"] = l.sawOnlyZeros;
    auto it = sqnrByLayer.find(l.layer);
    j["sqnr_db"] = it == sqnrByLayer.end() ? nlohmann::ordered_json(nullptr) : finiteOrNull(it->second);
    layersJson.push_back(j);
  }
  nlohmann::ordered_json j;
  j["settings"] = settings;
  j["fp32"] = fp32.toJson();
  j["int8"] = int8.toJson();
  if (paired) j["paired"] = paired->toJson();
  if (!methods.empty()) j["methods"] = methods;
  if (!noise.empty()) {
    nlohmann::ordered_json n = nlohmann::ordered_json::array();
    for (const auto& c : noise) n.push_back(c.toJson());
    j["noise"] = n;
  }
  j["layers"] = layersJson;
  j["float_layers"] = floatLayers;
  return j;
}

std::string PtqReport::consoleTable() const {
  if (!fp32.t4 || !int8.t4) return "";
  std::string s = fmt::format("{:<12} {:>8} {:>8} {:>9}  {}\n", "range", "FP32", "INT8", "delta",
                              paired ? fmt::format("{:g}% interval", 100 * paired->options.confidence) : "");
  for (const auto& b : fp32.t4->buckets) {
    const double f = fp32.t4->mAP.at(b.name), q = int8.t4->mAP.at(b.name);
    const PairedInterval* iv = paired ? paired->find("t4.mAP." + b.name) : nullptr;
    s += fmt::format("{:<12} {:>8.4f} {:>8.4f} {:>9}  {}\n", b.name, f, q, signedDelta(q - f),
                     iv ? fmt::format("[{:+.4f}, {:+.4f}]", iv->lo, iv->hi) : "");
  }
  return s;
}

std::string PtqReport::markdown() const {
  std::string md = "# PTQ report\n\n";
  md += fmt::format(
      "{} evaluation frames; mAP as fractions in [0, 1] (range-bucketed mAP, BEV centre distance).\n\n",
      fp32.frames);
  if (fp32.t4 && int8.t4) {
    const auto& f = *fp32.t4;
    const auto& q = *int8.t4;
    md += "## Range-bucketed mAP, FP32 vs INT8\n\n| class | ";
    for (const auto& b : f.buckets) md += b.name + " FP32 | " + b.name + " INT8 | ";
    md += "\n|---|";
    for (size_t i = 0; i < f.buckets.size(); ++i) md += "---|---|";
    md += "\n| **mAP** | ";
    for (const auto& b : f.buckets)
      md += fmt::format("{:.4f} | {:.4f} ({}) | ", f.mAP.at(b.name), q.mAP.at(b.name),
                        signedDelta(q.mAP.at(b.name) - f.mAP.at(b.name)));
    md += "\n";
    for (const auto& c : f.classes) {
      md += "| " + c + " | ";
      for (const auto& b : f.buckets)
        md += fmt::format("{:.4f} | {:.4f} | ", f.ap.at(c).at(b.name), q.ap.at(c).at(b.name));
      md += "\n";
    }
    md += "\n";
  }
  if (paired) md += "## FP32 vs INT8 with confidence intervals\n\n" + paired->markdown() + "\n";
  for (const auto& f : figures) md += f + "\n";
  if (!noise.empty()) {
    md +=
        "## How the interval narrows with the number of frames\n\nHalf-width of the 95% interval of INT8 - "
        "FP32 when only the first N evaluation frames are used (same resample count and seed).\n\n| frames |";
    for (const auto& m : noise.front().metrics) md += " " + m.metric + " |";
    md += "\n|---|";
    for (size_t i = 0; i < noise.front().metrics.size(); ++i) md += "---|";
    md += "\n";
    for (const auto& c : noise) {
      md += fmt::format("| {} |", c.frames);
      for (const auto& m : c.metrics) md += fmt::format(" {:.4f} |", m.halfWidth());
      md += "\n";
    }
    md += "\n";
  }
  if (fp32.nuscenes && int8.nuscenes) {
    md += "## nuScenes metric\n\n| | FP32 | INT8 | delta |\n|---|---|---|---|\n";
    md += fmt::format("| mAP | {:.4f} | {:.4f} | {} |\n", fp32.nuscenes->meanAp, int8.nuscenes->meanAp,
                      signedDelta(int8.nuscenes->meanAp - fp32.nuscenes->meanAp));
    md += fmt::format("| NDS | {:.4f} | {:.4f} | {} |\n\n", fp32.nuscenes->ndScore, int8.nuscenes->ndScore,
                      signedDelta(int8.nuscenes->ndScore - fp32.nuscenes->ndScore));
  }
  std::map<std::string, double> sqnrByLayer;
  for (const auto& s : sqnr) sqnrByLayer[s.layer] = s.sqnrDb;
  md +=
      "## Quantized layers\n\n| layer | type | method | input amax | max abs seen | weight amax | SQNR (dB) "
      "|\n"
      "|---|---|---|---|---|---|---|\n";
  for (const auto& l : layers) {
    auto it = sqnrByLayer.find(l.layer);
    const std::string db = it == sqnrByLayer.end() ? "-" : fmt::format("{:.1f}", it->second);
    md += fmt::format("| {}{} | {} | {} | {:.4g} | {:.4g} | {} | {} |\n", l.layer,
                      l.sawOnlyZeros ? " (only zeros seen: kept float)" : "", l.layerType, l.method,
                      l.inputAmax, l.inputStats.maxAbs, amaxText(l.weightAmax), db);
  }
  md += methodsMarkdown(methods);
  if (!floatLayers.empty()) {
    md += "\nKept float: ";
    for (size_t i = 0; i < floatLayers.size(); ++i) md += (i ? ", " : "") + ("`" + floatLayers[i] + "`");
    md += "\n";
  }
  return md;
}

}  // namespace cpq
