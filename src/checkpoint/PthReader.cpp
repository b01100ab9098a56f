#include "checkpoint/PthReader.h"

#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/versions.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <unordered_map>

#include "checkpoint/Unpickler.h"
#include "core/Endian.h"
#include "core/Error.h"

namespace cpq {

namespace {

// Views larger than their storage (stride-0 broadcasts) are materialised only up to this many elements, so
// a corrupt size cannot make us allocate terabytes.
constexpr int64_t kMaxBroadcastNumel = int64_t{1} << 24;

// Every tensor is copied out of its storage, so the bytes a checkpoint materialises are bounded by the file:
// at most kMaterialiseFactor times its size, or kMaterialiseFloor for a small file. Views of one storage
// (a few KB of pickle naming one stride-0 tensor under every key) must not turn kilobytes into gigabytes.
// A real checkpoint materialises about its stored bytes (float16/bfloat16 become float32: twice that; a
// checkpoint whose tensors are overlapping views of one storage, more), hence the factor 4; the floor keeps
// small files with a broadcast view (up to kMaxBroadcastNumel elements) readable.
constexpr uint64_t kMaterialiseFactor = 4;
constexpr uint64_t kMaterialiseFloor = uint64_t{64} << 20;  // 64 MiB

// The zip's central directory, read by us before libtorch's reader (miniz) sees the file: miniz allocates a
// record's declared uncompressed size before it reads a byte of it, and a deflated record may declare
// gigabytes in a few bytes. torch.save stores records uncompressed and apart, so their declared sizes add up
// to at most the file size; we refuse a zip whose records declare more than that.
uint64_t readLE(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

uint32_t crc32(const std::string& bytes) {
  uint32_t c = 0xffffffffu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

// The sum of the records' declared uncompressed sizes; throws once it passes fileSize. Also checks what
// PyTorchStreamReader's constructor checks (a record in a folder, a readable version record within the
// supported range): libtorch 1.13 leaks its zip state when that constructor throws (found by
// fuzz/pth_fuzzer), so such files are refused here first.
uint64_t checkZipRecordSizes(std::ifstream& in, uint64_t fileSize, const std::string& path) {
  const auto bad = [&](const std::string& problem) {
    return fileError(path, "not a readable PyTorch zip checkpoint: " + problem);
  };
  const auto readAt = [&](uint64_t pos, uint64_t n) {
    if (pos > fileSize || n > fileSize - pos) throw bad("the zip directory points past the end of the file");
    std::string buf(static_cast<size_t>(n), '\0');
    in.clear();
    in.seekg(static_cast<std::streamoff>(pos));
    if (!in.read(buf.data(), static_cast<std::streamsize>(n))) throw bad("read failed");
    return buf;
  };
  // End of central directory: 22 bytes plus a comment of at most 65535 bytes at the end of the file.
  constexpr uint64_t kEocd = 22;
  if (fileSize < kEocd) throw bad("too short for a zip (truncated?)");
  const uint64_t tailSize = std::min<uint64_t>(fileSize, kEocd + 65535);
  const std::string tail = readAt(fileSize - tailSize, tailSize);
  size_t eocd = std::string::npos;
  for (size_t i = tail.size() - kEocd + 1; i-- > 0;) {
    if (readLE(tail.data() + i, 4) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string::npos) throw bad("no end of central directory (truncated?)");
  const char* e = tail.data() + eocd;
  uint64_t entries = readLE(e + 10, 2), cdSize = readLE(e + 12, 4), cdOffset = readLE(e + 16, 4);
  const uint64_t eocdPos = fileSize - tailSize + eocd;
  if ((entries == 0xffff || cdSize == 0xffffffff || cdOffset == 0xffffffff) && eocdPos >= 20) {
    // Zip64: a 20-byte locator before the end record points at the zip64 end record.
    const std::string loc = readAt(eocdPos - 20, 20);
    if (readLE(loc.data(), 4) == 0x07064b50) {
      const std::string e64 = readAt(readLE(loc.data() + 8, 8), 56);
      if (readLE(e64.data(), 4) != 0x06064b50) throw bad("broken zip64 end of central directory");
      entries = readLE(e64.data() + 32, 8);
      cdSize = readLE(e64.data() + 40, 8);
      cdOffset = readLE(e64.data() + 48, 8);
    }
  }
  const std::string cd = readAt(cdOffset, cdSize);
  uint64_t total = 0;
  size_t pos = 0;
  std::string prefix;  // the folder of the first record (torch.save: the archive name)
  struct Version {
    bool found = false;
    uint64_t flags = 0, method = 0, crc = 0, compSize = 0, size = 0, localHeader = 0;
  } version, dataVersion;
  for (uint64_t i = 0; i < entries; ++i) {
    if (cd.size() - pos < 46 || readLE(cd.data() + pos, 4) != 0x02014b50)
      throw bad("broken central directory");
    const char* h = cd.data() + pos;
    uint64_t size = readLE(h + 24, 4);
    const size_t nameLen = readLE(h + 28, 2), extraLen = readLE(h + 30, 2), commentLen = readLE(h + 32, 2);
    if (cd.size() - pos - 46 < nameLen + extraLen + commentLen) throw bad("broken central directory");
    const std::string name(h + 46, nameLen);
    if (size == 0xffffffff) {
      // The zip64 extra field (id 1) holds the uncompressed size first, then the compressed size.
      const char* x = h + 46 + nameLen;
      for (size_t j = 0; j + 4 <= extraLen;) {
        const uint64_t id = readLE(x + j, 2), len = readLE(x + j + 2, 2);
        if (id == 1 && len >= 8 && j + 4 + 8 <= extraLen) size = readLE(x + j + 4, 8);
        j += 4 + len;
      }
    }
    if (size > fileSize - total) {
      throw fileError(path, "zip record " + name + " declares " + std::to_string(size) +
                                " bytes; with the records before it that is more than the file's " +
                                std::to_string(fileSize) + " bytes (damaged or hostile zip)");
    }
    total += size;
    pos += 46 + nameLen + extraLen + commentLen;
    if (i == 0) {
      const size_t slash = name.find('/');
      if (slash == std::string::npos)
        throw bad("its first record is not in a folder (not written by torch.save)");
      prefix = name.substr(0, slash + 1);
    }
    Version* v = name == prefix + "version"         ? &version
                 : name == prefix + ".data/version" ? &dataVersion
                                                    : nullptr;
    if (v && !v->found) {
      *v = Version{true, readLE(h + 8, 2), readLE(h + 10, 2), readLE(h + 16, 4), readLE(h + 20, 4),
                   size, readLE(h + 42, 4)};
    }
  }
  if (entries == 0) throw bad("the zip holds no records");
  // PyTorchStreamReader reads .data/version when present, else version.
  const Version& v = dataVersion.found ? dataVersion : version;
  if (!v.found) throw bad("no version record");
  // General-purpose flags miniz refuses to extract: encrypted (bits 0, 6), patch data (bit 5).
  if ((v.flags & 0x61) != 0 || v.method != 0 || v.compSize != v.size || v.size > 32)
    throw bad("the version record is not a short stored record");
  const std::string local = readAt(v.localHeader, 30);
  if (readLE(local.data(), 4) != 0x04034b50) throw bad("the version record's local header is broken");
  const std::string text =
      readAt(v.localHeader + 30 + readLE(local.data() + 26, 2) + readLE(local.data() + 28, 2), v.size);
  if (crc32(text) != v.crc) throw bad("the version record fails its CRC");
  const size_t digits = text.find_first_not_of(" \t\n\r");
  uint64_t number = 0;
  bool ok = digits != std::string::npos && std::isdigit(static_cast<unsigned char>(text[digits]));
  for (size_t i = digits; ok && i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    number = number * 10 + static_cast<uint64_t>(text[i] - '0');
    ok = number <= caffe2::serialize::kMaxSupportedFileFormatVersion;
  }
  if (!ok || number < caffe2::serialize::kMinSupportedFileFormatVersion) {
    throw fileError(path, "zip format version '" + text + "' is not one libtorch " + "reads (" +
                              std::to_string(caffe2::serialize::kMinSupportedFileFormatVersion) + " to " +
                              std::to_string(caffe2::serialize::kMaxSupportedFileFormatVersion) + ")");
  }
  return total;
}

struct Record {
  std::shared_ptr<at::DataPtr> data;
  size_t size = 0;
};

class StorageCache {
 public:
  StorageCache(caffe2::serialize::PyTorchStreamReader& reader, const std::string& path)
      : reader_(reader), path_(path) {}

  // Each data/<key> record is read once, however many tensors view it.
  const Record& get(const std::string& key) {
    auto it = records_.find(key);
    if (it != records_.end()) return it->second;
    const std::string name = "data/" + key;
    if (!reader_.hasRecord(name))
      throw fileError(path_, "storage record " + name + " is missing from the zip");
    auto rec = reader_.getRecord(name);
    Record r;
    r.data = std::make_shared<at::DataPtr>(std::move(std::get<0>(rec)));
    r.size = std::get<1>(rec);
    return records_.emplace(key, std::move(r)).first->second;
  }

 private:
  caffe2::serialize::PyTorchStreamReader& reader_;
  const std::string& path_;
  std::unordered_map<std::string, Record> records_;
};

// Refuses a bool tensor whose storage record holds bytes other than 0 and 1 (a C++ bool with another bit
// pattern is undefined behaviour in every kernel that reads it, and copies may or may not normalise it).
// Refused rather than normalised: torch.save never writes such bytes, so they mean a damaged file. The
// whole record is checked: a bool storage with a bad byte outside the view is as damaged.
void checkBoolRecord(const Record& rec, const std::string& path, const std::string& name) {
  const auto* p = static_cast<const uint8_t*>(rec.data->get());
  for (size_t i = 0; i < rec.size; ++i) {
    if (p[i] > 1) {
      throw fileError(path, "bool tensor " + name + " holds the byte " + std::to_string(p[i]) +
                                " (only 0 and 1 are booleans; damaged checkpoint)");
    }
  }
}

at::Tensor buildTensor(const PickleTree& tree, const PickleTensor& t, StorageCache& cache,
                       const std::string& path, const std::string& name, uint64_t& budget) {
  const PickleStorage& s = tree.storages().at(t.storage);
  const Record& rec = cache.get(s.key);
  const auto elem = static_cast<int64_t>(c10::elementSize(t.dtype));
  const int64_t avail = static_cast<int64_t>(rec.size) / elem;
  const at::ScalarType outType = (t.dtype == at::kHalf || t.dtype == at::kBFloat16) ? at::kFloat : t.dtype;

  int64_t numel = 1, last = t.storageOffset;
  bool overflow = false;
  for (size_t d = 0; d < t.sizes.size(); ++d) {
    overflow |= __builtin_mul_overflow(numel, t.sizes[d], &numel);
    int64_t reach = 0;
    if (t.sizes[d] > 0) {
      overflow |= __builtin_mul_overflow(t.sizes[d] - 1, t.strides[d], &reach);
      overflow |= __builtin_add_overflow(last, reach, &last);
    }
  }
  if (overflow) throw fileError(path, "tensor " + name + " has an impossible shape " + shapeString(t.sizes));
  if (numel == 0) return at::empty(t.sizes, at::TensorOptions().dtype(outType));
  if (last >= avail) {
    throw fileError(path, "tensor " + name + " reaches past the end of its storage record data/" + s.key +
                              " (truncated or damaged checkpoint)");
  }
  if (numel > avail && numel > kMaxBroadcastNumel) {
    throw fileError(path, "tensor " + name + " is a broadcast view of " + std::to_string(numel) +
                              " elements over a storage of " + std::to_string(avail) +
                              "; refusing to expand it");
  }
  const uint64_t bytes = static_cast<uint64_t>(numel) * c10::elementSize(outType);
  if (bytes > budget) {
    throw fileError(path, "tensor " + name + " " + shapeString(t.sizes) +
                              " would take the tensors materialised from this checkpoint past max(" +
                              std::to_string(kMaterialiseFactor) +
                              " x file size, 64 MiB) (views of one storage repeated under many names?)");
  }
  budget -= bytes;
  if (t.dtype == at::kBool) checkBoolRecord(rec, path, name);
  std::shared_ptr<at::DataPtr> holder = rec.data;
  // from_blob's deleter owns a reference to the record, so the view stays valid until we have copied it.
  at::Tensor storage = at::from_blob(
      holder->get(), {avail}, [holder](void*) {}, at::TensorOptions().dtype(t.dtype));
  at::Tensor view = storage.as_strided(t.sizes, t.strides, t.storageOffset);
  if (outType != t.dtype) return view.to(outType).contiguous();
  return view.clone(at::MemoryFormat::Contiguous);
}

}  // namespace

StateDict loadPth(const std::string& path) {
  uint64_t fileSize = 0;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw fileError(path, std::string("cannot open: ") + std::strerror(errno));
    char magic[2] = {0, 0};
    in.read(magic, 2);
    if (in.gcount() == 0) throw fileError(path, "file is empty");
    if (static_cast<uint8_t>(magic[0]) == 0x80) {
      throw fileError(
          path,
          "legacy torch.save format (torch < 1.6), which we do not read; re-save it with torch>=1.6: "
          "torch.save(torch.load(f, weights_only=False), f)");
    }
    if (in.gcount() < 2 || magic[0] != 'P' || magic[1] != 'K') {
      throw fileError(path, "not a PyTorch zip checkpoint (no zip signature)");
    }
    in.seekg(0, std::ios::end);
    const std::streamoff end = in.tellg();
    if (end < 0) throw fileError(path, "cannot determine the file size");
    fileSize = static_cast<uint64_t>(end);
    checkZipRecordSizes(in, fileSize, path);
  }
  if (!hostIsLittleEndian())
    throw fileError(path, "reading checkpoints on a big-endian host is not supported");
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    if (!reader.hasRecord("data.pkl")) {
      if (reader.hasRecord("constants.pkl") || reader.hasRecord("code/__torch__.py")) {
        throw fileError(path, "a TorchScript archive (torch.jit.save), not a checkpoint");
      }
      throw fileError(path, "not a torch.save checkpoint (the zip has no data.pkl)");
    }
    if (reader.hasRecord("byteorder")) {
      auto rec = reader.getRecord("byteorder");
      const std::string order(static_cast<const char*>(std::get<0>(rec).get()), std::get<1>(rec));
      if (order != "little") {
        throw fileError(path,
                        "written with byte order '" + order + "'; only little-endian checkpoints are read");
      }
    }
    auto pklRec = reader.getRecord("data.pkl");
    const std::string pkl(static_cast<const char*>(std::get<0>(pklRec).get()), std::get<1>(pklRec));
    const PickleTree tree = unpickle(pkl, path);

    const PickleValue& root = tree.root();
    if (root.kind != PickleValue::Kind::Dict) {
      throw fileError(path, "no state_dict in checkpoint (it holds a " + tree.describe(root) +
                                ", not a dict of tensors)");
    }
    const PickleValue* weights = &root;
    const PickleValue* nested = tree.get(root, "state_dict");
    if (nested && nested->kind == PickleValue::Kind::Dict) weights = nested;

    StorageCache cache(reader, path);
    uint64_t budget = std::max(kMaterialiseFloor, kMaterialiseFactor * fileSize);
    StateDict sd;
    for (size_t i = 0; i + 1 < weights->items.size(); i += 2) {
      const PickleValue& key = tree[weights->items[i]];
      const PickleValue& value = tree[weights->items[i + 1]];
      if (key.kind != PickleValue::Kind::Str || value.kind != PickleValue::Kind::Tensor) continue;
      sd.insert(key.text, buildTensor(tree, tree.tensor(value), cache, path, key.text, budget));
    }
    if (sd.empty()) throw fileError(path, "no state_dict in checkpoint (no tensors found)");
    return sd;
  } catch (const c10::Error& e) {
    throw fileError(path, std::string("not a readable PyTorch zip checkpoint (truncated or damaged?): ") +
                              e.what_without_backtrace());
  }
}

}  // namespace cpq
