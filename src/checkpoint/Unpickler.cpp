#include "checkpoint/Unpickler.h"

#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "core/Error.h"

namespace cpq {

namespace {

// Caps that keep a hostile or corrupt pickle from exhausting memory. Real checkpoints stay far below them
// (a 180-tensor CenterPoint checkpoint with optimizer state builds about 10^4 values).
constexpr size_t kMaxValues = 8'000'000;
constexpr size_t kMaxMarks = 1'000'000;
constexpr size_t kMaxDims = 64;
// Items of all containers together (tuple/list elements, dict keys and values) may not exceed this many
// per byte of pickle, plus kMinItems. Every item an opcode puts into a container costs at least one byte
// (DUP, BINGET, APPENDS, ...) except the copy OrderedDict([(k, v), ...]) makes of its list, which doubles
// it at most, so real pickles stay below 4 per byte; a REDUCE of OrderedDict on one memoized list repeated
// a thousand times does not (each copy costs four bytes of pickle and makes 2n items).
constexpr size_t kItemsPerByte = 4;
constexpr size_t kMinItems = 4096;
// Descriptions of skipped values ("module.Class(...)") are cut to this length: OBJ / REDUCE / NEWOBJ copy
// and extend them, and a chain of such opcodes must not grow them without bound (quadratic memory).
constexpr size_t kMaxDescription = 256;

// What a Global value refers to, kept in PickleValue::ref.
enum KnownGlobal : size_t {
  kOther = 0,
  kOrderedDict,
  kRebuildTensor,    // torch._utils._rebuild_tensor (storage, offset, size, stride)
  kRebuildTensorV2,  // torch._utils._rebuild_tensor_v2 (storage, offset, size, stride, requires_grad, hooks[,
                     // meta])
  kRebuildTensorV3,  // ... as v2 plus dtype before meta; storage untyped
  kRebuildParameter,
  kRebuildFromTypeV2,  // torch._tensor._rebuild_from_type_v2 (func, type, args, state)
  kStorageType,        // torch.FloatStorage etc.; PickleValue::integer holds the ScalarType
  kDtype,              // torch.float32 etc.; PickleValue::integer holds the ScalarType
};

struct NamedType {
  const char* name;
  at::ScalarType type;
};

constexpr NamedType kStorageTypes[] = {
    {"FloatStorage", at::kFloat},
    {"DoubleStorage", at::kDouble},
    {"HalfStorage", at::kHalf},
    {"BFloat16Storage", at::kBFloat16},
    {"LongStorage", at::kLong},
    {"IntStorage", at::kInt},
    {"ShortStorage", at::kShort},
    {"CharStorage", at::kChar},
    {"ByteStorage", at::kByte},
    {"BoolStorage", at::kBool},
    {"ComplexFloatStorage", at::kComplexFloat},
    {"ComplexDoubleStorage", at::kComplexDouble},
    {"UntypedStorage", at::kByte},
    {"_UntypedStorage", at::kByte},
};

constexpr NamedType kDtypes[] = {
    {"float32", at::kFloat},
    {"float", at::kFloat},
    {"float64", at::kDouble},
    {"double", at::kDouble},
    {"float16", at::kHalf},
    {"half", at::kHalf},
    {"bfloat16", at::kBFloat16},
    {"int64", at::kLong},
    {"long", at::kLong},
    {"int32", at::kInt},
    {"int", at::kInt},
    {"int16", at::kShort},
    {"short", at::kShort},
    {"int8", at::kChar},
    {"uint8", at::kByte},
    {"bool", at::kBool},
    {"complex64", at::kComplexFloat},
    {"complex128", at::kComplexDouble},
};

bool inModule(const std::string& module, const char* prefix) {
  const size_t n = std::strlen(prefix);
  return module.compare(0, n, prefix) == 0 && (module.size() == n || module[n] == '.');
}

namespace op {
// Opcodes of pickle protocols 0-5 (CPython's Lib/pickle.py names them the same way).
constexpr uint8_t MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', BININT = 'J', BININT1 = 'K',
                  BININT2 = 'M', NONE = 'N', BINPERSID = 'Q', REDUCE = 'R', BINSTRING = 'T',
                  SHORT_BINSTRING = 'U', BINUNICODE = 'X', APPEND = 'a', BUILD = 'b', GLOBAL = 'c',
                  DICT = 'd', EMPTY_DICT = '}', APPENDS = 'e', GET = 'g', BINGET = 'h', INST = 'i',
                  LONG_BINGET = 'j', LIST = 'l', EMPTY_LIST = ']', OBJ = 'o', PUT = 'p', BINPUT = 'q',
                  LONG_BINPUT = 'r', SETITEM = 's', TUPLE = 't', EMPTY_TUPLE = ')', SETITEMS = 'u',
                  BINFLOAT = 'G', PROTO = 0x80, NEWOBJ = 0x81, TUPLE1 = 0x85, TUPLE2 = 0x86, TUPLE3 = 0x87,
                  NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b, BINBYTES = 'B',
                  SHORT_BINBYTES = 'C', SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e,
                  EMPTY_SET = 0x8f, ADDITEMS = 0x90, FROZENSET = 0x91, NEWOBJ_EX = 0x92, STACK_GLOBAL = 0x93,
                  MEMOIZE = 0x94, FRAME = 0x95, BYTEARRAY8 = 0x96;
}  // namespace op

}  // namespace

bool isDangerousGlobal(const std::string& module, const std::string& name) {
  // Modules whose every member is either process/file/network/import machinery or a way to reach it.
  static const char* const kModules[] = {"os",
                                         "posix",
                                         "nt",
                                         "subprocess",
                                         "_posixsubprocess",
                                         "sys",
                                         "importlib",
                                         "imp",
                                         "shutil",
                                         "socket",
                                         "runpy",
                                         "pickle",
                                         "_pickle",
                                         "cPickle",
                                         "dill",
                                         "cloudpickle",
                                         "joblib",
                                         "code",
                                         "codeop",
                                         "ctypes",
                                         "_ctypes",
                                         "webbrowser",
                                         "pty",
                                         "commands",
                                         "popen2",
                                         "marshal",
                                         "multiprocessing",
                                         "asyncio",
                                         "signal",
                                         "platform",
                                         "pdb",
                                         "bdb",
                                         "timeit",
                                         "threading",
                                         "_thread",
                                         "io",
                                         "_io",
                                         "tempfile",
                                         "http",
                                         "urllib",
                                         "ftplib",
                                         "smtplib",
                                         "telnetlib",
                                         "xmlrpc",
                                         "pip",
                                         "setuptools",
                                         "distutils",
                                         "numpy.testing",
                                         "torch.hub",
                                         "torch.package",
                                         "torch.serialization",
                                         "torch.jit",
                                         "torch.utils.cpp_extension"};
  for (const char* m : kModules) {
    if (inModule(module, m)) return true;
  }
  static const char* const kBuiltins[] = {
      "eval",       "exec", "execfile", "compile", "getattr",   "setattr",    "delattr",
      "__import__", "open", "file",     "input",   "raw_input", "breakpoint", "globals",
      "locals",     "vars", "apply",    "reload",  "help",      "exit",       "quit"};
  if (module == "builtins" || module == "__builtin__") {
    for (const char* n : kBuiltins) {
      if (name == n) return true;
    }
  }
  if ((module == "operator" && (name == "attrgetter" || name == "methodcaller")) ||
      (module == "types" &&
       (name == "FunctionType" || name == "CodeType" || name == "LambdaType" || name == "MethodType"))) {
    return true;
  }
  // Names that run code or load more pickles wherever they live (e.g. numpy.testing's runstring,
  // numpy.load with allow_pickle).
  static const char* const kNames[] = {
      "system",          "popen",     "eval",         "exec",        "execfile",
      "execv",           "execve",    "execvp",       "spawnv",      "spawnve",
      "startfile",       "runstring", "check_output", "check_call",  "getoutput",
      "getstatusoutput", "Popen",     "run_path",     "run_module",  "import_module",
      "__import__",      "load",      "loads",        "load_module", "exec_module"};
  const std::string last = name.substr(name.rfind('.') == std::string::npos ? 0 : name.rfind('.') + 1);
  for (const char* n : kNames) {
    if (last == n) return true;
  }
  return false;
}

const PickleValue* PickleTree::get(const PickleValue& dict, const std::string& key) const {
  if (dict.kind != PickleValue::Kind::Dict) return nullptr;
  for (size_t i = dict.items.size(); i >= 2; i -= 2) {
    const PickleValue& k = values_.at(dict.items[i - 2]);
    if (k.kind == PickleValue::Kind::Str && k.text == key) return &values_.at(dict.items[i - 1]);
  }
  return nullptr;
}

std::string PickleTree::describe(const PickleValue& v) const {
  using K = PickleValue::Kind;
  switch (v.kind) {
    case K::None:
      return "None";
    case K::Bool:
      return "bool";
    case K::Int:
      return "int";
    case K::Float:
      return "float";
    case K::Str:
      return "str";
    case K::Bytes:
      return "bytes";
    case K::Tuple:
      return "tuple";
    case K::List:
      return "list";
    case K::Dict:
      return "dict";
    case K::Global:
      return v.text;
    case K::Storage:
      return "storage";
    case K::Tensor:
      return "tensor";
    case K::Skipped:
      return v.text;
  }
  return "?";
}

class Unpickler {
 public:
  Unpickler(const std::string& data, const std::string& source)
      : d_(data), src_(source), maxItems_(kMinItems + kItemsPerByte * data.size()) {}

  PickleTree run() {
    for (;;) {
      const size_t opPos = pos_;
      const uint8_t code = u8();
      if (code == op::STOP) {
        if (stack_.empty()) fail("STOP with an empty stack", opPos);
        t_.root_ = stack_.back();
        return std::move(t_);
      }
      step(code, opPos);
    }
  }

 private:
  using K = PickleValue::Kind;

  [[noreturn]] void fail(const std::string& problem, size_t at) const {
    throw fileError(src_, "malformed pickle: " + problem + " (at byte " + std::to_string(at) + ")");
  }
  [[noreturn]] void fail(const std::string& problem) const { fail(problem, pos_); }

  // Every read is bounds-checked: a truncated pickle ends in an error, never in a read past the buffer.
  const char* take(uint64_t n) {
    if (n > d_.size() - pos_) fail("unexpected end of data (truncated file?)");
    const char* p = d_.data() + pos_;
    pos_ += static_cast<size_t>(n);
    return p;
  }
  uint8_t u8() { return static_cast<uint8_t>(*take(1)); }
  uint64_t uintLE(size_t n) {
    const char* p = take(n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
    return v;
  }
  std::string line() {
    const size_t end = d_.find('\n', pos_);
    if (end == std::string::npos) fail("unterminated text argument (truncated file?)");
    std::string s = d_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  std::string bytes(uint64_t n) { return std::string(take(n), static_cast<size_t>(n)); }

  size_t add(PickleValue v) {
    if (t_.values_.size() >= kMaxValues) fail("more objects than a checkpoint plausibly holds");
    t_.values_.push_back(std::move(v));
    return t_.values_.size() - 1;
  }
  size_t make(K kind) {
    PickleValue v;
    v.kind = kind;
    return add(std::move(v));
  }
  size_t makeSkipped(const std::string& what) {
    PickleValue v;
    v.kind = K::Skipped;
    v.text = what.size() <= kMaxDescription ? what : what.substr(0, kMaxDescription) + "...";
    return add(std::move(v));
  }
  // Counts n more container items against the cap (see kItemsPerByte).
  void addItems(size_t n) {
    if (n > maxItems_ - items_) {
      fail("containers hold more than " + std::to_string(maxItems_) + " items, more than a " +
           std::to_string(d_.size()) + "-byte pickle can describe without amplification");
    }
    items_ += n;
  }
  size_t makeInt(int64_t i) {
    PickleValue v;
    v.kind = K::Int;
    v.integer = i;
    return add(std::move(v));
  }
  size_t makeText(K kind, std::string s) {
    PickleValue v;
    v.kind = kind;
    v.text = std::move(s);
    return add(std::move(v));
  }
  PickleValue& at(size_t id) { return t_.values_[id]; }

  size_t base() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(size_t id) { stack_.push_back(id); }
  size_t pop() {
    if (stack_.size() <= base()) fail("stack underflow");
    const size_t id = stack_.back();
    stack_.pop_back();
    return id;
  }
  size_t top() const {
    if (stack_.size() <= base()) fail("stack underflow");
    return stack_.back();
  }
  std::vector<size_t> popMark() {
    if (marks_.empty()) fail("missing MARK");
    std::vector<size_t> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  void memoize(uint64_t index) {
    if (memo_.size() >= kMaxValues && !memo_.count(index)) fail("memo too large");
    memo_[index] = top();
  }
  void memoGet(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " was never stored");
    push(it->second);
  }

  // Two's complement little-endian integer of n bytes (LONG1/LONG4).
  size_t makeLong(uint64_t n) {
    const char* p = take(n);
    if (n == 0) return makeInt(0);
    if (n > 8) return makeSkipped("int (more than 64 bits)");
    uint64_t v = 0;
    for (uint64_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
    if (n < 8 && (static_cast<uint8_t>(p[n - 1]) & 0x80)) v |= ~uint64_t{0} << (8 * n);  // sign-extend
    int64_t s;
    std::memcpy(&s, &v, sizeof s);
    return makeInt(s);
  }

  void pushGlobal(const std::string& module, const std::string& name) {
    if (isDangerousGlobal(module, name)) {
      throw fileError(src_,
                      "refusing to load: the pickle calls " + module + "." + name + " (not a checkpoint)");
    }
    PickleValue v;
    v.kind = K::Global;
    v.text = module + "." + name;
    v.ref = kOther;
    if (module == "collections" && name == "OrderedDict") {
      v.ref = kOrderedDict;
    } else if (module == "torch._utils") {
      if (name == "_rebuild_tensor") v.ref = kRebuildTensor;
      if (name == "_rebuild_tensor_v2") v.ref = kRebuildTensorV2;
      if (name == "_rebuild_tensor_v3") v.ref = kRebuildTensorV3;
      if (name == "_rebuild_parameter" || name == "_rebuild_parameter_with_state") v.ref = kRebuildParameter;
    } else if (module == "torch._tensor" && name == "_rebuild_from_type_v2") {
      v.ref = kRebuildFromTypeV2;
    } else if (module == "torch" || module == "torch.storage" || module == "torch.cuda") {
      for (const auto& s : kStorageTypes) {
        if (name == s.name) {
          v.ref = kStorageType;
          v.integer = static_cast<int64_t>(s.type);
        }
      }
      if (module == "torch") {
        for (const auto& d : kDtypes) {
          if (name == d.name) {
            v.ref = kDtype;
            v.integer = static_cast<int64_t>(d.type);
          }
        }
      }
    }
    push(add(std::move(v)));
  }

  const std::vector<size_t>& tupleItems(size_t id, const char* what) {
    if (at(id).kind != K::Tuple) fail(std::string(what) + " arguments are not a tuple");
    return at(id).items;
  }

  int64_t intArg(size_t id, const char* what) {
    if (at(id).kind != K::Int) fail(std::string("tensor record: ") + what + " is not an integer");
    return at(id).integer;
  }

  std::vector<int64_t> intTuple(size_t id, const char* what) {
    const PickleValue& v = at(id);
    if (v.kind != K::Tuple && v.kind != K::List)
      fail(std::string("tensor record: ") + what + " is not a tuple");
    if (v.items.size() > kMaxDims) fail(std::string("tensor record: ") + what + " has too many dimensions");
    std::vector<int64_t> out;
    for (size_t item : v.items) {
      const int64_t x = intArg(item, what);
      if (x < 0) fail(std::string("tensor record: negative ") + what);
      out.push_back(x);
    }
    return out;
  }

  size_t rebuildTensor(KnownGlobal kind, const std::vector<size_t>& args) {
    const size_t need = kind == kRebuildTensor ? 4 : kind == kRebuildTensorV2 ? 6 : 7;
    if (args.size() < need) fail("tensor record has too few arguments");
    if (at(args[0]).kind != K::Storage) fail("tensor record without a storage");
    PickleTensor t;
    t.storage = at(args[0]).ref;
    t.dtype = t_.storages_[t.storage].dtype;
    if (kind == kRebuildTensorV3) {
      const PickleValue& d = at(args[6]);
      if (d.kind != K::Global || d.ref != kDtype) fail("tensor record: unknown dtype " + t_.describe(d));
      t.dtype = static_cast<at::ScalarType>(d.integer);
    }
    t.storageOffset = intArg(args[1], "storage offset");
    if (t.storageOffset < 0) fail("tensor record: negative storage offset");
    t.sizes = intTuple(args[2], "size");
    t.strides = intTuple(args[3], "stride");
    if (t.sizes.size() != t.strides.size()) fail("tensor record: size and stride differ in length");
    t_.tensors_.push_back(std::move(t));
    PickleValue v;
    v.kind = K::Tensor;
    v.ref = t_.tensors_.size() - 1;
    return add(std::move(v));
  }

  // REDUCE: callable(*args). Only the known globals are interpreted; anything else becomes a skipped value.
  // The argument tuple is read in place (never copied: a memoized tuple may be REDUCEd many times); ids are
  // taken out of it before anything is added to values_, which may move it.
  size_t reduce(size_t callable, size_t argsId, int depth = 0) {
    const PickleValue& c = at(callable);
    if (c.kind == K::Skipped) return makeSkipped(c.text);
    if (c.kind != K::Global) fail("REDUCE on a " + t_.describe(c) + ", which is not callable");
    const size_t nargs = tupleItems(argsId, c.text.c_str()).size();
    const auto arg = [&](size_t i) { return at(argsId).items[i]; };
    switch (static_cast<KnownGlobal>(c.ref)) {
      case kOrderedDict: {
        size_t pairs = 0;
        if (nargs == 1 && (at(arg(0)).kind == K::List || at(arg(0)).kind == K::Tuple)) {
          pairs = at(arg(0)).items.size();
          addItems(2 * pairs);
        }
        const size_t id = make(K::Dict);
        if (pairs == 0) return id;
        const std::vector<size_t>& list = at(arg(0)).items;
        std::vector<size_t> items;
        items.reserve(2 * pairs);
        for (size_t p : list) {
          if (at(p).kind != K::Tuple || at(p).items.size() != 2) fail("OrderedDict item is not a pair");
          items.push_back(at(p).items[0]);
          items.push_back(at(p).items[1]);
        }
        at(id).items = std::move(items);
        return id;
      }
      case kRebuildTensor:
      case kRebuildTensorV2:
      case kRebuildTensorV3: {
        std::vector<size_t> args;
        for (size_t i = 0; i < nargs && i < 7; ++i) args.push_back(arg(i));
        return rebuildTensor(static_cast<KnownGlobal>(c.ref), args);
      }
      case kRebuildParameter: {
        if (nargs == 0) fail("parameter record without data");
        const size_t data = arg(0);
        if (at(data).kind != K::Tensor)
          return makeSkipped("torch.nn.Parameter(" + t_.describe(at(data)) + ")");
        t_.tensors_[at(data).ref].parameter = true;
        return data;
      }
      case kRebuildFromTypeV2:
        // (func, new_type, args, state): the tensor is func(*args); its Python subclass and state are
        // dropped.
        if (nargs < 3 || depth > 2) fail("malformed _rebuild_from_type_v2 record");
        return reduce(arg(0), arg(2), depth + 1);
      default:
        return makeSkipped(c.text + "(...)");
    }
  }

  // BINPERSID: torch.save's ('storage', storage_type, key, location, numel).
  size_t persistent(size_t pidId) {
    const PickleValue& pid = at(pidId);
    if (pid.kind != K::Tuple || pid.items.size() < 5 || at(pid.items[0]).kind != K::Str ||
        at(pid.items[0]).text != "storage") {
      fail("unsupported persistent id (not a torch.save storage reference)");
    }
    const PickleValue& type = at(pid.items[1]);
    const PickleValue& key = at(pid.items[2]);
    const PickleValue& location = at(pid.items[3]);
    const PickleValue& numel = at(pid.items[4]);
    if (type.kind != K::Global || (type.ref != kStorageType && type.ref != kDtype)) {
      fail("unsupported storage type " + t_.describe(type));
    }
    if ((key.kind != K::Str && key.kind != K::Int) || location.kind != K::Str || numel.kind != K::Int ||
        numel.integer < 0) {
      fail("malformed storage reference");
    }
    PickleStorage s;
    s.key = key.kind == K::Str ? key.text : std::to_string(key.integer);
    s.dtype = static_cast<at::ScalarType>(type.integer);
    s.location = location.text;
    s.numel = numel.integer;
    t_.storages_.push_back(std::move(s));
    PickleValue v;
    v.kind = K::Storage;
    v.ref = t_.storages_.size() - 1;
    return add(std::move(v));
  }

  void appendTo(size_t target, const std::vector<size_t>& items) {
    PickleValue& t = at(target);
    if (t.kind == K::List) {
      addItems(items.size());
      t.items.insert(t.items.end(), items.begin(), items.end());
    } else if (t.kind != K::Skipped) {  // e.g. a list subclass we do not model
      fail("APPEND to a " + t_.describe(t));
    }
  }

  void setItems(size_t target, const std::vector<size_t>& items) {
    if (items.size() % 2) fail("SETITEMS with an odd number of items");
    PickleValue& t = at(target);
    if (t.kind == K::Dict) {
      addItems(items.size());
      t.items.insert(t.items.end(), items.begin(), items.end());
    } else if (t.kind != K::Skipped) {  // e.g. a defaultdict or a dict subclass
      fail("SETITEM on a " + t_.describe(t));
    }
  }

  size_t makeContainer(K kind, std::vector<size_t> items) {
    addItems(items.size());
    PickleValue v;
    v.kind = kind;
    v.items = std::move(items);
    return add(std::move(v));
  }

  void step(uint8_t code, size_t opPos) {
    switch (code) {
      case op::PROTO: {
        const uint8_t proto = u8();
        if (proto > 5) fail("pickle protocol " + std::to_string(proto) + " is newer than 5", opPos);
        break;
      }
      case op::FRAME:
        take(8);  // frames only group opcodes; we read the data linearly
        break;
      case op::NONE:
        push(make(K::None));
        break;
      case op::NEWTRUE:
      case op::NEWFALSE: {
        const size_t id = make(K::Bool);
        at(id).boolean = code == op::NEWTRUE;
        push(id);
        break;
      }
      case op::BININT: {
        const uint32_t u = static_cast<uint32_t>(uintLE(4));
        int32_t s;
        std::memcpy(&s, &u, sizeof s);
        push(makeInt(s));
        break;
      }
      case op::BININT1:
        push(makeInt(static_cast<int64_t>(uintLE(1))));
        break;
      case op::BININT2:
        push(makeInt(static_cast<int64_t>(uintLE(2))));
        break;
      case op::LONG1:
        push(makeLong(uintLE(1)));
        break;
      case op::LONG4: {
        const uint32_t u = static_cast<uint32_t>(uintLE(4));
        if (u & 0x80000000u) fail("negative LONG4 length", opPos);
        push(makeLong(u));
        break;
      }
      case op::BINFLOAT: {
        // Big-endian IEEE double.
        const char* p = take(8);
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<uint8_t>(p[i]);
        const size_t id = make(K::Float);
        std::memcpy(&at(id).real, &bits, sizeof bits);
        push(id);
        break;
      }
      case op::BINUNICODE:
        push(makeText(K::Str, bytes(uintLE(4))));
        break;
      case op::SHORT_BINUNICODE:
        push(makeText(K::Str, bytes(uintLE(1))));
        break;
      case op::BINUNICODE8:
        push(makeText(K::Str, bytes(uintLE(8))));
        break;
      case op::BINSTRING: {
        const uint32_t u = static_cast<uint32_t>(uintLE(4));
        if (u & 0x80000000u) fail("negative BINSTRING length", opPos);
        push(makeText(K::Str, bytes(u)));
        break;
      }
      case op::SHORT_BINSTRING:
        push(makeText(K::Str, bytes(uintLE(1))));
        break;
      case op::BINBYTES:
        push(makeText(K::Bytes, bytes(uintLE(4))));
        break;
      case op::SHORT_BINBYTES:
        push(makeText(K::Bytes, bytes(uintLE(1))));
        break;
      case op::BINBYTES8:
      case op::BYTEARRAY8:
        push(makeText(K::Bytes, bytes(uintLE(8))));
        break;
      case op::EMPTY_DICT:
        push(make(K::Dict));
        break;
      case op::EMPTY_LIST:
        push(make(K::List));
        break;
      case op::EMPTY_TUPLE:
        push(make(K::Tuple));
        break;
      case op::EMPTY_SET:
        push(makeSkipped("set"));
        break;
      case op::MARK:
        if (marks_.size() >= kMaxMarks) fail("MARKs nested too deeply", opPos);
        marks_.push_back(stack_.size());
        break;
      case op::TUPLE:
        push(makeContainer(K::Tuple, popMark()));
        break;
      case op::LIST:
        push(makeContainer(K::List, popMark()));
        break;
      case op::DICT: {
        std::vector<size_t> items = popMark();
        if (items.size() % 2) fail("DICT with an odd number of items", opPos);
        push(makeContainer(K::Dict, std::move(items)));
        break;
      }
      case op::TUPLE1:
      case op::TUPLE2:
      case op::TUPLE3: {
        const size_t n = code - op::TUPLE1 + 1;
        std::vector<size_t> items(n);
        for (size_t i = n; i-- > 0;) items[i] = pop();
        push(makeContainer(K::Tuple, std::move(items)));
        break;
      }
      case op::FROZENSET:
        popMark();
        push(makeSkipped("frozenset"));
        break;
      case op::ADDITEMS:
        popMark();
        top();  // the set (skipped) stays
        break;
      case op::APPEND: {
        const size_t v = pop();
        appendTo(top(), {v});
        break;
      }
      case op::APPENDS: {
        std::vector<size_t> items = popMark();
        appendTo(top(), items);
        break;
      }
      case op::SETITEM: {
        const size_t v = pop();
        const size_t k = pop();
        setItems(top(), {k, v});
        break;
      }
      case op::SETITEMS: {
        std::vector<size_t> items = popMark();
        setItems(top(), items);
        break;
      }
      case op::POP:
        if (stack_.size() > base()) {
          stack_.pop_back();
        } else {
          popMark();
        }
        break;
      case op::POP_MARK:
        popMark();
        break;
      case op::DUP:
        push(top());
        break;
      case op::BINPUT:
        memoize(uintLE(1));
        break;
      case op::LONG_BINPUT:
        memoize(uintLE(4));
        break;
      case op::MEMOIZE:
        memoize(memo_.size());
        break;
      case op::BINGET:
        memoGet(uintLE(1));
        break;
      case op::LONG_BINGET:
        memoGet(uintLE(4));
        break;
      case op::PUT:
      case op::GET: {
        const std::string digits = line();
        if (digits.empty() || digits.size() > 18 ||
            digits.find_first_not_of("0123456789") != std::string::npos) {
          fail("bad memo index", opPos);
        }
        const uint64_t index = std::stoull(digits);
        code == op::PUT ? memoize(index) : memoGet(index);
        break;
      }
      case op::GLOBAL: {
        const std::string module = line();
        const std::string name = line();
        pushGlobal(module, name);
        break;
      }
      case op::STACK_GLOBAL: {
        const size_t name = pop();
        const size_t module = pop();
        if (at(name).kind != K::Str || at(module).kind != K::Str) fail("STACK_GLOBAL without strings", opPos);
        const std::string m = at(module).text, n = at(name).text;
        pushGlobal(m, n);
        break;
      }
      case op::INST: {
        const std::string module = line();
        const std::string name = line();
        if (isDangerousGlobal(module, name)) {
          throw fileError(
              src_, "refusing to load: the pickle calls " + module + "." + name + " (not a checkpoint)");
        }
        popMark();
        push(makeSkipped(module + "." + name + "(...)"));
        break;
      }
      case op::OBJ: {
        std::vector<size_t> items = popMark();
        if (items.empty()) fail("OBJ without a class", opPos);
        push(makeSkipped(t_.describe(at(items[0])) + "(...)"));
        break;
      }
      case op::REDUCE: {
        const size_t args = pop();
        const size_t callable = pop();
        push(reduce(callable, args));
        break;
      }
      case op::NEWOBJ:
      case op::NEWOBJ_EX: {
        if (code == op::NEWOBJ_EX) pop();  // kwargs
        pop();                             // args
        const size_t cls = pop();
        const PickleValue& c = at(cls);
        if (c.kind == K::Global && c.ref == kOrderedDict) {
          push(make(K::Dict));
        } else if (c.kind == K::Global || c.kind == K::Skipped) {
          push(makeSkipped(c.kind == K::Global ? c.text + "(...)" : c.text));
        } else {
          fail("NEWOBJ on a " + t_.describe(c), opPos);
        }
        break;
      }
      case op::BUILD:
        // obj.__setstate__(state) / obj.__dict__.update(state): we keep obj as it is (for a state_dict
        // OrderedDict the state is its _metadata attribute, which we do not need).
        pop();
        top();
        break;
      case op::BINPERSID:
        push(persistent(pop()));
        break;
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", code);
        fail(std::string("unsupported pickle opcode ") + hex, opPos);
      }
    }
  }

  const std::string& d_;
  const std::string& src_;
  size_t pos_ = 0;
  PickleTree t_;
  std::vector<size_t> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, size_t> memo_;
  const size_t maxItems_;  // cap on items_ (kItemsPerByte per byte of pickle)
  size_t items_ = 0;       // items held by all containers so far
};

PickleTree unpickle(const std::string& data, const std::string& source) {
  Unpickler u(data, source);
  return u.run();
}

}  // namespace cpq
