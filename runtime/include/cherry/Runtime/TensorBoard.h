//===- TensorBoard.h - TensorBoard event files ------------------*- C++ -*-===//
//
// Training scalars (loss, learning rate, gradient norm, tokens/s) as
// TensorBoard event files, written without TensorFlow:
//
//  * The file is `<dir>/events.out.tfevents.<unix seconds>.<hostname>`
//    (TensorBoard reads every file whose name contains "tfevents"; a resumed
//    run adds a new file next to the old ones and TensorBoard merges them).
//  * It is a sequence of TFRecords: uint64 payload length (little-endian),
//    uint32 masked CRC32C of those 8 length bytes, the payload, uint32 masked
//    CRC32C of the payload. CRC32C is the Castagnoli CRC (reflected
//    polynomial 0x82F63B78); masked(crc) = ((crc >> 15) | (crc << 17)) +
//    0xa282ead8, modulo 2^32.
//  * Each payload is a serialized `tensorflow.Event` (the field-compatible
//    subset in runtime/proto/tensorboard.proto). The first record is an Event
//    with file_version "brain.Event:2"; then one Event per logged step whose
//    Summary holds one simple_value per tag.
//
// Records are buffered in memory and reach the file on flush() (one write),
// so a reader never sees half a record unless the process dies mid-write;
// TensorBoard ignores a truncated last record. Links no MLIR or LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_TENSORBOARD_H
#define CHERRY_RUNTIME_TENSORBOARD_H

#include "cherry/Runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cherry::runtime {

/// CRC32C (Castagnoli) of `size` bytes, continuing from `crc` (the CRC of the
/// bytes before, 0 for none): crc32c("123456789") == 0xE3069283.
uint32_t crc32c(const void *data, size_t size, uint32_t crc = 0);

/// TFRecord's masking of a CRC: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
uint32_t maskCrc32c(uint32_t crc);

/// `payload` framed as one TFRecord (length, masked CRC of the length,
/// payload, masked CRC of the payload).
std::string encodeTfRecord(std::string_view payload);

/// The current time as seconds since the Unix epoch, with sub-second
/// precision (what Event.wall_time holds).
double unixTimeSeconds();

/// Writes one TensorBoard event file. Move-only; the destructor flushes what
/// is pending (ignoring errors: call flush() to see them) and closes the file.
class EventWriter {
public:
  EventWriter();
  ~EventWriter();
  EventWriter(EventWriter &&) noexcept;
  EventWriter &operator=(EventWriter &&) noexcept;
  EventWriter(const EventWriter &) = delete;
  EventWriter &operator=(const EventWriter &) = delete;

  /// Creates `dir` if needed and a new event file in it named after the
  /// current time and host, writes the file_version record and flushes it.
  /// Never overwrites: if the name is taken (two writers in one second), a
  /// ".<pid>.<n>" suffix makes it unique. On error (one line naming the
  /// directory or file) `out` is left as it was.
  static Status open(const std::string &dir, EventWriter &out);
  /// As above, with the time used for the file name and the file_version
  /// event given (seconds since the epoch) and the host name given (an
  /// empty one means gethostname()).
  static Status open(const std::string &dir, EventWriter &out, double wallTime,
                     const std::string &hostname);

  /// Queues one Event at `step` with one scalar. Fails only when not open.
  Status addScalar(const std::string &tag, int64_t step, float value,
                   double wallTime);
  /// Queues one Event at `step` holding all of `values` (tag, value).
  Status addScalars(const std::vector<std::pair<std::string, float>> &values,
                    int64_t step, double wallTime);

  /// Writes the queued records to the file (no fsync: the data is visible to
  /// readers at once and survives the process, not a power loss). Call after
  /// each logged step so a running TensorBoard shows it live.
  Status flush();
  /// Flushes, fsyncs and closes the file.
  Status close();

  bool isOpen() const { return fd_ >= 0; }
  /// The event file's path.
  const std::string &path() const { return path_; }

private:
  Status queueEvent(const std::string &payload);

  int fd_ = -1;
  std::string path_;
  std::string pending_;
};

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_TENSORBOARD_H
