#include "ptq/StudyTables.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "core/AtomicFile.h"
#include "core/Error.h"
#include "core/RgbImage.h"

namespace cpq {
namespace fs = std::filesystem;
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kReport = ".report.json";
constexpr const char* kMetrics = ".metrics.json";
constexpr const char* kLatest = ".latest.json";
constexpr const char* kSensitivity = ".sensitivity.csv";
constexpr const char* kSensitivityYaml = ".sensitivity.sensitive_layers.yaml";
constexpr const char* kSensitivityHeader = "layer,map,delta,sqnr_db,proxy";

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string stemOf(const std::string& file, const std::string& suffix) {
  return file.substr(0, file.size() - suffix.size());
}

// A parsed result file: every lookup names the file and the dotted key path that is missing or wrong.
class JsonFile {
 public:
  JsonFile(const std::string& path, const std::string& kind) : path_(path), kind_(kind) {
    try {
      root_ = Json::parse(readFileToString(path));
    } catch (const nlohmann::json::exception& e) {
      throw fileError(path, "is not valid JSON (" + kind + "): " + e.what());
    }
    if (!root_.is_object()) throw fileError(path, "is not a " + kind + ": the top level is not an object");
  }

  const Json& root() const { return root_; }
  const std::string& path() const { return path_; }

  // The value at a dotted path below `from` (keys hold no dots here); `where` is from's own path.
  const Json& at(const Json& from, const std::string& dotted, const std::string& where = "") const {
    const Json* j = &from;
    std::string seen = where;
    std::stringstream keys(dotted);
    for (std::string key; std::getline(keys, key, '.');) {
      seen += (seen.empty() ? "" : ".") + key;
      if (!j->is_object() || !j->contains(key)) throw problem("has no \"" + seen + "\"");
      j = &(*j)[key];
    }
    return *j;
  }
  const Json& at(const std::string& dotted) const { return at(root_, dotted); }

  // A number (null: NaN, printed "-"); `where` names the value in messages.
  double number(const Json& j, const std::string& where) const {
    if (j.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!j.is_number()) throw problem("\"" + where + "\" is not a number");
    return j.get<double>();
  }
  double number(const std::string& dotted) const { return number(at(dotted), dotted); }

  Error problem(const std::string& what) const { return fileError(path_, "not a " + kind_ + ": " + what); }

 private:
  std::string path_, kind_;
  Json root_;
};

// The range-bucketed metric of one evaluation (metrics.json layout, docs/evaluation.md).
struct BucketMetrics {
  std::vector<std::string> buckets;  // as in the file, "overall" included
  std::vector<std::string> classes;
  std::map<std::string, double> mAP;
  std::map<std::string, std::map<std::string, double>> ap;  // class -> bucket -> AP
  std::optional<double> nuscenesMap;
  size_t frames = 0;
};

BucketMetrics readMetrics(const JsonFile& f, const std::string& prefix) {
  const Json& e = prefix.empty() ? f.root() : f.at(prefix);
  const auto key = [&](const std::string& k) { return prefix.empty() ? k : prefix + "." + k; };
  BucketMetrics m;
  const Json& frames = f.at(e, "frames", prefix);
  if (!frames.is_number_unsigned()) throw f.problem("\"" + key("frames") + "\" is not a frame count");
  m.frames = frames.get<size_t>();
  const Json& buckets = f.at(e, "t4.buckets", prefix);
  if (!buckets.is_object() || buckets.empty())
    throw f.problem("\"" + key("t4.buckets") + "\" is not an object of range buckets");
  for (auto it = buckets.begin(); it != buckets.end(); ++it) m.buckets.push_back(it.key());
  if (std::find(m.buckets.begin(), m.buckets.end(), "overall") == m.buckets.end())
    throw f.problem("\"" + key("t4.buckets") + "\" has no \"overall\" bucket");
  const Json& classes = f.at(e, "t4.classes", prefix);
  if (!classes.is_array()) throw f.problem("\"" + key("t4.classes") + "\" is not a list");
  for (const auto& c : classes) {
    if (!c.is_string()) throw f.problem("\"" + key("t4.classes") + "\" holds a non-string");
    m.classes.push_back(c.get<std::string>());
  }
  for (const auto& b : m.buckets) {
    m.mAP[b] = f.number(f.at(e, "t4.mAP." + b, prefix), key("t4.mAP." + b));
    for (const auto& c : m.classes)
      m.ap[c][b] = f.number(f.at(e, "t4.AP." + c + "." + b, prefix), key("t4.AP." + c + "." + b));
  }
  if (e.contains("nuscenes"))
    m.nuscenesMap = f.number(f.at(e, "nuscenes.mean_ap", prefix), key("nuscenes.mean_ap"));
  return m;
}

struct Interval {
  double diff = 0, lo = 0, hi = 0;
};

struct PairedInfo {
  size_t frames = 0;
  int64_t resamples = 0;
  uint64_t seed = 0;
  double confidence = 0.95;
  std::map<std::string, Interval> metrics;  // "t4.mAP.overall" -> interval of INT8 - FP32
};

// One entry of a report's "noise": the paired interval on the first `frames` evaluation frames.
struct NoiseRow {
  size_t frames = 0;
  double confidence = 0.95;
  double halfWidth = 0;  // (hi - lo) / 2 of t4.mAP.overall
};

constexpr const char* kNoiseMetric = "t4.mAP.overall";

struct PtqRunResult {
  std::string name, file;
  std::string method, keptFloat;
  std::optional<double> calibrationFrames, calibrationSeconds;
  BucketMetrics fp32, int8;
  std::optional<PairedInfo> paired;
  std::vector<NoiseRow> noise;
};

std::string textOrDash(const Json& s, const std::string& key) {
  if (!s.contains(key) || s[key].is_null()) return "-";
  const Json& v = s[key];
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

PtqRunResult readPtqReport(const std::string& path, const std::string& name) {
  const JsonFile f(path, "PTQ report");
  PtqRunResult r;
  r.name = name;
  r.file = fs::path(path).filename().string();
  const Json& s = f.at("settings");
  if (!s.is_object()) throw f.problem("\"settings\" is not an object");
  r.method = textOrDash(s, "method");
  if (s.contains("calibration_frames")) r.calibrationFrames = f.number("settings.calibration_frames");
  if (s.contains("calibration_seconds")) r.calibrationSeconds = f.number("settings.calibration_seconds");
  if (s.contains("sensitive_layers")) {
    const Json& layers = s["sensitive_layers"];
    if (!layers.is_array()) throw f.problem("\"settings.sensitive_layers\" is not a list");
    for (const auto& l : layers) {
      if (!l.is_string()) throw f.problem("\"settings.sensitive_layers\" holds a non-string");
      r.keptFloat += (r.keptFloat.empty() ? "" : ", ") + ("`" + l.get<std::string>() + "`");
    }
    if (r.keptFloat.empty()) r.keptFloat = "none";
  } else {
    r.keptFloat = "-";
  }
  r.fp32 = readMetrics(f, "fp32");
  r.int8 = readMetrics(f, "int8");
  if (r.fp32.buckets != r.int8.buckets) throw f.problem("\"fp32\" and \"int8\" have different range buckets");
  if (f.root().contains("paired")) {
    const Json& p = f.at("paired");
    PairedInfo info;
    const Json& frames = f.at("paired.frames");
    if (!frames.is_number_unsigned()) throw f.problem("\"paired.frames\" is not a frame count");
    info.frames = frames.get<size_t>();
    info.resamples = static_cast<int64_t>(f.number("paired.resamples"));
    const Json& seed = f.at("paired.seed");
    if (!seed.is_number_unsigned()) throw f.problem("\"paired.seed\" is not a seed");
    info.seed = seed.get<uint64_t>();
    if (p.contains("confidence")) info.confidence = f.number("paired.confidence");
    const Json& metrics = f.at(p, "metrics", "paired");
    if (!metrics.is_array()) throw f.problem("\"paired.metrics\" is not a list");
    for (size_t i = 0; i < metrics.size(); ++i) {
      const std::string where = fmt::format("paired.metrics[{}]", i);
      const Json& name = f.at(metrics[i], "metric", where);
      if (!name.is_string()) throw f.problem("\"" + where + ".metric\" is not a string");
      Interval iv;
      iv.diff = f.number(f.at(metrics[i], "diff", where), where + ".diff");
      iv.lo = f.number(f.at(metrics[i], "lo", where), where + ".lo");
      iv.hi = f.number(f.at(metrics[i], "hi", where), where + ".hi");
      info.metrics[name.get<std::string>()] = iv;
    }
    r.paired = info;
  }
  if (f.root().contains("noise")) {
    const Json& noise = f.at("noise");
    if (!noise.is_array()) throw f.problem("\"noise\" is not a list");
    for (size_t i = 0; i < noise.size(); ++i) {
      const std::string where = fmt::format("noise[{}]", i);
      NoiseRow row;
      const Json& frames = f.at(noise[i], "frames", where);
      if (!frames.is_number_unsigned()) throw f.problem("\"" + where + ".frames\" is not a frame count");
      row.frames = frames.get<size_t>();
      if (noise[i].contains("confidence"))
        row.confidence = f.number(noise[i]["confidence"], where + ".confidence");
      const Json& metrics = f.at(noise[i], "metrics", where);
      if (!metrics.is_array()) throw f.problem("\"" + where + ".metrics\" is not a list");
      bool found = false;
      for (size_t k = 0; k < metrics.size() && !found; ++k) {
        const std::string m = fmt::format("{}.metrics[{}]", where, k);
        const Json& name = f.at(metrics[k], "metric", m);
        if (!name.is_string()) throw f.problem("\"" + m + ".metric\" is not a string");
        if (name.get<std::string>() != kNoiseMetric) continue;
        const double lo = f.number(f.at(metrics[k], "lo", m), m + ".lo");
        const double hi = f.number(f.at(metrics[k], "hi", m), m + ".hi");
        row.halfWidth = (hi - lo) / 2;
        found = true;
      }
      if (!found) throw f.problem("\"" + where + ".metrics\" has no \"" + kNoiseMetric + "\"");
      r.noise.push_back(row);
    }
  }
  return r;
}

struct Evaluation {
  std::string name, file;
  BucketMetrics metrics;
};

struct EpochRow {
  std::optional<double> valMap;
  double seconds = 0;
};

struct TrainingRun {
  std::string name, file;
  std::string mode, distill, learnAmax, lr, batch, epochs;
  std::vector<EpochRow> history;
};

TrainingRun readLatest(const std::string& path, const std::string& name) {
  const JsonFile f(path, "training state (latest.json)");
  TrainingRun r;
  r.name = name;
  r.file = fs::path(path).filename().string();
  const Json& s = f.at("settings");
  if (!s.is_object()) throw f.problem("\"settings\" is not an object");
  r.mode = s.contains("mode") ? textOrDash(s, "mode") : "train";
  r.distill = textOrDash(s, "distill");
  r.learnAmax = textOrDash(s, "learn_amax");
  r.lr = s.contains("lr") ? fmt::format("{:g}", f.number("settings.lr")) : "-";
  r.batch = textOrDash(s, "batch_size");
  r.epochs = textOrDash(s, "epochs");
  const Json& history = f.at("history");
  if (!history.is_array()) throw f.problem("\"history\" is not a list");
  for (size_t i = 0; i < history.size(); ++i) {
    const std::string where = fmt::format("history[{}]", i);
    EpochRow row;
    const double v = f.number(f.at(history[i], "val_map_overall", where), where + ".val_map_overall");
    if (!std::isnan(v)) row.valMap = v;
    row.seconds = f.number(f.at(history[i], "seconds", where), where + ".seconds");
    r.history.push_back(row);
  }
  return r;
}

struct SensitivityTable {
  std::string name, file;
  std::vector<std::vector<std::string>> rows;  // layer, map, delta (with its interval), sqnr_db, proxy
  std::string yaml;                            // the budget selection, when present
};

std::vector<std::string> csvFields(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream ls(line);
  for (std::string field; std::getline(ls, field, ',');) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();  // a trailing empty field
  return fields;
}

// Columns are found by header name: the five of kSensitivityHeader in any order, other columns (delta_lo,
// delta_hi of the top layers' intervals) optional. A delta with its interval reads "delta [lo, hi]".
SensitivityTable readSensitivity(const std::string& path, const std::string& name) {
  SensitivityTable t;
  t.name = name;
  t.file = fs::path(path).filename().string();
  std::stringstream in(readFileToString(path));
  std::string line;
  const std::vector<std::string> required = csvFields(kSensitivityHeader);
  std::vector<std::string> header;
  if (std::getline(in, line)) header = csvFields(line);
  auto column = [&](const std::string& key) -> std::optional<size_t> {
    const auto at = std::find(header.begin(), header.end(), key);
    return at == header.end() ? std::nullopt : std::optional<size_t>(at - header.begin());
  };
  std::vector<size_t> columns;
  for (const auto& key : required)
    if (const auto c = column(key)) columns.push_back(*c);
  if (columns.size() != required.size() || header.empty() || header[0] != "layer")
    throw fileError(path, std::string("not a sensitivity CSV: the first line is not \"") +
                              kSensitivityHeader + "\" (delta_lo, delta_hi may follow delta)");
  const auto lo = column("delta_lo"), hi = column("delta_hi");
  for (size_t n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const std::vector<std::string> fields = csvFields(line);
    if (fields.size() != header.size() || fields[0].empty())
      throw fileError(path,
                      fmt::format("not a sensitivity CSV: line {} has {} fields, not {} with a layer name", n,
                                  fields.size(), header.size()));
    std::vector<std::string> row;
    for (size_t c : columns) row.push_back(fields[c]);
    if (lo && hi && !fields[*lo].empty() && !fields[*hi].empty())
      row[2] += " [" + fields[*lo] + ", " + fields[*hi] + "]";
    t.rows.push_back(row);
  }
  const fs::path yaml = fs::path(path).parent_path() / (name + kSensitivityYaml);
  if (fs::exists(yaml)) t.yaml = readFileToString(yaml.string());
  return t;
}

// Everything found in the folder, each list sorted by file name.
struct StudyResults {
  std::vector<PtqRunResult> ptq;
  std::vector<Evaluation> evaluations;
  std::vector<TrainingRun> training;
  std::vector<SensitivityTable> sensitivity;
  std::vector<std::string> buckets, classes;  // of the first evaluation read; every other must match
  std::string bucketsFile;
};

void checkBuckets(StudyResults& s, const BucketMetrics& m, const std::string& file) {
  if (s.buckets.empty()) {
    s.buckets = m.buckets;
    s.classes = m.classes;
    s.bucketsFile = fs::path(file).filename().string();
    return;
  }
  const auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  if (m.buckets != s.buckets)
    throw fileError(file, "range buckets [" + join(m.buckets) + "] differ from [" + join(s.buckets) +
                              "] of " + s.bucketsFile + ": one study table holds one model's evaluation");
  if (m.classes != s.classes)
    throw fileError(
        file, "classes [" + join(m.classes) + "] differ from [" + join(s.classes) + "] of " + s.bucketsFile);
}

StudyResults readResults(const std::string& dir) {
  if (!fs::is_directory(dir)) throw fileError(dir, "is not a folder of study results");
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(entry.path().filename().string());
  std::sort(files.begin(), files.end());
  StudyResults s;
  for (const auto& file : files) {
    const std::string path = (fs::path(dir) / file).string();
    if (endsWith(file, kReport)) {
      s.ptq.push_back(readPtqReport(path, stemOf(file, kReport)));
      checkBuckets(s, s.ptq.back().fp32, path);
    } else if (endsWith(file, kMetrics)) {
      const JsonFile f(path, "metrics.json");
      s.evaluations.push_back({stemOf(file, kMetrics), file, readMetrics(f, "")});
      checkBuckets(s, s.evaluations.back().metrics, path);
    } else if (endsWith(file, kLatest)) {
      s.training.push_back(readLatest(path, stemOf(file, kLatest)));
    } else if (endsWith(file, kSensitivity)) {
      s.sensitivity.push_back(readSensitivity(path, stemOf(file, kSensitivity)));
    }
  }
  if (s.ptq.empty() && s.evaluations.empty() && s.training.empty() && s.sensitivity.empty())
    throw fileError(dir, std::string("holds no study results (*") + kReport + ", *" + kMetrics + ", *" +
                             kLatest + ", *" + kSensitivity + ")");
  return s;
}

std::string value(double v) { return std::isnan(v) ? "-" : fmt::format("{:.4f}", v); }

std::string signedValue(double v) { return std::isnan(v) ? "-" : fmt::format("{:+.4f}", v); }

// b - a, with the paired interval when the report has one for this metric.
std::string difference(double a, double b, const std::optional<PairedInfo>& paired,
                       const std::string& metric) {
  if (paired) {
    auto it = paired->metrics.find(metric);
    if (it != paired->metrics.end())
      return fmt::format("{} [{}, {}]", signedValue(it->second.diff), signedValue(it->second.lo),
                         signedValue(it->second.hi));
  }
  return signedValue(b - a);
}

std::string bucketHeader(const std::vector<std::string>& buckets) {
  std::string h;
  for (const auto& b : buckets) h += " " + b + " |";
  return h;
}

std::string separator(size_t columns) {
  std::string s = "|";
  for (size_t i = 0; i < columns; ++i) s += "---|";
  return s + "\n";
}

std::string ptqTables(const StudyResults& s) {
  std::string md = "## PTQ runs\n\n";
  md +=
      "One `ptq` run per row (`<run>.report.json`). INT8 - FP32 is the overall range-bucketed mAP; with a "
      "paired bootstrap in the report it reads \"diff [lo, hi]\", the interval of the difference over "
      "resampled evaluation frames.\n\n";
  md +=
      "| run | method | calibration frames | kept float | evaluation frames | FP32 | INT8 | INT8 - FP32 | "
      "nuScenes mAP FP32 | nuScenes mAP INT8 | calibration s |\n";
  md += separator(11);
  for (const auto& r : s.ptq) {
    const auto nus = [](const BucketMetrics& m) { return m.nuscenesMap ? value(*m.nuscenesMap) : "-"; };
    md += fmt::format(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", r.name, r.method,
        r.calibrationFrames ? fmt::format("{:g}", *r.calibrationFrames) : "-", r.keptFloat, r.int8.frames,
        value(r.fp32.mAP.at("overall")), value(r.int8.mAP.at("overall")),
        difference(r.fp32.mAP.at("overall"), r.int8.mAP.at("overall"), r.paired, "t4.mAP.overall"),
        nus(r.fp32), nus(r.int8), r.calibrationSeconds ? fmt::format("{:.1f}", *r.calibrationSeconds) : "-");
  }
  std::string notes;
  for (const auto& r : s.ptq)
    if (r.paired)
      notes += fmt::format(
          "- {}: {:g}% interval of a paired bootstrap over {} frames, {} resamples, seed {}\n", r.name,
          100 * r.paired->confidence, r.paired->frames, r.paired->resamples, r.paired->seed);
  if (!notes.empty()) md += "\n" + notes;

  md += "\n## PTQ mAP per range bucket\n\n| run | model |" + bucketHeader(s.buckets) + "\n";
  md += separator(2 + s.buckets.size());
  for (const auto& r : s.ptq) {
    std::string fp32 = "| " + r.name + " | FP32 |", int8 = "| " + r.name + " | INT8 |",
                diff = "| " + r.name + " | INT8 - FP32 |";
    for (const auto& b : s.buckets) {
      fp32 += " " + value(r.fp32.mAP.at(b)) + " |";
      int8 += " " + value(r.int8.mAP.at(b)) + " |";
      diff += " " + difference(r.fp32.mAP.at(b), r.int8.mAP.at(b), r.paired, "t4.mAP." + b) + " |";
    }
    md += fp32 + "\n" + int8 + "\n" + diff + "\n";
  }
  return md;
}

std::vector<NoiseSeries> noiseSeries(const StudyResults& s) {
  std::vector<NoiseSeries> series;
  for (const auto& r : s.ptq) {
    if (r.noise.empty()) continue;
    NoiseSeries n;
    n.name = r.name;
    for (const auto& row : r.noise) n.points.push_back({static_cast<double>(row.frames), row.halfWidth});
    series.push_back(std::move(n));
  }
  return series;
}

std::string halfWidthValue(double v) { return std::isnan(v) ? "-" : fmt::format("{:.5f}", v); }

// The smallest measured frame count whose half-width is at most `reference`, or past the last point the
// 1/sqrt(N) extrapolation from it.
std::string framesNeeded(const PtqRunResult& r, double reference) {
  for (const auto& row : r.noise)
    if (std::isfinite(row.halfWidth) && row.halfWidth <= reference)
      return fmt::format("{} frames", row.frames);
  const NoiseRow* last = nullptr;
  for (const auto& row : r.noise)
    if (std::isfinite(row.halfWidth) && row.halfWidth > 0 && (!last || row.frames > last->frames))
      last = &row;
  if (!last || last->frames == 0) return "-";
  const double n = static_cast<double>(last->frames) * std::pow(last->halfWidth / reference, 2);
  return fmt::format("more than the {} measured (about {:.0f} by 1/sqrt(N) from the last point)",
                     last->frames, std::ceil(n));
}

std::string noiseSection(const StudyResults& s, const StudyTablesOptions& o) {
  std::vector<const PtqRunResult*> runs;
  std::vector<size_t> frames;
  for (const auto& r : s.ptq) {
    if (r.noise.empty()) continue;
    runs.push_back(&r);
    for (const auto& row : r.noise) frames.push_back(row.frames);
  }
  std::sort(frames.begin(), frames.end());
  frames.erase(std::unique(frames.begin(), frames.end()), frames.end());
  double confidence = runs.front()->noise.front().confidence;
  for (const auto* r : runs)
    for (const auto& row : r->noise)
      if (row.confidence != confidence) confidence = std::numeric_limits<double>::quiet_NaN();
  const std::string level = std::isnan(confidence) ? "" : fmt::format("{:g}% ", 100 * confidence);

  std::string md = "## Evaluation noise vs frames\n\n";
  md +=
      "Half-width (hi - lo) / 2 of the paired " + level +
      "interval of INT8 - FP32 (overall range-bucketed mAP) on the first N evaluation frames (`ptq "
      "--noise-curve`, `<run>.report.json` \"noise\"). A difference between two models is resolved only "
      "when it is larger than the half-width: to resolve a 0.001 mAP difference you need a half-width below "
      "0.001. With independent frames it shrinks about as 1/sqrt(N): four times the frames halve it.\n\n";
  md += "| frames |";
  for (const auto* r : runs) md += " " + r->name + " |";
  md += "\n" + separator(1 + runs.size());
  for (size_t n : frames) {
    md += fmt::format("| {} |", n);
    for (const auto* r : runs) {
      double h = std::numeric_limits<double>::quiet_NaN();
      for (const auto& row : r->noise)
        if (row.frames == n) h = row.halfWidth;
      md += " " + halfWidthValue(h) + " |";
    }
    md += "\n";
  }
  if (o.noiseReference > 0) {
    md += fmt::format("\nFrames needed for a half-width of at most {:g} (the first measured N):\n\n",
                      o.noiseReference);
    for (const auto* r : runs) md += "- " + r->name + ": " + framesNeeded(*r, o.noiseReference) + "\n";
  }
  if (!o.noisePlotFile.empty())
    md += fmt::format(
        "\n![Half-width vs evaluation frames]({})\n\n*Half-width vs evaluation frames, log-log, one line per "
        "run; {}dotted: the 1/sqrt(N) guide. Read off where a run's line crosses the difference you want to "
        "resolve: from that many frames on, a difference of that size is outside the noise.*\n",
        o.noisePlotFile,
        o.noiseReference > 0 ? fmt::format("dashed: half-width {:g}; ", o.noiseReference) : std::string());
  return md;
}

std::string evaluationTable(const StudyResults& s) {
  const Evaluation* reference = nullptr;
  for (const auto& e : s.evaluations)
    if (e.name == "fp32") reference = &e;
  std::string md = "## Evaluations\n\nOne `eval` per row (`<name>.metrics.json`)";
  md += reference ? "; vs FP32 against fp32.metrics.json (overall).\n\n" : ".\n\n";
  md += "| evaluation | frames |" + bucketHeader(s.buckets) + " nuScenes mAP |" +
        (reference ? " vs FP32 |" : "") + "\n";
  md += separator(3 + s.buckets.size() + (reference ? 1 : 0));
  for (const auto& e : s.evaluations) {
    md += fmt::format("| {} | {} |", e.name, e.metrics.frames);
    for (const auto& b : s.buckets) md += " " + value(e.metrics.mAP.at(b)) + " |";
    md += " " + (e.metrics.nuscenesMap ? value(*e.metrics.nuscenesMap) : std::string("-")) + " |";
    if (reference)
      md += " " + signedValue(e.metrics.mAP.at("overall") - reference->metrics.mAP.at("overall")) + " |";
    md += "\n";
  }
  return md;
}

// class x bucket rows; columns: FP32 of the first PTQ run (when any), every run's INT8, every evaluation.
std::string perClassTable(const StudyResults& s) {
  std::vector<std::pair<std::string, const BucketMetrics*>> columns;
  if (!s.ptq.empty()) columns.emplace_back("FP32", &s.ptq.front().fp32);
  for (const auto& r : s.ptq) columns.emplace_back(r.name + " INT8", &r.int8);
  for (const auto& e : s.evaluations) columns.emplace_back(e.name, &e.metrics);
  std::string md = "## AP per class and range bucket\n\n";
  if (!s.ptq.empty())
    md +=
        "FP32: the float evaluation of " + s.ptq.front().file + " (every run's FP32 is the same model).\n\n";
  md += "| class |";
  for (const auto& c : columns) md += " " + c.first + " |";
  md += "\n" + separator(1 + columns.size());
  for (const auto& cls : s.classes)
    for (const auto& b : s.buckets) {
      md += "| " + cls + " " + b + " |";
      for (const auto& c : columns) md += " " + value(c.second->ap.at(cls).at(b)) + " |";
      md += "\n";
    }
  return md;
}

std::string trainingTable(const StudyResults& s) {
  std::string md =
      "## Training and QAT runs\n\nOne work dir per row (`<run>.latest.json`); the last val mAP is the "
      "checkpoint's (no epoch picked by its score).\n\n";
  md +=
      "| run | mode | loss | learned amax | lr | batch | epochs done / planned | last val mAP | mean epoch s "
      "|\n";
  md += separator(9);
  for (const auto& r : s.training) {
    double seconds = 0;
    std::optional<double> last;
    for (const auto& h : r.history) {
      seconds += h.seconds;
      if (h.valMap) last = h.valMap;
    }
    const std::string loss = r.distill == "true" ? "distill" : r.distill == "false" ? "labels" : "-";
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} / {} | {} | {} |\n", r.name, r.mode, loss,
                      r.learnAmax, r.lr, r.batch, r.history.size(), r.epochs, last ? value(*last) : "-",
                      r.history.empty() ? "-" : fmt::format("{:.1f}", seconds / r.history.size()));
  }
  md += "\nPer-epoch val mAP:\n\n";
  for (const auto& r : s.training) {
    std::string values;
    for (const auto& h : r.history)
      values += (values.empty() ? "" : ", ") + (h.valMap ? value(*h.valMap) : "-");
    md += "- " + r.name + ": " + (values.empty() ? "-" : values) + "\n";
  }
  return md;
}

std::string sensitivityTables(const StudyResults& s, int maxRows) {
  std::string md = "## Sensitivity\n\n";
  for (const auto& t : s.sensitivity) {
    md += "### " + t.name + "\n\nOne layer quantized at a time, most sensitive first (" + t.file + ").\n\n";
    md += "| layer | mAP | delta | SQNR (dB) | proxy |\n" + separator(5);
    const size_t shown = maxRows <= 0 ? t.rows.size() : std::min(t.rows.size(), static_cast<size_t>(maxRows));
    for (size_t i = 0; i < shown; ++i) {
      const auto& f = t.rows[i];
      md += "| " + f[0] + " | " + f[1] + " | " + f[2] + " | " + f[3] + " | " + f[4] + " |\n";
    }
    if (shown < t.rows.size())
      md += fmt::format("\n{} more row{} in {}.\n", t.rows.size() - shown,
                        t.rows.size() - shown == 1 ? "" : "s", t.file);
    if (!t.yaml.empty())
      md += "\nBudget selection (" + t.name + kSensitivityYaml + "):\n\n```yaml\n" + t.yaml +
            (endsWith(t.yaml, "\n") ? "" : "\n") + "```\n";
    md += "\n";
  }
  return md;
}

bool hasNoise(const StudyResults& s) {
  return std::any_of(s.ptq.begin(), s.ptq.end(), [](const PtqRunResult& r) { return !r.noise.empty(); });
}

std::string markdownOf(const StudyResults& s, const StudyTablesOptions& options) {
  std::string md = "# " + options.title + "\n\n";
  md +=
      "Generated by `centerpoint-quant study-tables` from the result files named below (do not edit by hand; "
      "regenerate). mAP: range-bucketed mAP as fractions in [0, 1] (BEV centre distance).\n\n";
  std::vector<std::string> sections;
  if (!s.ptq.empty()) sections.push_back(ptqTables(s));
  if (hasNoise(s)) sections.push_back(noiseSection(s, options));
  if (!s.evaluations.empty()) sections.push_back(evaluationTable(s));
  if (!s.ptq.empty() || !s.evaluations.empty()) sections.push_back(perClassTable(s));
  if (!s.training.empty()) sections.push_back(trainingTable(s));
  if (!s.sensitivity.empty()) sections.push_back(sensitivityTables(s, options.sensitivityRows));
  for (size_t i = 0; i < sections.size(); ++i) {
    std::string sec = sections[i];
    while (endsWith(sec, "\n\n")) sec.pop_back();
    md += sec + (i + 1 < sections.size() ? "\n" : "");
  }
  return md;
}

NoisePlotOptions noisePlotOptions(const StudyTablesOptions& o) {
  NoisePlotOptions p;
  p.referenceHalfWidth = o.noiseReference;
  return p;
}

}  // namespace

std::string studyTablesMarkdown(const std::string& dir, const StudyTablesOptions& options) {
  return markdownOf(readResults(dir), options);
}

std::vector<NoiseSeries> studyNoiseSeries(const std::string& dir) { return noiseSeries(readResults(dir)); }

std::string studyNoisePlotPath(const std::string& out) {
  return fs::path(out).replace_extension(".noise.png").string();
}

std::vector<std::string> writeStudyTables(const std::string& dir, const std::string& out, bool overwrite,
                                          const StudyTablesOptions& options) {
  refuseToOverwrite(out, overwrite);
  const StudyResults s = readResults(dir);
  StudyTablesOptions o = options;
  o.noisePlotFile.clear();
  if (hasNoise(s) && pngSupported()) {
    const std::string png = studyNoisePlotPath(out);
    refuseToOverwrite(png, overwrite);
    o.noisePlotFile = fs::path(png).filename().string();
    const std::string md = markdownOf(s, o);
    writePng(png, renderNoisePlot(noiseSeries(s), noisePlotOptions(o)));
    writeStringAtomically(out, md);
    return {out, png};
  }
  writeStringAtomically(out, markdownOf(s, o));
  return {out};
}

}  // namespace cpq
