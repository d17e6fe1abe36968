//===- SafeTensorsTest.cpp - safetensors reading, writing, validation -----===//
//
// Files are built byte by byte here (header length, JSON text, raw data) so
// that the reader is checked against an independent writer, and the writer
// against hand-computed bytes.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/SafeTensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <sys/resource.h>

using namespace cherry::runtime;
namespace fs = std::filesystem;

namespace {

//===----------------------------------------------------------------------===//
// A tiny independent safetensors writer
//===----------------------------------------------------------------------===//

std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i)
    s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

std::string le16(uint16_t v) {
  return {static_cast<char>(v & 0xff), static_cast<char>(v >> 8)};
}

std::string le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i)
    s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

std::string f32Bytes(std::initializer_list<float> values) {
  std::string s;
  for (float f : values) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    s += le32(bits);
  }
  return s;
}

std::string u16Bytes(std::initializer_list<uint16_t> values) {
  std::string s;
  for (uint16_t v : values)
    s += le16(v);
  return s;
}

/// 8-byte header length, the JSON exactly as given (no padding), the data.
std::string safetensorsBytes(const std::string &header,
                             const std::string &data) {
  return le64(header.size()) + header + data;
}

std::string readAll(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeAll(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::vector<float> floats(const TensorView &t) {
  std::vector<float> out(static_cast<size_t>(t.numElements()));
  t.toFloat32(out.data());
  return out;
}

uint32_t bitsOf(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

std::vector<std::string> listDir(const std::string &dir) {
  std::vector<std::string> names;
  for (const auto &e : fs::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// Each test gets a fresh directory, removed afterwards.
class SafeTensorsTest : public ::testing::Test {
protected:
  void SetUp() override {
    const char *base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base && *base ? base : "/tmp") + "/cherry-st-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  std::string path(const std::string &name) const { return dir + "/" + name; }

  /// Writes `bytes` to `name`, opens it, and checks that the open fails with
  /// one line starting with the path and containing every `needle`.
  void expectOpenError(const std::string &name, const std::string &bytes,
                       std::initializer_list<std::string> needles) {
    std::string p = path(name);
    writeAll(p, bytes);
    expectOpenErrorAt(p, p, needles);
  }

  static void expectOpenErrorAt(const std::string &openPath,
                                const std::string &blamedPath,
                                std::initializer_list<std::string> needles) {
    SafeTensors st;
    Status s = SafeTensors::open(openPath, st);
    ASSERT_FALSE(s.ok()) << openPath << " opened but should not";
    EXPECT_EQ(s.message.rfind(blamedPath + ": ", 0), 0u) << s.message;
    EXPECT_EQ(s.message.find('\n'), std::string::npos) << s.message;
    for (const std::string &needle : needles)
      EXPECT_NE(s.message.find(needle), std::string::npos)
          << "expected '" << needle << "' in: " << s.message;
    EXPECT_TRUE(st.tensors().empty());
  }

  std::string dir;
};

/// A valid file of two F32 tensors: a = [1, 2], b = [[3], [4], [5]].
std::string twoTensorFile() {
  return safetensorsBytes(
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"F32","shape":[3,1],"data_offsets":[8,20]}})",
      f32Bytes({1, 2, 3, 4, 5}));
}

//===----------------------------------------------------------------------===//
// Reading hand-built files
//===----------------------------------------------------------------------===//

TEST_F(SafeTensorsTest, ReadsHandBuiltFileExactly) {
  // Header of odd length: the data section is not 4-byte aligned, and the
  // header lists the tensors out of name order.
  std::string header =
      R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},)"
      R"("__metadata__":{"format":"pt"},)"
      R"("a":{"dtype":"BF16","shape":[1,2],"data_offsets":[0,4]}})";
  if (header.size() % 2 == 0)
    header += " ";
  std::string p = path("model.safetensors");
  writeAll(p, safetensorsBytes(header, u16Bytes({0x3F80, 0xC040}) +
                                           f32Bytes({1.5f, -2.25f})));
  SafeTensors st;
  Status s = SafeTensors::open(p, st);
  ASSERT_TRUE(s.ok()) << s.message;
  ASSERT_EQ(st.tensors().size(), 2u);
  const TensorView &a = st.tensors()[0];
  const TensorView &w = st.tensors()[1];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(w.name, "w");
  EXPECT_EQ(a.dtype, TensorDType::BF16);
  EXPECT_EQ(w.dtype, TensorDType::F32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(w.shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(a.nbytes, 4u);
  EXPECT_EQ(w.nbytes, 8u);
  EXPECT_EQ(a.numElements(), 2);
  EXPECT_EQ(a.file, p);
  EXPECT_EQ(w.data - a.data, 4);
  EXPECT_EQ(floats(a), (std::vector<float>{1.0f, -3.0f}));
  EXPECT_EQ(floats(w), (std::vector<float>{1.5f, -2.25f}));
  EXPECT_EQ(st.metadata(),
            (std::map<std::string, std::string>{{"format", "pt"}}));
  EXPECT_EQ(st.find("w"), &w);
  EXPECT_EQ(st.find("b"), nullptr);
}

TEST_F(SafeTensorsTest, HalfConversionCoversSubnormalsInfinitiesAndNaN) {
  std::string p = path("f16.safetensors");
  writeAll(p, safetensorsBytes(
                  R"({"h":{"dtype":"F16","shape":[12],"data_offsets":[0,24]}})",
                  u16Bytes({0x3C00, 0x0001, 0x03FF, 0x0400, 0x7BFF, 0x7C00,
                            0xFC00, 0x7E00, 0x8000, 0xC000, 0x3555, 0x7C01})));
  SafeTensors st;
  ASSERT_TRUE(SafeTensors::open(p, st).ok());
  std::vector<float> v = floats(st.tensors()[0]);
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], std::ldexp(1.0f, -24));           // smallest subnormal
  EXPECT_EQ(v[2], 1023.0f * std::ldexp(1.0f, -24)); // largest subnormal
  EXPECT_EQ(v[3], std::ldexp(1.0f, -14));           // smallest normal
  EXPECT_EQ(v[4], 65504.0f);                        // largest finite
  EXPECT_EQ(v[5], std::numeric_limits<float>::infinity());
  EXPECT_EQ(v[6], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(v[7]));
  EXPECT_EQ(bitsOf(v[8]), 0x80000000u); // -0.0 keeps its sign
  EXPECT_EQ(v[9], -2.0f);
  EXPECT_EQ(v[10], 0.333251953125f); // 0x3555 = 1365/4096
  EXPECT_TRUE(std::isnan(v[11]));    // signalling NaN stays NaN
}

TEST_F(SafeTensorsTest, BFloat16IsTheUpperHalfOfFloat32) {
  std::string p = path("bf16.safetensors");
  writeAll(p, safetensorsBytes(
                  R"({"x":{"dtype":"BF16","shape":[6],"data_offsets":[0,12]}})",
                  u16Bytes({0x3F80, 0xBF80, 0x7F80, 0x0001, 0x7FC0, 0x4049})));
  SafeTensors st;
  ASSERT_TRUE(SafeTensors::open(p, st).ok());
  std::vector<float> v = floats(st.tensors()[0]);
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], -1.0f);
  EXPECT_EQ(v[2], std::numeric_limits<float>::infinity());
  EXPECT_EQ(bitsOf(v[3]), 0x00010000u);
  EXPECT_TRUE(std::isnan(v[4]));
  EXPECT_EQ(v[5], 3.140625f);
}

TEST_F(SafeTensorsTest, ScalarsEmptyTensorsAndEmptyFiles) {
  // A 0-element tensor takes no bytes and may share its offset.
  std::string p = path("small.safetensors");
  writeAll(p, safetensorsBytes(
                  R"({"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},)"
                  R"("e":{"dtype":"F16","shape":[0,3],"data_offsets":[4,4]},)"
                  R"("z":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})",
                  f32Bytes({7.5f})));
  SafeTensors st;
  Status s = SafeTensors::open(p, st);
  ASSERT_TRUE(s.ok()) << s.message;
  ASSERT_EQ(st.tensors().size(), 3u);
  EXPECT_EQ(st.find("s")->numElements(), 1);
  EXPECT_EQ(floats(*st.find("s")), std::vector<float>{7.5f});
  EXPECT_EQ(st.find("e")->numElements(), 0);
  EXPECT_EQ(st.find("e")->nbytes, 0u);
  EXPECT_EQ(st.find("z")->nbytes, 0u);

  // No tensors, no data section.
  std::string empty = path("empty.safetensors");
  writeAll(empty, safetensorsBytes("{}", ""));
  SafeTensors none;
  s = SafeTensors::open(empty, none);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_TRUE(none.tensors().empty());
  EXPECT_TRUE(none.metadata().empty());
}

TEST_F(SafeTensorsTest, MovedObjectKeepsItsViewsValid) {
  std::string p = path("m.safetensors");
  writeAll(p, twoTensorFile());
  SafeTensors st;
  ASSERT_TRUE(SafeTensors::open(p, st).ok());
  SafeTensors moved(std::move(st));
  SafeTensors assigned;
  assigned = std::move(moved);
  ASSERT_NE(assigned.find("b"), nullptr);
  EXPECT_EQ(floats(*assigned.find("b")), (std::vector<float>{3, 4, 5}));
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

TEST_F(SafeTensorsTest, WrittenBytesMatchHandComputedLayout) {
  float w[2] = {1.0f, 2.0f};
  uint16_t b[3] = {0x3F80, 0x4000, 0xC040};
  std::string p = path("out.safetensors");
  Status s = writeSafeTensors(
      p, {{"w", TensorDType::F32, {2}, w}, {"b", TensorDType::BF16, {3}, b}},
      {{"k", "v"}});
  ASSERT_TRUE(s.ok()) << s.message;
  // 134 bytes of JSON, tensors in name order with contiguous offsets, then 2
  // spaces to reach 136, a multiple of 8.
  std::string header =
      R"({"__metadata__":{"k":"v"},)"
      R"("b":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]},)"
      R"("w":{"dtype":"F32","shape":[2],"data_offsets":[6,14]}})"
      "  ";
  ASSERT_EQ(header.size(), 136u);
  std::string expected = le64(136) + header +
                         u16Bytes({0x3F80, 0x4000, 0xC040}) +
                         f32Bytes({1.0f, 2.0f});
  EXPECT_EQ(readAll(p), expected);
  EXPECT_EQ(listDir(dir), std::vector<std::string>{"out.safetensors"});
}

TEST_F(SafeTensorsTest, WriterOmitsEmptyMetadataAndPadsEmptyHeader) {
  std::string p = path("none.safetensors");
  ASSERT_TRUE(writeSafeTensors(p, {}).ok());
  EXPECT_EQ(readAll(p), le64(8) + "{}      ");

  float x = 0.5f;
  ASSERT_TRUE(writeSafeTensors(p, {{"x", TensorDType::F32, {}, &x}}).ok());
  std::string header =
      R"({"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})";
  ASSERT_EQ(header.size(), 53u);
  EXPECT_EQ(readAll(p), le64(56) + header + "   " + f32Bytes({0.5f}));
}

TEST_F(SafeTensorsTest, RoundTripKeepsEveryDTypeExact) {
  float f32[4] = {1.0f, -0.0f, 3.5e-40f, -1e30f};
  uint16_t bf16[3] = {0x3F80, 0x7F80, 0xC2C8}; // 1, inf, -100
  uint16_t f16[6] = {0x3C00, 0x0001, 0x7C00, 0xFC00, 0x7E00, 0xB800};
  std::string p = path("rt.safetensors");
  Status s = writeSafeTensors(p,
                              {{"layers.0.f16", TensorDType::F16, {2, 3}, f16},
                               {"bf", TensorDType::BF16, {3, 1}, bf16},
                               {"Z", TensorDType::F32, {4}, f32}},
                              {{"format", "pt"}, {"note", "a\"b\\c"}});
  ASSERT_TRUE(s.ok()) << s.message;
  SafeTensors st;
  s = SafeTensors::open(p, st);
  ASSERT_TRUE(s.ok()) << s.message;
  ASSERT_EQ(st.tensors().size(), 3u);
  EXPECT_EQ(st.tensors()[0].name, "Z");
  EXPECT_EQ(st.tensors()[1].name, "bf");
  EXPECT_EQ(st.tensors()[2].name, "layers.0.f16");
  EXPECT_EQ(st.metadata(), (std::map<std::string, std::string>{
                               {"format", "pt"}, {"note", "a\"b\\c"}}));

  std::vector<float> z = floats(*st.find("Z"));
  ASSERT_EQ(z.size(), 4u);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(bitsOf(z[i]), bitsOf(f32[i])) << i;

  EXPECT_EQ(st.find("bf")->shape, (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(floats(*st.find("bf")),
            (std::vector<float>{1.0f, std::numeric_limits<float>::infinity(),
                                -100.0f}));

  const TensorView *h = st.find("layers.0.f16");
  EXPECT_EQ(h->dtype, TensorDType::F16);
  EXPECT_EQ(h->shape, (std::vector<int64_t>{2, 3}));
  std::vector<float> hv = floats(*h);
  EXPECT_EQ(hv[0], 1.0f);
  EXPECT_EQ(hv[1], std::ldexp(1.0f, -24));
  EXPECT_EQ(hv[2], std::numeric_limits<float>::infinity());
  EXPECT_EQ(hv[3], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(hv[4]));
  EXPECT_EQ(hv[5], -0.5f);
}

TEST_F(SafeTensorsTest, WriterRejectsDuplicatesAndNegativeDims) {
  float x[2] = {1, 2};
  std::string p = path("bad.safetensors");
  Status s = writeSafeTensors(
      p, {{"x", TensorDType::F32, {2}, x}, {"x", TensorDType::F32, {2}, x}});
  EXPECT_EQ(s.message, p + ": tensor 'x': defined twice");
  s = writeSafeTensors(p, {{"neg", TensorDType::F32, {2, -1}, x}});
  EXPECT_EQ(s.message,
            p + ": tensor 'neg': negative dimension -1 at index 1 of shape "
                "[2, -1]");
  s = writeSafeTensors(p, {{"nodata", TensorDType::F32, {2}, nullptr}});
  EXPECT_EQ(s.message, p + ": tensor 'nodata': has no data");
  s = writeSafeTensors(p, {{"bad\xff", TensorDType::F32, {1}, x}});
  EXPECT_EQ(s.message, p + ": tensor 'bad\\xff': name is not valid UTF-8");
  s = writeSafeTensors(p, {{"__metadata__", TensorDType::F32, {1}, x}});
  EXPECT_EQ(s.message,
            p + ": tensor '__metadata__': name is reserved for metadata");
  EXPECT_TRUE(listDir(dir).empty());
}

TEST_F(SafeTensorsTest, WriteIntoMissingDirectoryFailsCleanly) {
  float x = 1;
  std::string p = path("missing/out.safetensors");
  Status s = writeSafeTensors(p, {{"x", TensorDType::F32, {1}, &x}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message.rfind(p + ": ", 0), 0u) << s.message;
  EXPECT_NE(s.message.find("No such file or directory"), std::string::npos)
      << s.message;
  EXPECT_EQ(s.message.find('\n'), std::string::npos);
  EXPECT_TRUE(listDir(dir).empty());
}

TEST_F(SafeTensorsTest, FailedWriteLeavesExistingFileUntouched) {
  // RLIMIT_FSIZE makes write() fail with EFBIG even for root, standing in for
  // a full disk.
  std::string p = path("keep.safetensors");
  std::string original = twoTensorFile();
  writeAll(p, original);

  std::vector<float> big(1 << 16, 1.0f);
  struct rlimit old;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status s = writeSafeTensors(
      p, {{"big", TensorDType::F32, {int64_t(big.size())}, big.data()}});
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, oldHandler);

  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message.rfind(p + ": ", 0), 0u) << s.message;
  EXPECT_NE(s.message.find(std::strerror(EFBIG)), std::string::npos)
      << s.message;
  EXPECT_EQ(readAll(p), original);
  EXPECT_EQ(listDir(dir), std::vector<std::string>{"keep.safetensors"});
}

TEST_F(SafeTensorsTest, FailedRenameLeavesNoTemporaryFile) {
  // The target is a non-empty directory: everything succeeds but the rename.
  std::string p = path("taken");
  fs::create_directories(p + "/inside");
  float x = 1;
  Status s = writeSafeTensors(p, {{"x", TensorDType::F32, {1}, &x}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message.rfind(p + ": ", 0), 0u) << s.message;
  EXPECT_NE(s.message.find("rename"), std::string::npos) << s.message;
  EXPECT_EQ(listDir(dir), std::vector<std::string>{"taken"});
}

//===----------------------------------------------------------------------===//
// Bad files
//===----------------------------------------------------------------------===//

TEST_F(SafeTensorsTest, EveryTruncationIsAnError) {
  std::string full = twoTensorFile();
  std::string p = path("cut.safetensors");
  // A failed open leaves the previous content of `out` alone.
  writeAll(p, full);
  SafeTensors st;
  ASSERT_TRUE(SafeTensors::open(p, st).ok());
  for (size_t len = 0; len < full.size(); ++len) {
    writeAll(p, full.substr(0, len));
    SafeTensors fresh;
    Status s = SafeTensors::open(p, fresh);
    ASSERT_FALSE(s.ok()) << "prefix of " << len << " bytes opened";
    EXPECT_EQ(s.message.rfind(p + ": ", 0), 0u) << s.message;
    EXPECT_EQ(s.message.find('\n'), std::string::npos) << s.message;
    EXPECT_TRUE(fresh.tensors().empty());
    EXPECT_FALSE(SafeTensors::open(p, st).ok());
  }
  ASSERT_EQ(st.tensors().size(), 2u);
  EXPECT_EQ(floats(st.tensors()[0]), (std::vector<float>{1, 2}));
}

TEST_F(SafeTensorsTest, ShortFileAndBadHeaderLengths) {
  std::string p = path("short.safetensors");
  writeAll(p, "abc");
  expectOpenErrorAt(p, p, {"file is 3 bytes, too short"});
  expectOpenError("zero.safetensors", le64(0) + "{}", {"header length is 0"});
  expectOpenError("huge.safetensors", le64((100u << 20) + 1) + "{}",
                  {"header length 104857601 exceeds the limit"});
  expectOpenError("past.safetensors", le64(1000) + std::string(42, ' '),
                  {"header length 1000 exceeds file size 50"});
  expectOpenError("max.safetensors", le64(UINT64_MAX) + "{}",
                  {"header length 18446744073709551615 exceeds"});
}

TEST_F(SafeTensorsTest, HeaderMustBeAJsonObject) {
  expectOpenError("notjson.safetensors", safetensorsBytes("{nope", ""),
                  {"header is not valid JSON: parse error"});
  expectOpenError("array.safetensors", safetensorsBytes("[1,2]", ""),
                  {"header must be a JSON object, found an array"});
  expectOpenError("nul.safetensors",
                  safetensorsBytes(std::string("{}\0", 3), ""),
                  {"header is not valid JSON: NUL byte at offset 2"});
}

TEST_F(SafeTensorsTest, DuplicateTensorNameIsRejected) {
  expectOpenError(
      "dup.safetensors",
      safetensorsBytes(
          R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
          R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
          f32Bytes({1, 2})),
      {"tensor 'a': defined twice"});
  expectOpenError(
      "dupfield.safetensors",
      safetensorsBytes(
          R"({"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}})",
          f32Bytes({1})),
      {"tensor 'a': field 'dtype' appears twice"});
}

TEST_F(SafeTensorsTest, UnsupportedDTypeNamesTensorAndDType) {
  for (const char *dtype : {"I64", "F64", "f32", "BOOL"})
    expectOpenError(
        std::string(dtype) + ".safetensors",
        safetensorsBytes(std::string(R"({"ids":{"dtype":")") + dtype +
                             R"(","shape":[1],"data_offsets":[0,8]}})",
                         std::string(8, '\0')),
        {"tensor 'ids': unsupported dtype '" + std::string(dtype) + "'"});
  expectOpenError(
      "dtypenum.safetensors",
      safetensorsBytes(R"({"x":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})",
                       f32Bytes({1})),
      {"tensor 'x': dtype must be a string"});
}

TEST_F(SafeTensorsTest, ShapeMustHoldNonNegativeIntegers) {
  auto file = [](const std::string &shape) {
    return safetensorsBytes(R"({"x":{"dtype":"F32","shape":)" + shape +
                                R"(,"data_offsets":[0,0]}})",
                            "");
  };
  expectOpenError("neg.safetensors", file("[2,-1]"),
                  {"tensor 'x': negative dimension -1 at index 1"});
  expectOpenError("float.safetensors", file("[1.5]"),
                  {"tensor 'x': shape element 0 must be a non-negative "
                   "integer, found 1.5"});
  expectOpenError("string.safetensors", file(R"([0,"2"])"),
                  {"tensor 'x': shape element 1", "found \"2\""});
  expectOpenError("notarray.safetensors", file("3"),
                  {"tensor 'x': shape must be an array"});
  expectOpenError("overflow.safetensors",
                  file("[4611686018427387904,4611686018427387904]"),
                  {"tensor 'x': shape", "too large"});
}

TEST_F(SafeTensorsTest, OffsetsMustLieInsideTheDataSection) {
  expectOpenError(
      "past.safetensors",
      safetensorsBytes(
          R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
          f32Bytes({1})),
      {"tensor 'x': data_offsets [0, 8] exceed the data section of 4 bytes"});
  expectOpenError(
      "reversed.safetensors",
      safetensorsBytes(
          R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}})",
          f32Bytes({1})),
      {"tensor 'x': data_offsets [4, 0] end before they begin"});
  expectOpenError(
      "negative.safetensors",
      safetensorsBytes(
          R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})",
          f32Bytes({1})),
      {"tensor 'x': data_offsets must be [begin, end]"});
  expectOpenError(
      "three.safetensors",
      safetensorsBytes(
          R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})",
          f32Bytes({1})),
      {"tensor 'x': data_offsets must be [begin, end]"});
}

TEST_F(SafeTensorsTest, OverlapsHolesAndTrailingBytesAreRejected) {
  expectOpenError(
      "overlap.safetensors",
      safetensorsBytes(
          R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
          R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
          f32Bytes({1, 2, 3})),
      {"tensor 'b': data_offsets [4, 12] overlap tensor 'a' at [0, 8]"});
  expectOpenError(
      "hole.safetensors",
      safetensorsBytes(
          R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
          f32Bytes({1, 2, 3})),
      {"tensor 'b': data_offsets [8, 12] leave a hole of 4 bytes"});
  expectOpenError(
      "leadinghole.safetensors",
      safetensorsBytes(
          R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
          f32Bytes({1, 2})),
      {"tensor 'a': data_offsets [4, 8] leave a hole of 4 bytes"});
  expectOpenError(
      "trailing.safetensors",
      safetensorsBytes(
          R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
          f32Bytes({1, 2})),
      {"4 trailing bytes after the last tensor"});
  expectOpenError("emptytrailing.safetensors", safetensorsBytes("{}", "x"),
                  {"1 trailing bytes"});
}

TEST_F(SafeTensorsTest, ByteSizeMustMatchShapeTimesDType) {
  expectOpenError(
      "size.safetensors",
      safetensorsBytes(
          R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
          f32Bytes({1, 2})),
      {"tensor 'x': data_offsets [0, 8] hold 8 bytes but shape [3] of F32 "
       "needs 12"});
  expectOpenError(
      "halfsize.safetensors",
      safetensorsBytes(
          R"({"x":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,4]}})",
          u16Bytes({1, 2})),
      {"tensor 'x':", "shape [2, 2] of BF16 needs 8"});
}

TEST_F(SafeTensorsTest, EntriesHaveExactlyTheThreeFields) {
  expectOpenError(
      "extra.safetensors",
      safetensorsBytes(
          R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"foo":1}})",
          f32Bytes({1})),
      {"tensor 'x': unexpected field 'foo'"});
  expectOpenError(
      "missing.safetensors",
      safetensorsBytes(R"({"x":{"dtype":"F32","data_offsets":[0,4]}})",
                       f32Bytes({1})),
      {"tensor 'x': missing field 'shape'"});
  expectOpenError("notobject.safetensors",
                  safetensorsBytes(R"({"x":[1,2]})", ""),
                  {"tensor 'x': entry must be an object"});
}

TEST_F(SafeTensorsTest, MetadataMustMapStringsToStrings) {
  expectOpenError("metaint.safetensors",
                  safetensorsBytes(R"({"__metadata__":{"k":1}})", ""),
                  {"__metadata__ value of 'k' must be a string, found 1"});
  expectOpenError("metaarray.safetensors",
                  safetensorsBytes(R"({"__metadata__":["k"]})", ""),
                  {"__metadata__ must be an object"});
  expectOpenError(
      "metadup.safetensors",
      safetensorsBytes(R"({"__metadata__":{},"__metadata__":{}})", ""),
      {"__metadata__ appears twice"});
}

TEST_F(SafeTensorsTest, ControlCharactersInNamesStayOnOneLine) {
  expectOpenError(
      "nl.safetensors",
      safetensorsBytes(
          R"({"a\nb":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}})", "x"),
      {"tensor 'a\\x0ab': unsupported dtype 'I8'"});
}

TEST_F(SafeTensorsTest, MissingFileAndDirectoryAreErrors) {
  std::string p = path("absent.safetensors");
  SafeTensors st;
  EXPECT_EQ(SafeTensors::open(p, st).message,
            p + ": cannot open: No such file or directory");
  EXPECT_EQ(SafeTensors::open(dir, st).message,
            dir + ": is a directory, not a file");
}

//===----------------------------------------------------------------------===//
// Sharded checkpoints
//===----------------------------------------------------------------------===//

class ShardedTest : public SafeTensorsTest {
protected:
  /// Two shards: 1 holds "a" (F32), 2 holds "b" (BF16) and "c" (F32).
  void writeShards() {
    writeAll(path(shard1),
             safetensorsBytes(
                 R"({"__metadata__":{"format":"pt"},)"
                 R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                 f32Bytes({1.25f, -4})));
    writeAll(path(shard2),
             safetensorsBytes(
                 R"({"__metadata__":{"format":"other"},)"
                 R"("b":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]},)"
                 R"("c":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})",
                 u16Bytes({0x4040}) + f32Bytes({9})));
  }
  std::string index(const std::string &weightMap) {
    return R"({"metadata":{"total_size":14},"weight_map":)" + weightMap + "}";
  }
  std::string shard1 = "model-00001-of-00002.safetensors";
  std::string shard2 = "model-00002-of-00002.safetensors";
  std::string validMap = R"({"a":"model-00001-of-00002.safetensors",)"
                         R"("b":"model-00002-of-00002.safetensors",)"
                         R"("c":"model-00002-of-00002.safetensors"})";
};

TEST_F(ShardedTest, ReadsValuesFromBothShards) {
  writeShards();
  std::string idx = path("model.safetensors.index.json");
  writeAll(idx, index(validMap));
  SafeTensors st;
  Status s = SafeTensors::open(idx, st);
  ASSERT_TRUE(s.ok()) << s.message;
  ASSERT_EQ(st.tensors().size(), 3u);
  EXPECT_EQ(st.tensors()[0].name, "a");
  EXPECT_EQ(st.tensors()[1].name, "b");
  EXPECT_EQ(st.tensors()[2].name, "c");
  EXPECT_EQ(st.tensors()[0].file, path(shard1));
  EXPECT_EQ(st.tensors()[1].file, path(shard2));
  EXPECT_EQ(floats(*st.find("a")), (std::vector<float>{1.25f, -4}));
  EXPECT_EQ(floats(*st.find("b")), std::vector<float>{3.0f});
  EXPECT_EQ(floats(*st.find("c")), std::vector<float>{9.0f});
  // The metadata of the shard whose name sorts first.
  EXPECT_EQ(st.metadata(),
            (std::map<std::string, std::string>{{"format", "pt"}}));
}

TEST_F(ShardedTest, MissingShardNamesShardAndTensor) {
  writeShards();
  std::filesystem::remove(path(shard2));
  std::string idx = path("model.safetensors.index.json");
  writeAll(idx, index(validMap));
  expectOpenErrorAt(idx, idx, {"tensor 'b'", path(shard2), "does not exist"});
}

TEST_F(ShardedTest, TensorListedButAbsentFromItsShard) {
  writeShards();
  std::string idx = path("model.safetensors.index.json");
  writeAll(idx, index(R"({"a":"model-00001-of-00002.safetensors",)"
                      R"("b":"model-00002-of-00002.safetensors",)"
                      R"("c":"model-00002-of-00002.safetensors",)"
                      R"("d":"model-00001-of-00002.safetensors"})"));
  expectOpenErrorAt(idx, idx,
                    {"tensor 'd': listed for shard '" + shard1 + "' but " +
                     path(shard1) + " does not contain it"});
}

TEST_F(ShardedTest, TensorInShardButNotInIndex) {
  writeShards();
  std::string idx = path("model.safetensors.index.json");
  writeAll(idx, index(R"({"a":"model-00001-of-00002.safetensors",)"
                      R"("b":"model-00002-of-00002.safetensors"})"));
  expectOpenErrorAt(
      idx, path(shard2),
      {"tensor 'c': present in the shard but not listed in " + idx});
  // Listed, but for the other shard (which lacks it).
  writeAll(idx, index(R"({"a":"model-00001-of-00002.safetensors",)"
                      R"("b":"model-00002-of-00002.safetensors",)"
                      R"("c":"model-00001-of-00002.safetensors"})"));
  expectOpenErrorAt(idx, path(shard2),
                    {"tensor 'c': present in the shard but", "maps it to "
                                                             "shard '" +
                                                                 shard1 + "'"});
}

TEST_F(ShardedTest, SameTensorInTwoShards) {
  writeShards();
  writeAll(path(shard1),
           safetensorsBytes(
               R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
               R"("c":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
               f32Bytes({1, 2})));
  std::string idx = path("model.safetensors.index.json");
  writeAll(idx, index(validMap));
  expectOpenErrorAt(
      idx, idx,
      {"tensor 'c': present in two shards", path(shard1), path(shard2)});
}

TEST_F(ShardedTest, BadIndexFiles) {
  writeShards();
  std::string idx = path("model.safetensors.index.json");
  writeAll(idx, "");
  expectOpenErrorAt(idx, idx, {"index is not valid JSON"});
  writeAll(idx, "{\"weight_map\": ");
  expectOpenErrorAt(idx, idx, {"index is not valid JSON"});
  writeAll(idx, R"({"metadata":{}})");
  expectOpenErrorAt(idx, idx, {"index has no \"weight_map\""});
  writeAll(idx, R"({"weight_map":{"a":3}})");
  expectOpenErrorAt(idx, idx, {"tensor 'a': shard file must be a non-empty"});
  writeAll(idx, R"({"weight_map":{"a":"x","a":"y"}})");
  expectOpenErrorAt(idx, idx, {"tensor 'a': listed twice in weight_map"});
  writeAll(idx, R"({"weight_map":{},"extra":1})");
  expectOpenErrorAt(idx, idx, {"unexpected key 'extra'"});
  // An error inside a shard names the shard.
  writeAll(path(shard2), safetensorsBytes("[]", ""));
  writeAll(idx, index(validMap));
  expectOpenErrorAt(idx, path(shard2), {"header must be a JSON object"});
}

//===----------------------------------------------------------------------===//
// Model directories
//===----------------------------------------------------------------------===//

TEST_F(ShardedTest, ModelDirFindsSingleFileOrIndex) {
  bool found = true;
  SafeTensors st;
  Status s = SafeTensors::openModelDir(dir, st, found);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_FALSE(found);
  EXPECT_TRUE(st.tensors().empty());

  writeShards();
  writeAll(path("model.safetensors.index.json"), index(validMap));
  s = SafeTensors::openModelDir(dir, st, found);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_TRUE(found);
  EXPECT_EQ(st.tensors().size(), 3u);

  // model.safetensors wins over the index.
  writeAll(path("model.safetensors"),
           safetensorsBytes(
               R"({"only":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
               f32Bytes({42})));
  found = false;
  s = SafeTensors::openModelDir(dir + "/", st, found);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_TRUE(found);
  ASSERT_EQ(st.tensors().size(), 1u);
  EXPECT_EQ(floats(st.tensors()[0]), std::vector<float>{42});
  EXPECT_EQ(st.tensors()[0].file, dir + "/model.safetensors");
}

TEST_F(SafeTensorsTest, ModelDirMustBeADirectory) {
  bool found = true;
  SafeTensors st;
  std::string missing = path("nope");
  Status s = SafeTensors::openModelDir(missing, st, found);
  EXPECT_EQ(s.message, missing +
                           ": cannot open model directory: No such file or "
                           "directory");
  EXPECT_FALSE(found);
  std::string file = path("file");
  writeAll(file, "x");
  s = SafeTensors::openModelDir(file, st, found);
  EXPECT_EQ(s.message, file + ": is not a directory");
  EXPECT_FALSE(found);

  // A broken model.safetensors is found, and its error reported.
  writeAll(path("model.safetensors"), "short");
  s = SafeTensors::openModelDir(dir, st, found);
  EXPECT_TRUE(found);
  EXPECT_EQ(s.message.rfind(path("model.safetensors") + ": ", 0), 0u)
      << s.message;
}

} // namespace
