//===- TensorBoardTest.cpp - CRC32C, TFRecords, event files ---------------===//
//
// The writer is checked against known CRC32C answers and against an
// independent reader written here: its own bit-by-bit CRC32C, its own
// TFRecord framing parser, and the generated protobuf classes to decode the
// events. test/oracle/tensorboard_oracle.py reads the same files with the
// real TensorBoard (by hand: set CHERRY_TENSORBOARD_KEEP_DIR to keep one).
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/TensorBoard.h"

#include "cherry/Runtime/proto/tensorboard.pb.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace cherry::runtime;
namespace fs = std::filesystem;

namespace {

//===----------------------------------------------------------------------===//
// An independent TFRecord reader
//===----------------------------------------------------------------------===//

/// CRC32C one bit at a time, straight from the definition (reflected
/// Castagnoli polynomial, initial and final inversion).
uint32_t bitwiseCrc32c(const std::string &bytes) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

uint32_t bitwiseMasked(const std::string &bytes) {
  uint32_t crc = bitwiseCrc32c(bytes);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

uint64_t readLe(const std::string &bytes, size_t at, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[at + i]))
         << (8 * i);
  return v;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Splits a TFRecord file into payloads, checking both CRCs of every record.
/// Fails the test (and stops) at the first bad frame.
std::vector<std::string> readRecords(const std::string &bytes) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < bytes.size()) {
    EXPECT_GE(bytes.size() - at, 12u) << "truncated header at " << at;
    if (bytes.size() - at < 12)
      break;
    std::string lenBytes = bytes.substr(at, 8);
    uint64_t len = readLe(bytes, at, 8);
    uint32_t lenCrc = static_cast<uint32_t>(readLe(bytes, at + 8, 4));
    EXPECT_EQ(lenCrc, bitwiseMasked(lenBytes)) << "length CRC at " << at;
    if (lenCrc != bitwiseMasked(lenBytes))
      break;
    at += 12;
    EXPECT_GE(bytes.size() - at, len + 4) << "truncated record at " << at;
    if (bytes.size() - at < len + 4)
      break;
    std::string payload = bytes.substr(at, len);
    uint32_t dataCrc = static_cast<uint32_t>(readLe(bytes, at + len, 4));
    EXPECT_EQ(dataCrc, bitwiseMasked(payload)) << "data CRC at " << at;
    if (dataCrc != bitwiseMasked(payload))
      break;
    out.push_back(payload);
    at += len + 4;
  }
  return out;
}

std::vector<cherry::tensorboard::Event> readEvents(const std::string &path) {
  std::vector<cherry::tensorboard::Event> events;
  for (const std::string &payload : readRecords(readFile(path))) {
    cherry::tensorboard::Event e;
    EXPECT_TRUE(e.ParseFromString(payload));
    events.push_back(e);
  }
  return events;
}

class TensorBoardTest : public ::testing::Test {
protected:
  void SetUp() override {
    const char *base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base && *base ? base : "/tmp") + "/cherry-tb-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string dir;
};

//===----------------------------------------------------------------------===//
// CRC32C and framing
//===----------------------------------------------------------------------===//

TEST(TensorBoardCrc, KnownAnswers) {
  EXPECT_EQ(crc32c("", 0), 0u);
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  // RFC 3720 (iSCSI), appendix B.4.
  std::string zeros(32, '\0'), ones(32, '\xff'), up(32, '\0'), down(32, '\0');
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<char>(i);
    down[i] = static_cast<char>(31 - i);
  }
  EXPECT_EQ(crc32c(zeros.data(), 32), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), 32), 0x62A8AB43u);
  EXPECT_EQ(crc32c(up.data(), 32), 0x46DD794Eu);
  EXPECT_EQ(crc32c(down.data(), 32), 0x113FDB5Cu);
}

TEST(TensorBoardCrc, ExtendsAndMatchesBitwise) {
  std::string text = "The quick brown fox jumps over the lazy dog";
  uint32_t whole = crc32c(text.data(), text.size());
  EXPECT_EQ(whole, bitwiseCrc32c(text));
  for (size_t cut : {size_t(0), size_t(1), size_t(17), text.size()})
    EXPECT_EQ(
        crc32c(text.data() + cut, text.size() - cut, crc32c(text.data(), cut)),
        whole)
        << "cut at " << cut;
}

TEST(TensorBoardCrc, Mask) {
  // The formula, evaluated by hand for two values.
  EXPECT_EQ(maskCrc32c(0), 0xa282ead8u);
  // 0x00000001 rotated right by 15 is 0x00020000.
  EXPECT_EQ(maskCrc32c(1), 0x00020000u + 0xa282ead8u);
  // 0x80000000 rotated right by 15 is 0x00010000.
  EXPECT_EQ(maskCrc32c(0x80000000u), 0x00010000u + 0xa282ead8u);
}

TEST(TensorBoardCrc, RecordFraming) {
  std::string payload = "hello, tensorboard";
  std::string rec = encodeTfRecord(payload);
  ASSERT_EQ(rec.size(), payload.size() + 16);
  EXPECT_EQ(readLe(rec, 0, 8), payload.size());
  EXPECT_EQ(readLe(rec, 8, 4), bitwiseMasked(rec.substr(0, 8)));
  EXPECT_EQ(rec.substr(12, payload.size()), payload);
  EXPECT_EQ(readLe(rec, 12 + payload.size(), 4), bitwiseMasked(payload));
  std::vector<std::string> back = readRecords(rec + encodeTfRecord(""));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0], payload);
  EXPECT_EQ(back[1], "");
}

//===----------------------------------------------------------------------===//
// Event files
//===----------------------------------------------------------------------===//

TEST_F(TensorBoardTest, WritesScalarsThatReadBack) {
  // By hand: CHERRY_TENSORBOARD_KEEP_DIR=/some/dir keeps a file for
  // test/oracle/tensorboard_oracle.py.
  const char *keep = std::getenv("CHERRY_TENSORBOARD_KEEP_DIR");
  std::string logDir = keep && *keep ? std::string(keep) : dir + "/logs/run1";

  EventWriter w;
  ASSERT_TRUE(EventWriter::open(logDir, w, 1700000000.75, "testhost").ok());
  ASSERT_TRUE(w.isOpen());
  std::string expectedName = "events.out.tfevents.1700000000.testhost";
  EXPECT_EQ(
      fs::path(w.path()).filename().string().substr(0, expectedName.size()),
      expectedName);
  EXPECT_EQ(fs::path(w.path()).parent_path(), fs::path(logDir));

  // The version record is on disk as soon as the file is opened.
  {
    auto events = readEvents(w.path());
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].file_version(), "brain.Event:2");
    EXPECT_DOUBLE_EQ(events[0].wall_time(), 1700000000.75);
  }

  const int steps = 20;
  for (int s = 1; s <= steps; ++s) {
    float loss = 10.0f / static_cast<float>(s);
    ASSERT_TRUE(w.addScalars({{"train/loss", loss},
                              {"train/lr", 1e-4f * static_cast<float>(s)}},
                             s, 1700000001.0 + s)
                    .ok());
    ASSERT_TRUE(
        w.addScalar("train/tokens_per_second", s, 1000.0f + s, 1700000001.0 + s)
            .ok());
    ASSERT_TRUE(w.flush().ok());
    if (s == 3) {
      // Live: a reader sees every flushed step before the file is closed.
      auto events = readEvents(w.path());
      EXPECT_EQ(events.size(), 1u + 2u * 3u);
    }
  }
  ASSERT_TRUE(w.close().ok());
  EXPECT_FALSE(w.isOpen());

  auto events = readEvents(w.path());
  ASSERT_EQ(events.size(), 1u + 2u * steps);
  EXPECT_EQ(events[0].what_case(), cherry::tensorboard::Event::kFileVersion);
  for (int s = 1; s <= steps; ++s) {
    const auto &a = events[2 * s - 1];
    const auto &b = events[2 * s];
    ASSERT_TRUE(a.has_summary());
    ASSERT_TRUE(b.has_summary());
    EXPECT_EQ(a.step(), s);
    EXPECT_EQ(b.step(), s);
    EXPECT_DOUBLE_EQ(a.wall_time(), 1700000001.0 + s);
    ASSERT_EQ(a.summary().value_size(), 2);
    EXPECT_EQ(a.summary().value(0).tag(), "train/loss");
    EXPECT_EQ(a.summary().value(0).simple_value(),
              10.0f / static_cast<float>(s));
    EXPECT_EQ(a.summary().value(1).tag(), "train/lr");
    EXPECT_EQ(a.summary().value(1).simple_value(),
              1e-4f * static_cast<float>(s));
    ASSERT_EQ(b.summary().value_size(), 1);
    EXPECT_EQ(b.summary().value(0).tag(), "train/tokens_per_second");
    EXPECT_EQ(b.summary().value(0).simple_value(), 1000.0f + s);
  }
}

TEST_F(TensorBoardTest, WireFormatIsTensorFlowsEvent) {
  // Field numbers by hand: wall_time (1, fixed64), step (2, varint),
  // summary (5, bytes) { value (1) { tag (1), simple_value (2, fixed32) } }.
  cherry::tensorboard::Event e;
  e.set_wall_time(1.0);
  e.set_step(3);
  auto *v = e.mutable_summary()->add_value();
  v->set_tag("x");
  v->set_simple_value(2.0f);
  std::string bytes = e.SerializeAsString();
  std::string expected =
      std::string("\x09\x00\x00\x00\x00\x00\x00\xf0\x3f", 9) +
      std::string("\x10\x03", 2) +
      std::string("\x2a\x0a\x0a\x08\x0a\x01x\x15\x00\x00\x00\x40", 12);
  EXPECT_EQ(bytes, expected);
}

TEST_F(TensorBoardTest, NeverOverwritesAnExistingFile) {
  EventWriter a, b;
  ASSERT_TRUE(EventWriter::open(dir, a, 1700000000.0, "h").ok());
  ASSERT_TRUE(a.addScalar("x", 1, 1.0f, 1700000000.0).ok());
  ASSERT_TRUE(a.flush().ok());
  ASSERT_TRUE(EventWriter::open(dir, b, 1700000000.0, "h").ok());
  EXPECT_NE(a.path(), b.path());
  EXPECT_NE(b.path().find("tfevents"), std::string::npos);
  EXPECT_EQ(readEvents(a.path()).size(), 2u);
  EXPECT_EQ(readEvents(b.path()).size(), 1u);
}

TEST_F(TensorBoardTest, HostNameWithSlashStaysInTheDirectory) {
  EventWriter w;
  ASSERT_TRUE(EventWriter::open(dir, w, 1700000000.0, "a/b").ok());
  EXPECT_EQ(fs::path(w.path()).parent_path(), fs::path(dir));
  EXPECT_TRUE(fs::exists(w.path()));
}

TEST_F(TensorBoardTest, DefaultOpenUsesNowAndHostName) {
  EventWriter w;
  ASSERT_TRUE(EventWriter::open(dir + "/d", w).ok());
  std::string name = fs::path(w.path()).filename().string();
  EXPECT_EQ(name.rfind("events.out.tfevents.", 0), 0u);
  double now = unixTimeSeconds();
  long long secs =
      std::atoll(name.c_str() + std::strlen("events.out.tfevents."));
  EXPECT_LE(std::abs(static_cast<double>(secs) - now), 5.0);
}

TEST_F(TensorBoardTest, Errors) {
  std::string file = dir + "/file";
  std::ofstream(file) << "x";
  EventWriter w;
  Status s = EventWriter::open(file, w);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message.find(file), std::string::npos) << s.message;
  EXPECT_EQ(s.message.find('\n'), std::string::npos);
  EXPECT_FALSE(w.isOpen());

  s = EventWriter::open(file + "/sub", w);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message.find(file), std::string::npos) << s.message;

  EXPECT_FALSE(w.addScalar("x", 1, 1.0f, 0).ok());
  EXPECT_FALSE(w.flush().ok());
}

TEST_F(TensorBoardTest, ReaderRejectsACorruptedRecord) {
  // Guards the independent reader itself: a flipped bit must be caught.
  EventWriter w;
  ASSERT_TRUE(EventWriter::open(dir, w, 1700000000.0, "h").ok());
  ASSERT_TRUE(w.addScalar("loss", 1, 3.5f, 1700000001.0).ok());
  ASSERT_TRUE(w.close().ok());
  std::string bytes = readFile(w.path());
  bytes[bytes.size() - 6] ^= 0x01; // inside the last payload
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::
            INTERCEPT_ONLY_CURRENT_THREAD,
        &failures);
    std::vector<std::string> records = readRecords(bytes);
    EXPECT_EQ(records.size(), 1u);
  }
  ASSERT_EQ(failures.size(), 1);
  EXPECT_NE(
      std::string(failures.GetTestPartResult(0).message()).find("data CRC"),
      std::string::npos);
}

TEST_F(TensorBoardTest, MovedWriterKeepsWriting) {
  EventWriter a;
  ASSERT_TRUE(EventWriter::open(dir, a, 1700000000.0, "h").ok());
  std::string path = a.path();
  EventWriter b = std::move(a);
  EXPECT_FALSE(a.isOpen());
  ASSERT_TRUE(b.addScalar("loss", 7, 1.25f, 1700000002.0).ok());
  // Destruction flushes what is pending.
  {
    EventWriter c = std::move(b);
  }
  auto events = readEvents(path);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].step(), 7);
  EXPECT_EQ(events[1].summary().value(0).simple_value(), 1.25f);
}

} // namespace
