#include "checkpoint/PthReader.h"

#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>

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

at::Tensor buildTensor(const PickleTree& tree, const PickleTensor& t, StorageCache& cache,
                       const std::string& path, const std::string& name) {
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
    StateDict sd;
    for (size_t i = 0; i + 1 < weights->items.size(); i += 2) {
      const PickleValue& key = tree[weights->items[i]];
      const PickleValue& value = tree[weights->items[i + 1]];
      if (key.kind != PickleValue::Kind::Str || value.kind != PickleValue::Kind::Tensor) continue;
      sd.insert(key.text, buildTensor(tree, tree.tensor(value), cache, path, key.text));
    }
    if (sd.empty()) throw fileError(path, "no state_dict in checkpoint (no tensors found)");
    return sd;
  } catch (const c10::Error& e) {
    throw fileError(path, std::string("not a readable PyTorch zip checkpoint (truncated or damaged?): ") +
                              e.what_without_backtrace());
  }
}

}  // namespace cpq
