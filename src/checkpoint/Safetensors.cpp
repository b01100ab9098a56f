#include "checkpoint/Safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

#include "core/AtomicFile.h"
#include "core/Endian.h"
#include "core/Error.h"

namespace cpq {

namespace {

using ordered_json = nlohmann::ordered_json;

// The reference implementation refuses headers over 100 MB; so do we (a corrupt length must not make us
// allocate gigabytes).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct DtypeName {
  const char* name;
  at::ScalarType type;
};
constexpr DtypeName kDtypes[] = {
    {"F32", at::kFloat}, {"F16", at::kHalf},  {"BF16", at::kBFloat16}, {"F64", at::kDouble},
    {"I64", at::kLong},  {"I32", at::kInt},   {"I16", at::kShort},     {"I8", at::kChar},
    {"U8", at::kByte},   {"BOOL", at::kBool},
};

}  // namespace

std::string serializeSafetensors(const StateDict& sd, const std::map<std::string, std::string>& metadata) {
  if (!hostIsLittleEndian()) throw Error("safetensors: writing on a big-endian host is not supported");
  ordered_json header = ordered_json::object();
  if (!metadata.empty()) {
    ordered_json meta = ordered_json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;  // std::map: sorted, hence deterministic
    header["__metadata__"] = meta;
  }
  std::vector<at::Tensor> data;
  data.reserve(sd.size());
  uint64_t offset = 0;
  for (const auto& [name, tensor] : sd.items()) {
    if (name == "__metadata__") throw Error("safetensors: a tensor may not be named __metadata__");
    if (!tensor.defined()) throw Error("safetensors: tensor " + name + " is undefined");
    const DtypeName* dt = nullptr;
    for (const auto& d : kDtypes) {
      if (d.type == tensor.scalar_type()) dt = &d;
    }
    if (!dt) {
      throw Error("safetensors: tensor " + name + " has dtype " +
                  std::string(c10::toString(tensor.scalar_type())) + ", which we do not write");
    }
    at::Tensor t = tensor.detach().cpu().contiguous();
    const uint64_t nbytes = static_cast<uint64_t>(t.numel()) * t.element_size();
    ordered_json entry = ordered_json::object();
    entry["dtype"] = dt->name;
    entry["shape"] = ordered_json::array();
    for (int64_t s : t.sizes()) entry["shape"].push_back(s);
    entry["data_offsets"] = ordered_json::array({offset, offset + nbytes});
    header[name] = entry;
    offset += nbytes;
    data.push_back(t);
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + json.size() + offset);
  const uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out += json;
  for (const auto& t : data) {
    out.append(static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.numel()) * t.element_size());
  }
  return out;
}

void saveSafetensors(const std::string& path, const StateDict& sd,
                     const std::map<std::string, std::string>& metadata) {
  std::string bytes;
  try {
    bytes = serializeSafetensors(sd, metadata);
  } catch (const Error& e) {
    throw fileError(path, e.what());
  }
  writeStringAtomically(path, bytes);
}

StateDict parseSafetensors(const std::string& bytes, const std::string& source) {
  auto fail = [&](const std::string& problem) {
    return fileError(source, "not a valid safetensors file: " + problem);
  };
  if (!hostIsLittleEndian())
    throw fileError(source, "reading safetensors on a big-endian host is not supported");
  if (bytes.size() < 8) throw fail("shorter than its 8-byte header length (truncated?)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  if (n > kMaxHeaderBytes) throw fail("header length " + std::to_string(n) + " is implausibly large");
  if (n > bytes.size() - 8) {
    throw fail("header length " + std::to_string(n) + " runs past the end of the file (" +
               std::to_string(bytes.size()) + " bytes; truncated?)");
  }
  if (n < 2 || bytes[8] != '{') throw fail("header does not start with a JSON object");
  ordered_json header;
  try {
    header = ordered_json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  } catch (const nlohmann::json::exception& e) {
    throw fail(std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) throw fail("header is not a JSON object");
  const uint64_t dataStart = 8 + n;
  const uint64_t dataLen = bytes.size() - dataStart;

  struct Entry {
    std::string name;
    at::ScalarType type;
    std::vector<int64_t> shape;
    uint64_t begin, end;
  };
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    if (name == "__metadata__") {
      if (!it->is_object()) throw fail("__metadata__ is not an object");
      continue;
    }
    const ordered_json& e = it.value();
    if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets")) {
      throw fail("entry " + name + " lacks dtype, shape or data_offsets");
    }
    if (!e["dtype"].is_string()) throw fail("entry " + name + ": dtype is not a string");
    const std::string dtype = e["dtype"].get<std::string>();
    const DtypeName* dt = nullptr;
    for (const auto& d : kDtypes) {
      if (dtype == d.name) dt = &d;
    }
    if (!dt) throw fail("entry " + name + " has unsupported dtype " + dtype);
    Entry entry{name, dt->type, {}, 0, 0};
    if (!e["shape"].is_array()) throw fail("entry " + name + ": shape is not an array");
    uint64_t numel = 1;
    bool overflow = false;
    for (const auto& s : e["shape"]) {
      if (!s.is_number_unsigned()) throw fail("entry " + name + ": shape holds something other than a size");
      const uint64_t v = s.get<uint64_t>();
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) overflow = true;
      if (v != 0 && numel > std::numeric_limits<uint64_t>::max() / v) overflow = true;
      numel *= v;
      entry.shape.push_back(static_cast<int64_t>(v));
    }
    const auto& off = e["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned()) {
      throw fail("entry " + name + ": data_offsets is not a pair of offsets");
    }
    entry.begin = off[0].get<uint64_t>();
    entry.end = off[1].get<uint64_t>();
    if (entry.begin > entry.end || entry.end > dataLen) {
      throw fail("entry " + name + ": data_offsets [" + std::to_string(entry.begin) + "," +
                 std::to_string(entry.end) + "] lie outside the " + std::to_string(dataLen) +
                 " data bytes (truncated?)");
    }
    const uint64_t elem = c10::elementSize(entry.type);
    if (overflow || numel > std::numeric_limits<uint64_t>::max() / elem ||
        numel * elem != entry.end - entry.begin) {
      throw fail("entry " + name + ": data_offsets span " + std::to_string(entry.end - entry.begin) +
                 " bytes, which does not match dtype " + dtype + " and shape " + shapeString(entry.shape));
    }
    entries.push_back(std::move(entry));
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].begin < entries[i - 1].end) {
      throw fail("entries " + entries[i - 1].name + " and " + entries[i].name + " overlap");
    }
  }
  StateDict sd;
  for (const auto& e : entries) {
    at::Tensor t = at::empty(e.shape, at::TensorOptions().dtype(e.type));
    if (e.end > e.begin) std::memcpy(t.data_ptr(), bytes.data() + dataStart + e.begin, e.end - e.begin);
    if (e.type == at::kBool) {
      // Only 0 and 1 are booleans; another byte in a C++ bool is undefined behaviour in every kernel that
      // reads it. Refused rather than normalised: safetensors writers never produce it, so it is damage.
      const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + dataStart + e.begin);
      for (uint64_t i = 0; i < e.end - e.begin; ++i) {
        if (p[i] > 1) {
          throw fail("bool tensor " + e.name + " holds the byte " + std::to_string(p[i]) +
                     " (only 0 and 1 are booleans)");
        }
      }
    }
    if (e.type == at::kHalf || e.type == at::kBFloat16) t = t.to(at::kFloat);
    if (sd.find(e.name)) throw fail("tensor " + e.name + " appears twice");
    sd.insert(e.name, t);
  }
  return sd;
}

StateDict loadSafetensors(const std::string& path) { return parseSafetensors(readFileToString(path), path); }

}  // namespace cpq
