#include "core/Npy.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include "core/AtomicFile.h"
#include "core/Error.h"

namespace cpq {
namespace {

const char kMagic[] = "\x93NUMPY";

std::string descrOf(at::ScalarType type) {
  switch (type) {
    case at::kFloat:
      return "<f4";
    case at::kDouble:
      return "<f8";
    case at::kInt:
      return "<i4";
    case at::kLong:
      return "<i8";
    case at::kByte:
      return "|u1";
    case at::kBool:
      return "|b1";
    case at::kHalf:
      return "<f2";
    default:
      throw Error(std::string("cannot write dtype ") + c10::toString(type) + " as .npy");
  }
}

at::ScalarType typeOf(const std::string& descr, const std::string& source) {
  if (descr == "<f4") return at::kFloat;
  if (descr == "<f8") return at::kDouble;
  if (descr == "<i4") return at::kInt;
  if (descr == "<i8") return at::kLong;
  if (descr == "|u1") return at::kByte;
  if (descr == "|b1") return at::kBool;
  if (descr == "<f2") return at::kHalf;
  throw fileError(source, "unsupported .npy dtype '" + descr + "'");
}

}  // namespace

std::string encodeNpy(const at::Tensor& tensor) {
  const at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
  std::string shape = "(";
  for (int64_t i = 0; i < t.dim(); ++i)
    shape += std::to_string(t.size(i)) + (t.dim() == 1 ? "," : (i + 1 < t.dim() ? ", " : ""));
  shape += ")";
  std::string header =
      "{'descr': '" + descrOf(t.scalar_type()) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // numpy pads the header with spaces so that the data starts on a 64-byte boundary, ending in '\n'.
  const size_t preamble = 10;
  size_t total = preamble + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out(kMagic, 6);
  out.push_back('\x01');
  out.push_back('\x00');
  const uint16_t len = static_cast<uint16_t>(header.size());
  out.push_back(static_cast<char>(len & 0xff));
  out.push_back(static_cast<char>(len >> 8));
  out += header;
  const size_t nbytes = static_cast<size_t>(t.numel()) * t.element_size();
  out.append(static_cast<const char*>(t.data_ptr()), nbytes);
  return out;
}

void writeNpy(const std::string& path, const at::Tensor& tensor) {
  writeStringAtomically(path, encodeNpy(tensor));
}

namespace {

// The header is the repr() of a Python dict: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// (keys in any order, either quote character, Python 2's 3L integers), padded with spaces and a newline.
// A small recursive-descent parser of exactly that grammar: linear time, no recursion on the input (a
// regex engine is neither on a hostile header), and every malformed header is one cpq::Error.
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

class NpyHeaderParser {
 public:
  NpyHeaderParser(const std::string& text, const std::string& source) : s_(text), src_(source) {}

  NpyHeader parse() {
    NpyHeader h;
    bool haveDescr = false, haveOrder = false, haveShape = false;
    expect('{');
    for (;;) {
      skipSpace();
      if (peek() == '}') break;
      const std::string key = quoted();
      expect(':');
      skipSpace();
      if (key == "descr") {
        if (peek() != '\'' && peek() != '"')
          fail("descr is not a string (structured dtypes are not supported)");
        h.descr = quoted();
        haveDescr = true;
      } else if (key == "fortran_order") {
        h.fortranOrder = boolean();
        haveOrder = true;
      } else if (key == "shape") {
        h.shape = tuple();
        haveShape = true;
      } else {
        fail("unexpected key '" + key + "'");
      }
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skipSpace();
      if (peek() != '}') fail("expected ',' or '}'");
    }
    ++pos_;  // '}'
    for (; pos_ < s_.size(); ++pos_) {
      if (s_[pos_] != ' ' && s_[pos_] != '\n' && s_[pos_] != '\t' && s_[pos_] != '\r' && s_[pos_] != '\0')
        fail("text after the header dict");
    }
    if (!haveDescr) fail("no descr");
    if (!haveOrder) fail("no fortran_order");
    if (!haveShape) fail("no shape");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw fileError(src_,
                    "malformed .npy header: " + problem + " (at header byte " + std::to_string(pos_) + ")");
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  void expect(char c) {
    skipSpace();
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  // A quoted string without escapes (none of the header's keys or dtype strings has one).
  std::string quoted() {
    skipSpace();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    const size_t end = s_.find(q, pos_ + 1);
    if (end == std::string::npos) fail("unterminated string");
    std::string out = s_.substr(pos_ + 1, end - pos_ - 1);
    if (out.find('\\') != std::string::npos) fail("escapes in a header string");
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (s_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    fail("fortran_order is not True or False");
  }
  int64_t integer() {
    skipSpace();
    if (peek() < '0' || peek() > '9') fail("expected a non-negative integer in shape");
    int64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      if (__builtin_mul_overflow(v, int64_t{10}, &v) || __builtin_add_overflow(v, int64_t{peek() - '0'}, &v))
        fail("a shape entry does not fit in 64 bits");
      ++pos_;
    }
    if (peek() == 'L') ++pos_;  // Python 2's long suffix
    return v;
  }
  // (), (n,), (n, m), (n, m, ) ...
  std::vector<int64_t> tuple() {
    std::vector<int64_t> out;
    expect('(');
    for (;;) {
      skipSpace();
      if (peek() == ')') break;
      if (out.size() >= kMaxDims) fail("more than " + std::to_string(kMaxDims) + " dimensions");
      out.push_back(integer());
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != ')') fail("expected ',' or ')' in shape");
    }
    ++pos_;  // ')'
    return out;
  }

  static constexpr size_t kMaxDims = 64;
  const std::string& s_;
  const std::string& src_;
  size_t pos_ = 0;
};

}  // namespace

at::Tensor decodeNpy(const std::string& bytes, const std::string& source) {
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0) throw fileError(source, "not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen = 0, offset = 0;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw fileError(source, "truncated .npy header");
    for (int i = 3; i >= 0; --i) headerLen = (headerLen << 8) | static_cast<unsigned char>(bytes[8 + i]);
    offset = 12;
  } else {
    throw fileError(source, "unsupported .npy version " + std::to_string(major));
  }
  if (bytes.size() - offset < headerLen) throw fileError(source, "truncated .npy header");
  const NpyHeader h = NpyHeaderParser(bytes.substr(offset, headerLen), source).parse();
  const at::ScalarType type = typeOf(h.descr, source);
  if (h.fortranOrder) throw fileError(source, "Fortran-order .npy is not supported");

  // The data must be exactly numel * itemsize bytes; checked before anything is allocated.
  const size_t dataStart = offset + headerLen;
  const uint64_t dataBytes = bytes.size() - dataStart;
  uint64_t nbytes = c10::elementSize(type);
  for (int64_t d : h.shape) {
    if (__builtin_mul_overflow(nbytes, static_cast<uint64_t>(d), &nbytes)) {
      nbytes = std::numeric_limits<uint64_t>::max();
      break;
    }
  }
  if (dataBytes != nbytes) {
    throw fileError(source,
                    "data size " + std::to_string(dataBytes) + " bytes does not match shape (" +
                        (nbytes == std::numeric_limits<uint64_t>::max() ? std::string("more than 2^64")
                                                                        : std::to_string(nbytes)) +
                        " bytes expected)");
  }
  const char* data = bytes.data() + dataStart;
  if (type == at::kBool) {
    // Only 0 and 1 are booleans; another byte in a C++ bool is undefined behaviour in the kernels that
    // read it. numpy never writes one, so it is refused as damage rather than normalised.
    for (uint64_t i = 0; i < nbytes; ++i) {
      if (static_cast<uint8_t>(data[i]) > 1) {
        throw fileError(source, "bool array holds the byte " + std::to_string(static_cast<uint8_t>(data[i])) +
                                    " at element " + std::to_string(i) + " (only 0 and 1 are booleans)");
      }
    }
  }
  at::Tensor t = at::empty(h.shape, at::TensorOptions().dtype(type));
  if (nbytes) std::memcpy(t.data_ptr(), data, static_cast<size_t>(nbytes));
  return t;
}

at::Tensor readNpy(const std::string& path) { return decodeNpy(readFileToString(path), path); }

}  // namespace cpq
