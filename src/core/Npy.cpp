#include "core/Npy.h"

#include <cstring>
#include <regex>

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
  if (bytes.size() < offset + headerLen) throw fileError(source, "truncated .npy header");
  const std::string header = bytes.substr(offset, headerLen);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']+)'")))
    throw fileError(source, "no descr in .npy header");
  const at::ScalarType type = typeOf(m[1], source);
  if (std::regex_search(header, m, std::regex("'fortran_order':\\s*True")))
    throw fileError(source, "Fortran-order .npy is not supported");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    throw fileError(source, "no shape in .npy header");
  std::vector<int64_t> shape;
  const std::string dims = m[1];
  std::regex num("\\d+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it) {
    shape.push_back(std::stoll(it->str()));
  }
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(type));
  const size_t nbytes = static_cast<size_t>(t.numel()) * t.element_size();
  const size_t dataStart = offset + headerLen;
  if (bytes.size() - dataStart != nbytes) {
    throw fileError(source, "data size " + std::to_string(bytes.size() - dataStart) +
                                " bytes does not match shape (" + std::to_string(nbytes) +
                                " bytes expected)");
  }
  if (nbytes) std::memcpy(t.data_ptr(), bytes.data() + dataStart, nbytes);
  return t;
}

at::Tensor readNpy(const std::string& path) { return decodeNpy(readFileToString(path), path); }

}  // namespace cpq
