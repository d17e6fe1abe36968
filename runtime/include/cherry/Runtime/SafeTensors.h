//===- SafeTensors.h - Read and write safetensors files ---------*- C++ -*-===//
//
// Weights live in safetensors files with Hugging Face tensor names
// (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON ({"name": {"dtype", "shape", "data_offsets"},
// "__metadata__": {str: str}}), then the data section. This library maps the
// files into memory and validates every header strictly before any tensor is
// handed out: header length sane, JSON valid, no duplicate names, known
// dtype, shape non-negative, offsets inside the data section, no overlap and
// no hole, byte size equal to the shape times the element size.
//
// Supported element types: F32, BF16, F16. Links no MLIR or LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_SAFETENSORS_H
#define CHERRY_RUNTIME_SAFETENSORS_H

#include "cherry/Runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cherry::runtime {

enum class TensorDType { F32, BF16, F16 };

/// The safetensors spelling: "F32", "BF16", "F16".
const char *tensorDTypeName(TensorDType dtype);
/// Bytes per element: 4, 2, 2.
size_t tensorDTypeSize(TensorDType dtype);
/// Parses a safetensors dtype string; false for anything not supported.
bool parseTensorDType(const std::string &name, TensorDType &dtype);

/// One tensor of an open file: a view into the mapped data section.
struct TensorView {
  std::string name;
  TensorDType dtype = TensorDType::F32;
  std::vector<int64_t> shape;
  const std::byte *data = nullptr;
  size_t nbytes = 0;
  /// The file the tensor came from (a shard, for sharded checkpoints).
  std::string file;

  int64_t numElements() const;
  /// Converts the elements to float32 into `out` (numElements() floats).
  void toFloat32(float *out) const;
};

/// Index of the first NaN or infinity among `n` floats, or -1: weights and
/// optimizer state must be finite to be loaded or saved.
int64_t firstNonFinite(const float *values, size_t n);

/// A set of tensors from one safetensors file or from all shards of a
/// `model.safetensors.index.json`. The files stay mapped while this object
/// lives; it is move-only.
class SafeTensors {
public:
  SafeTensors();
  ~SafeTensors();
  SafeTensors(SafeTensors &&) noexcept;
  SafeTensors &operator=(SafeTensors &&) noexcept;
  SafeTensors(const SafeTensors &) = delete;
  SafeTensors &operator=(const SafeTensors &) = delete;

  /// Opens `path`: a `.safetensors` file, or (any name ending in `.json`) a
  /// `*.index.json` whose "weight_map" names the shard of every tensor
  /// (shards are resolved relative to the index; every tensor of every shard
  /// must be listed, for that shard). Errors are one line naming the file
  /// and, where one is at fault, the tensor. On error `out` is left as it was.
  static Status open(const std::string &path, SafeTensors &out);

  /// Opens the weights of a Hugging Face style model directory:
  /// `model.safetensors`, else `model.safetensors.index.json`. Sets `found`
  /// to false (and returns success) when the directory has neither.
  static Status openModelDir(const std::string &dir, SafeTensors &out,
                             bool &found);

  /// Tensors sorted by name.
  const std::vector<TensorView> &tensors() const { return tensors_; }
  /// The tensor called `name`, or null.
  const TensorView *find(const std::string &name) const;
  /// "__metadata__" of the file (for an index, of the shard whose file name
  /// sorts first).
  const std::map<std::string, std::string> &metadata() const {
    return metadata_;
  }

private:
  struct Mapping;
  std::vector<std::unique_ptr<Mapping>> mappings_;
  std::vector<TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

/// A tensor to write: `data` holds numElements * tensorDTypeSize(dtype)
/// bytes in little-endian order.
struct TensorToWrite {
  std::string name;
  TensorDType dtype = TensorDType::F32;
  std::vector<int64_t> shape;
  const void *data = nullptr;
};

/// Writes a safetensors file atomically (temporary file in the same
/// directory, fsync, rename, fsync of the directory); on failure `path` is
/// left as it was. Tensors are laid out contiguously in name order; the
/// header has "__metadata__" only when `metadata` is non-empty and is padded
/// with spaces to a multiple of 8 bytes. Fails (naming the tensor) on
/// duplicate, empty or reserved ("__metadata__") names, a negative dimension
/// or null data for a non-empty tensor.
Status
writeSafeTensors(const std::string &path,
                 const std::vector<TensorToWrite> &tensors,
                 const std::map<std::string, std::string> &metadata = {});

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_SAFETENSORS_H
