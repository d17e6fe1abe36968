//===- TensorBoard.cpp - TensorBoard event files --------------------------===//
//
// CRC32C, TFRecord framing and the Event messages of an event file. Every
// error is one line naming the directory or file. Nothing throws.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/TensorBoard.h"

#include "cherry/Runtime/proto/tensorboard.pb.h"
#include "cherry/Support/FileIO.h"

#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace cherry::runtime {

namespace {

//===----------------------------------------------------------------------===//
// CRC32C
//===----------------------------------------------------------------------===//

/// The byte-at-a-time table of the reflected Castagnoli polynomial.
constexpr std::array<uint32_t, 256> makeCrc32cTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrc32cTable = makeCrc32cTable();

void putLe32(std::string &out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void putLe64(std::string &out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

std::string errnoText(int err) { return std::strerror(err); }

/// The host name, with anything that cannot sit in a file name replaced.
std::string fileNameHost(const std::string &given) {
  std::string host = given;
  if (host.empty()) {
    char buf[256] = {};
    if (::gethostname(buf, sizeof(buf) - 1) == 0)
      host = buf;
    if (host.empty())
      host = "localhost";
  }
  for (char &c : host)
    if (c == '/' || static_cast<unsigned char>(c) < 0x20)
      c = '_';
  return host;
}

} // namespace

uint32_t crc32c(const void *data, size_t size, uint32_t crc) {
  const auto *p = static_cast<const unsigned char *>(data);
  crc = ~crc;
  for (size_t i = 0; i < size; ++i)
    crc = kCrc32cTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

uint32_t maskCrc32c(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

std::string encodeTfRecord(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 16);
  putLe64(out, payload.size());
  putLe32(out, maskCrc32c(crc32c(out.data(), 8)));
  out.append(payload.data(), payload.size());
  putLe32(out, maskCrc32c(crc32c(payload.data(), payload.size())));
  return out;
}

double unixTimeSeconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

//===----------------------------------------------------------------------===//
// EventWriter
//===----------------------------------------------------------------------===//

EventWriter::EventWriter() = default;

EventWriter::~EventWriter() {
  if (fd_ >= 0) {
    (void)flush();
    ::close(fd_);
  }
}

EventWriter::EventWriter(EventWriter &&other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)),
      pending_(std::move(other.pending_)) {
  other.fd_ = -1;
  other.path_.clear();
  other.pending_.clear();
}

EventWriter &EventWriter::operator=(EventWriter &&other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      (void)flush();
      ::close(fd_);
    }
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    pending_ = std::move(other.pending_);
    other.fd_ = -1;
    other.path_.clear();
    other.pending_.clear();
  }
  return *this;
}

Status EventWriter::open(const std::string &dir, EventWriter &out) {
  return open(dir, out, unixTimeSeconds(), "");
}

Status EventWriter::open(const std::string &dir, EventWriter &out,
                         double wallTime, const std::string &hostname) {
  if (dir.empty())
    return Status::error("TensorBoard: empty log directory");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Status::error(
        dir + ": cannot create the TensorBoard directory: " + ec.message());
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::error(dir + ": not a directory");

  std::string base = dir;
  if (base.back() != '/')
    base += '/';
  base += "events.out.tfevents." +
          std::to_string(static_cast<long long>(std::floor(wallTime))) + "." +
          fileNameHost(hostname);
  std::string path = base;
  int fd = -1;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EEXIST)
      break;
    path = base + "." + std::to_string(::getpid()) + "." +
           std::to_string(attempt + 1);
  }
  if (fd < 0)
    return Status::error(path +
                         ": cannot create the event file: " + errnoText(errno));

  EventWriter writer;
  writer.fd_ = fd;
  writer.path_ = path;
  tensorboard::Event event;
  event.set_wall_time(wallTime);
  event.set_file_version("brain.Event:2");
  Status s = writer.queueEvent(event.SerializeAsString());
  if (s.ok())
    s = writer.flush();
  if (!s.ok()) {
    ::close(writer.fd_);
    writer.fd_ = -1;
    ::unlink(path.c_str());
    return s;
  }
  out = std::move(writer);
  return Status::success();
}

Status EventWriter::queueEvent(const std::string &payload) {
  if (fd_ < 0)
    return Status::error("TensorBoard: the event writer is not open");
  pending_ += encodeTfRecord(payload);
  return Status::success();
}

Status EventWriter::addScalar(const std::string &tag, int64_t step, float value,
                              double wallTime) {
  return addScalars({{tag, value}}, step, wallTime);
}

Status EventWriter::addScalars(
    const std::vector<std::pair<std::string, float>> &values, int64_t step,
    double wallTime) {
  tensorboard::Event event;
  event.set_wall_time(wallTime);
  event.set_step(step);
  tensorboard::Summary *summary = event.mutable_summary();
  for (const auto &[tag, value] : values) {
    tensorboard::Summary::Value *v = summary->add_value();
    v->set_tag(tag);
    v->set_simple_value(value);
  }
  return queueEvent(event.SerializeAsString());
}

Status EventWriter::flush() {
  if (fd_ < 0)
    return Status::error("TensorBoard: the event writer is not open");
  if (pending_.empty())
    return Status::success();
  if (!support::writeAll(fd_, pending_.data(), pending_.size())) {
    int err = errno;
    // What did reach the file is a torn record; later records would follow
    // it unreadably, so stop writing.
    ::close(fd_);
    fd_ = -1;
    pending_.clear();
    return Status::error(path_ + ": write failed: " + errnoText(err));
  }
  pending_.clear();
  return Status::success();
}

Status EventWriter::close() {
  if (fd_ < 0)
    return Status::success();
  Status s = flush();
  if (!s.ok())
    return s;
  int fd = fd_;
  fd_ = -1;
  if (::fsync(fd) != 0 && errno != EINVAL) {
    int err = errno;
    ::close(fd);
    return Status::error(path_ + ": fsync failed: " + errnoText(err));
  }
  if (::close(fd) != 0)
    return Status::error(path_ + ": close failed: " + errnoText(errno));
  return Status::success();
}

} // namespace cherry::runtime
