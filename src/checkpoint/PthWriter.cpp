#include "checkpoint/PthWriter.h"

#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>

#include <cstdint>
#include <cstring>

#include "core/AtomicFile.h"
#include "core/Error.h"

namespace cpq {

namespace {

// torch's storage class for each dtype, as torch.save names it in the persistent id.
const char* storageClass(at::ScalarType t) {
  switch (t) {
    case at::kFloat:
      return "FloatStorage";
    case at::kDouble:
      return "DoubleStorage";
    case at::kHalf:
      return "HalfStorage";
    case at::kBFloat16:
      return "BFloat16Storage";
    case at::kLong:
      return "LongStorage";
    case at::kInt:
      return "IntStorage";
    case at::kShort:
      return "ShortStorage";
    case at::kChar:
      return "CharStorage";
    case at::kByte:
      return "ByteStorage";
    case at::kBool:
      return "BoolStorage";
    default:
      return nullptr;
  }
}

// A minimal pickle writer (protocol 2) for exactly the structure torch.save produces for an OrderedDict of
// tensors; libtorch's own pickler (torch::jit::pickle) targets TorchScript and emits globals that
// torch.load(weights_only=True) refuses, so we write the opcodes ourselves.
class PickleWriter {
 public:
  void proto2() { out_ += "\x80\x02"; }
  void op(char c) { out_.push_back(c); }
  void global(const char* module, const char* name) {
    out_ += 'c';
    out_ += module;
    out_ += '\n';
    out_ += name;
    out_ += '\n';
  }
  void str(const std::string& s) {
    op('X');  // BINUNICODE: 4-byte little-endian length + UTF-8 bytes
    le(s.size(), 4);
    out_ += s;
  }
  void integer(int64_t v) {
    if (v >= 0 && v < 256) {
      op('K');  // BININT1
      le(static_cast<uint64_t>(v), 1);
    } else if (v >= 0 && v < 65536) {
      op('M');  // BININT2
      le(static_cast<uint64_t>(v), 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      op('J');  // BININT (signed 32-bit)
      le(static_cast<uint64_t>(static_cast<uint32_t>(static_cast<int32_t>(v))), 4);
    } else {
      out_ += '\x8a';  // LONG1 with 8 bytes of two's complement
      out_ += '\x08';
      le(static_cast<uint64_t>(v), 8);
    }
  }
  void intTuple(at::IntArrayRef values) {
    op('(');  // MARK
    for (int64_t v : values) integer(v);
    op('t');  // TUPLE
  }
  std::string& bytes() { return out_; }

 private:
  void le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

}  // namespace

std::string serializePth(const StateDict& sd) {
  std::vector<at::Tensor> data;
  PickleWriter p;
  p.proto2();
  p.global("collections", "OrderedDict");
  p.op(')');                     // EMPTY_TUPLE
  p.op('R');                     // REDUCE: OrderedDict()
  if (sd.size() > 0) p.op('(');  // MARK for SETITEMS
  for (const auto& [name, tensor] : sd.items()) {
    if (!tensor.defined()) throw Error("tensor " + name + " is undefined");
    const char* cls = storageClass(tensor.scalar_type());
    if (!cls) {
      throw Error("tensor " + name + " has dtype " + std::string(c10::toString(tensor.scalar_type())) +
                  ", which we do not write to .pth");
    }
    const at::Tensor t = tensor.detach().cpu().contiguous();
    const std::string key = std::to_string(data.size());
    data.push_back(t);
    p.str(name);
    // torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.op('(');
    p.op('(');  // persistent id ('storage', torch.<X>Storage, key, 'cpu', numel)
    p.str("storage");
    p.global("torch", cls);
    p.str(key);
    p.str("cpu");
    p.integer(t.numel());
    p.op('t');
    p.op('Q');  // BINPERSID
    p.integer(0);
    p.intTuple(t.sizes());
    p.intTuple(t.strides());
    p.op('\x89');  // NEWFALSE: requires_grad
    p.global("collections", "OrderedDict");
    p.op(')');
    p.op('R');  // backward_hooks = OrderedDict()
    p.op('t');
    p.op('R');
  }
  if (sd.size() > 0) p.op('u');  // SETITEMS
  p.op('.');                     // STOP

  std::string out;
  try {
    // Written through a callback so that the zip's internal folder name ("archive") does not depend on the
    // (temporary) file name, keeping the bytes a function of the input alone.
    caffe2::serialize::PyTorchStreamWriter writer([&out](const void* buf, size_t n) -> size_t {
      out.append(static_cast<const char*>(buf), n);
      return n;
    });
    writer.writeRecord("data.pkl", p.bytes().data(), p.bytes().size());
    const std::string order = "little";
    writer.writeRecord("byteorder", order.data(), order.size());
    for (size_t i = 0; i < data.size(); ++i) {
      const at::Tensor& t = data[i];
      writer.writeRecord("data/" + std::to_string(i), t.data_ptr(),
                         static_cast<size_t>(t.numel()) * t.element_size());
    }
    writer.writeEndOfFile();  // also writes the "version" record (file format 3)
  } catch (const c10::Error& e) {
    throw Error(std::string("cannot write the zip: ") + e.what_without_backtrace());
  }
  return out;
}

void savePth(const std::string& path, const StateDict& sd) {
  std::string bytes;
  try {
    bytes = serializePth(sd);
  } catch (const Error& e) {
    throw fileError(path, e.what());
  }
  writeStringAtomically(path, bytes);
}

}  // namespace cpq
