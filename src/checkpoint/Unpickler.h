#pragma once
// A restricted reader for the data.pkl of torch.save checkpoints. Python's pickle is a small stack
// machine whose GLOBAL/REDUCE opcodes import and call arbitrary code; we interpret only the opcodes and the
// few callables that checkpoints use (containers and torch's tensor-rebuild functions) and represent every
// other object as an opaque "skipped" value. Nothing is ever imported or executed. A pickle that names a
// callable with side effects (os.system, builtins.eval, subprocess.*, ...) is refused outright: such a
// file is an attack, not a checkpoint.
#include <c10/core/ScalarType.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cpq {

// A tensor storage named by a persistent id ('storage', <type>, key, location, numel): its bytes are the
// zip record data/<key>.
struct PickleStorage {
  std::string key;
  at::ScalarType dtype = at::kByte;  // element type of the storage (uint8 for an untyped storage)
  std::string location;              // "cpu", "cuda:0", ...
  int64_t numel = 0;                 // elements of dtype, as the pickle states it
};

// A tensor rebuilt by torch._utils._rebuild_tensor_v2/_v3: a strided view of a storage. storageOffset and
// strides count elements of dtype.
struct PickleTensor {
  size_t storage = 0;  // index into PickleTree::storages()
  at::ScalarType dtype = at::kFloat;
  int64_t storageOffset = 0;
  std::vector<int64_t> sizes, strides;
  bool parameter = false;  // came through torch._utils._rebuild_parameter
};

struct PickleValue {
  enum class Kind : uint8_t {
    None,
    Bool,
    Int,
    Float,
    Str,
    Bytes,
    Tuple,
    List,
    Dict,
    Global,
    Storage,
    Tensor,
    Skipped
  };
  Kind kind = Kind::None;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0.0;
  // Str/Bytes: the content; Global: "module.name"; Skipped: what it was (e.g. "numpy.dtype(...)").
  std::string text;
  // Tuple/List: element ids; Dict: key0, value0, key1, value1, ... in insertion order (duplicates kept;
  // the last one wins, as in Python).
  std::vector<size_t> items;
  // Storage: index into storages(); Tensor: index into tensors(); Global: index of a known global (internal).
  size_t ref = 0;
};

class PickleTree {
 public:
  const PickleValue& root() const { return values_.at(root_); }
  const PickleValue& operator[](size_t id) const { return values_.at(id); }
  const std::vector<PickleStorage>& storages() const { return storages_; }
  const std::vector<PickleTensor>& tensors() const { return tensors_; }
  const PickleTensor& tensor(const PickleValue& v) const { return tensors_.at(v.ref); }
  // The value stored under string key in a Dict value (the last such key wins); nullptr if absent or if
  // dict is not a Dict.
  const PickleValue* get(const PickleValue& dict, const std::string& key) const;
  // A short description for messages: "str", "dict", "mmengine.logging.message_hub.MessageHub(...)", ...
  std::string describe(const PickleValue& v) const;

 private:
  friend class Unpickler;
  std::vector<PickleValue> values_;
  std::vector<PickleStorage> storages_;
  std::vector<PickleTensor> tensors_;
  size_t root_ = 0;
};

// Interprets a pickle (protocols 2..5 as torch.save writes them). Throws cpq::Error naming source for a
// malformed or truncated pickle, for opcodes we do not interpret, and for dangerous callables
// ("<source>: refusing to load: the pickle calls posix.system (not a checkpoint)").
PickleTree unpickle(const std::string& data, const std::string& source);

// True for module.name pairs that a checkpoint never references and that have side effects when called
// (process, file, import, reflection and network functions).
bool isDangerousGlobal(const std::string& module, const std::string& name);

}  // namespace cpq
