// .npy round trips for every dtype we write, byte layout as numpy writes it (header padded to 64 bytes),
// and malformed files named in the error.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "core/Error.h"
#include "core/Npy.h"
#include "support/ErrorMessage.h"

namespace {

std::string errorOf(const std::string& bytes) {
  return cpq::testing::errorMessageOf([&] { cpq::decodeNpy(bytes, "probe.npy"); });
}

}  // namespace

TEST(NpyTest, RoundTripsEveryDtype) {
  for (auto type : {at::kFloat, at::kDouble, at::kInt, at::kLong, at::kByte, at::kHalf}) {
    const at::Tensor t = (at::arange(24, at::kDouble) - 7).reshape({2, 3, 4}).to(type);
    const at::Tensor back = cpq::decodeNpy(cpq::encodeNpy(t), "t.npy");
    EXPECT_EQ(back.scalar_type(), type);
    EXPECT_EQ(back.sizes(), t.sizes());
    EXPECT_TRUE(at::equal(back, t)) << c10::toString(type);
  }
  const at::Tensor b = at::tensor({1, 0, 1}, at::kInt).to(at::kBool);
  EXPECT_TRUE(at::equal(cpq::decodeNpy(cpq::encodeNpy(b), "b.npy"), b));
  const at::Tensor scalar = at::scalar_tensor(2.5, at::kFloat);
  EXPECT_EQ(cpq::decodeNpy(cpq::encodeNpy(scalar), "s.npy").dim(), 0);
}

TEST(NpyTest, HeaderAsNumpyWritesIt) {
  const std::string bytes = cpq::encodeNpy(at::zeros({3}, at::kFloat));
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  const size_t headerLen = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + headerLen) % 64, 0u);
  const std::string header = bytes.substr(10, headerLen);
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 0), 0u) << header;
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(bytes.size(), 10 + headerLen + 3 * sizeof(float));
}

TEST(NpyTest, MalformedInputNamesTheFile) {
  const std::string good = cpq::encodeNpy(at::ones({4, 4}, at::kFloat));
  for (const std::string& bad : {std::string(), std::string("not numpy at all"), good.substr(0, 20),
                                 good.substr(0, good.size() - 1)}) {
    const std::string message = errorOf(bad);
    EXPECT_NE(message.find("probe.npy"), std::string::npos) << "accepted " << bad.size() << " bytes";
  }
}
