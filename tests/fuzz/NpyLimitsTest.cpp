// The .npy reader's hard limits on small hostile files: the header is parsed by hand (linear time, bounded
// stack), the shape is checked against the data before anything is allocated, and bool bytes are 0 or 1.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "core/Error.h"
#include "core/Npy.h"
#include "support/ErrorMessage.h"

namespace cpq {
namespace {

// A version-2 .npy (4-byte header length) with this header text and data.
std::string npy2(const std::string& header, const std::string& data) {
  std::string out = std::string("\x93NUMPY", 6) + '\x02' + '\x00';
  const uint32_t n = static_cast<uint32_t>(header.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out + header + data;
}

std::string errorOf(const std::string& bytes) {
  return testing::errorMessageOf([&] { decodeNpy(bytes, "hostile.npy"); });
}

TEST(NpyLimits, HeaderIsParsedByHandWithoutRecursionOnItsLength) {
  // std::regex recursed once per character of a long match: a 1 MB dtype string overflowed the stack.
  const std::string longDescr =
      "{'descr': '" + std::string(1 << 20, 'f') + "', 'fortran_order': False, 'shape': (1,), }";
  const std::string e = errorOf(npy2(longDescr, "xxxx"));
  EXPECT_NE(e.find("hostile.npy"), std::string::npos) << e;
  EXPECT_NE(e.find("unsupported .npy dtype"), std::string::npos) << e;

  const std::string longShape =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::string(1 << 20, ' ') + "1,), }";
  EXPECT_EQ(decodeNpy(npy2(longShape, std::string(4, '\0')), "spaces.npy").sizes().vec(),
            std::vector<int64_t>{1});
}

TEST(NpyLimits, ParsesWhatNumpyWritesAndRefusesWhatItDoesNot) {
  const std::string data(2 * 3 * 4, '\0');
  EXPECT_EQ(
      decodeNpy(npy2("{\"shape\": (2L, 3L), \"fortran_order\": False, \"descr\": \"<f4\"}\n", data), "a.npy")
          .sizes()
          .vec(),
      (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(
      decodeNpy(npy2("{'descr': '<f8', 'fortran_order': False, 'shape': (), }   \n", std::string(8, '\0')),
                "s.npy")
          .dim(),
      0);
  for (const char* bad :
       {"{'descr': '<f4', 'shape': (2, 3), }", "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 3)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}",
        "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} trailing",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3"}) {
    const std::string e = errorOf(npy2(bad, data));
    EXPECT_NE(e.find("hostile.npy"), std::string::npos) << bad << " -> " << e;
  }
}

TEST(NpyLimits, ShapeIsCheckedAgainstTheDataBeforeAllocating) {
  // 2^40 float32 elements declared by a 4-byte data section: refused as a size mismatch (at::empty used to
  // try to allocate 4 TiB first).
  const std::string e =
      errorOf(npy2("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }", "abcd"));
  EXPECT_NE(e.find("hostile.npy: data size 4 bytes does not match shape"), std::string::npos) << e;
  const std::string o = errorOf(npy2(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", "abcd"));
  EXPECT_NE(o.find("does not match shape"), std::string::npos) << o;
}

TEST(NpyLimits, BoolBytesOtherThanZeroAndOneAreRefused) {
  const std::string header = "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }";
  const std::string e = errorOf(npy2(header, std::string("\x01\x00\x02", 3)));
  EXPECT_NE(e.find("hostile.npy: bool array holds the byte 2 at element 2"), std::string::npos) << e;
  const at::Tensor ok = decodeNpy(npy2(header, std::string("\x01\x00\x01", 3)), "ok.npy");
  EXPECT_EQ(ok.sum().item<int64_t>(), 2);
}

}  // namespace
}  // namespace cpq
