//===- ExecutableTest.cpp - Executable load/verify/save -------------------===//

#include "cherry/Runtime/Executable.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace cherry::runtime;
namespace ex = cherry::executable;

namespace {

/// A well-formed executable: two f32 buffers in a 1 KiB arena, one parameter,
/// one function with one matmul.
ex::Executable makeValid() {
  ex::Executable exe;
  exe.set_version(kExecutableVersion);
  exe.set_arena_size_bytes(1024);
  exe.set_producer("test");
  auto *a = exe.add_buffers();
  a->set_id(0);
  a->set_size_bytes(4 * 8 * 4);
  a->set_alignment(64);
  a->set_arena_offset(0);
  a->set_dtype(ex::F32);
  a->add_shape(8);
  a->add_shape(4);
  auto *b = exe.add_buffers();
  b->set_id(1);
  b->set_size_bytes(256);
  b->set_alignment(64);
  b->set_arena_offset(512);
  auto *p = exe.add_parameters();
  p->set_name("model.norm.weight");
  p->add_shape(8);
  p->add_shape(4);
  p->set_dtype(ex::F32);
  p->set_checkpoint_key("model.norm.weight");
  p->set_buffer(0);
  auto *fn = exe.add_functions();
  fn->set_name("train_step");
  auto *inst = fn->add_instructions();
  inst->set_kernel("matmul");
  auto *in = inst->add_inputs();
  in->set_buffer(0);
  in->set_size_bytes(128);
  auto *out = inst->add_outputs();
  out->set_buffer(1);
  out->set_offset_bytes(128);
  out->set_size_bytes(128);
  return exe;
}

std::string tempPath(const char *name) {
  return (std::filesystem::temp_directory_path() /
          (std::string("cherry_") + std::to_string(::getpid()) + "_" + name))
      .string();
}

TEST(Executable, DTypeSizes) {
  EXPECT_EQ(dtypeSize(ex::F32), 4u);
  EXPECT_EQ(dtypeSize(ex::BF16), 2u);
  EXPECT_EQ(dtypeSize(ex::U16), 2u);
  EXPECT_EQ(dtypeSize(ex::I64), 8u);
  EXPECT_EQ(dtypeSize(ex::DTYPE_UNSPECIFIED), 0u);
}

TEST(Executable, ValidOneVerifies) {
  Status s = verifyExecutable(makeValid());
  EXPECT_TRUE(s.ok()) << s.message;
}

TEST(Executable, FindsFunctionsAndBindingsByRole) {
  ex::Executable exe = makeValid();
  ex::Function *fn = exe.mutable_functions(0);
  fn->set_role(ex::TRAIN_STEP);
  auto *grad = fn->add_outputs();
  grad->set_name("g");
  grad->set_buffer(1);
  grad->set_role(ex::GRADIENT);
  grad->set_parameter("model.norm.weight");
  ASSERT_TRUE(verifyExecutable(exe).ok()) << verifyExecutable(exe).message;
  EXPECT_EQ(findFunction(exe, ex::TRAIN_STEP), 0);
  EXPECT_EQ(findFunction(exe, ex::EVAL_STEP), -1);
  EXPECT_EQ(findBinding(exe.functions(0), ex::GRADIENT), &fn->outputs(0));
  EXPECT_EQ(findBinding(exe.functions(0), ex::LOSS), nullptr);
}

TEST(Executable, RejectsGradientOfUnknownParameter) {
  ex::Executable exe = makeValid();
  auto *grad = exe.mutable_functions(0)->add_outputs();
  grad->set_name("grad.x");
  grad->set_buffer(1);
  grad->set_role(ex::GRADIENT);
  grad->set_parameter("x");
  EXPECT_EQ(verifyExecutable(exe).message,
            "function 'train_step' output 'grad.x' is the gradient of unknown "
            "parameter 'x'");
  grad->set_parameter("");
  EXPECT_EQ(verifyExecutable(exe).message,
            "function 'train_step' output 'grad.x' is a gradient of no "
            "parameter");
}

TEST(Executable, MultiTokenHeadOutputsNameTheirHead) {
  ex::Executable exe = makeValid();
  auto *head = exe.mutable_functions(0)->add_outputs();
  head->set_name("mtp_loss.1");
  head->set_buffer(1);
  head->set_role(ex::MTP_LOSS);
  head->set_head(1);
  EXPECT_TRUE(verifyExecutable(exe).ok()) << verifyExecutable(exe).message;
  head->set_head(0);
  EXPECT_EQ(verifyExecutable(exe).message,
            "function 'train_step' output 'mtp_loss.1' is a multi-token "
            "head's output with head 0, expected >= 1");
  head->set_role(ex::LOSS);
  head->set_head(2);
  EXPECT_EQ(verifyExecutable(exe).message,
            "function 'train_step' output 'mtp_loss.1' names a multi-token "
            "head but is no head's output");
}

TEST(Executable, RejectsTwoFunctionsWithOneRole) {
  ex::Executable exe = makeValid();
  exe.mutable_functions(0)->set_role(ex::EVAL_STEP);
  ex::Function *second = exe.add_functions();
  second->set_name("eval_again");
  second->set_role(ex::EVAL_STEP);
  EXPECT_EQ(verifyExecutable(exe).message,
            "functions 'train_step' and 'eval_again' both have role EVAL_STEP");
}

TEST(Executable, RejectsParametersSharingABuffer) {
  ex::Executable exe = makeValid();
  ex::Parameter *second = exe.add_parameters();
  *second = exe.parameters(0);
  second->set_name("model.other.weight");
  second->set_checkpoint_key("model.other.weight");
  EXPECT_EQ(verifyExecutable(exe).message,
            "parameter 'model.other.weight' shares buffer 0 with parameter "
            "'model.norm.weight'");
}

TEST(Executable, RejectsDuplicateCheckpointKeys) {
  ex::Executable exe = makeValid();
  ex::Buffer *buffer = exe.add_buffers();
  *buffer = exe.buffers(0);
  buffer->set_id(2);
  buffer->set_arena_offset(256);
  ex::Parameter *second = exe.add_parameters();
  *second = exe.parameters(0);
  second->set_name("model.other.weight");
  second->set_buffer(2);
  EXPECT_EQ(verifyExecutable(exe).message,
            "parameter 'model.other.weight' has checkpoint_key "
            "'model.norm.weight', as parameter 'model.norm.weight' does");
}

TEST(Executable, RejectsShapesWhoseSizeWraps) {
  ex::Executable exe = makeValid();
  ex::Buffer *b = exe.mutable_buffers(0);
  b->clear_shape();
  b->add_shape(int64_t(1) << 62);
  b->add_shape(256);
  EXPECT_EQ(verifyExecutable(exe).message,
            "buffer 0 has more elements than 2^64");
}

TEST(Executable, RejectsUnknownDeviceAndUnwrittenOutputs) {
  ex::Executable exe = makeValid();
  exe.mutable_functions(0)->mutable_instructions(0)->set_device(
      static_cast<ex::Device>(7));
  EXPECT_EQ(verifyExecutable(exe).message,
            "function 'train_step' instruction 0 (matmul) has unknown device "
            "7");
  exe = makeValid();
  auto *loss = exe.mutable_functions(0)->add_outputs();
  loss->set_name("loss");
  loss->set_buffer(0);
  EXPECT_EQ(verifyExecutable(exe).message,
            "function 'train_step' output 'loss' is written by no "
            "instruction");
}

TEST(Executable, LoaderRefusesWhatIsNoRegularFile) {
  const std::string dir = tempPath("dir");
  std::filesystem::create_directory(dir);
  ex::Executable exe;
  EXPECT_EQ(loadExecutable(dir, exe).message,
            dir + ": not a regular file (an executable is a file written by "
                  "cherry-translate)");
  EXPECT_EQ(loadExecutable("/dev/zero", exe).message,
            "/dev/zero: not a regular file (an executable is a file written "
            "by cherry-translate)");
  const std::string empty = dir + "/empty.cherry";
  std::ofstream(empty).close();
  EXPECT_EQ(loadExecutable(empty, exe).message,
            empty + ": the file is empty, not a CHERRY executable");
  std::filesystem::remove_all(dir);
}

TEST(Executable, RejectsOtherVersion) {
  ex::Executable exe = makeValid();
  exe.set_version(kExecutableVersion + 1);
  EXPECT_EQ(verifyExecutable(exe).message,
            "executable version 4 is not supported (this runtime reads "
            "version 3; compile it again with cherry-translate "
            "--emit-executable)");
}

TEST(Executable, RejectsBufferOutsideArena) {
  ex::Executable exe = makeValid();
  exe.mutable_buffers(1)->set_arena_offset(832); // 832 + 256 > 1024
  EXPECT_EQ(verifyExecutable(exe).message,
            "buffer 1 [832, +256) exceeds the arena of 1024 bytes");
}

TEST(Executable, RejectsMisalignedBuffer) {
  ex::Executable exe = makeValid();
  exe.mutable_buffers(1)->set_arena_offset(500);
  EXPECT_EQ(verifyExecutable(exe).message,
            "buffer 1 at arena offset 500 is not aligned to 64");
}

TEST(Executable, RejectsSliceOutsideBuffer) {
  ex::Executable exe = makeValid();
  // 128 + 129 > 256 bytes of buffer 1.
  exe.mutable_functions(0)
      ->mutable_instructions(0)
      ->mutable_outputs(0)
      ->set_size_bytes(129);
  EXPECT_EQ(verifyExecutable(exe).message,
            "function 'train_step' instruction 0 (matmul) output operand 0 "
            "slice [128, +129) exceeds buffer 1 of 256 bytes");
}

TEST(Executable, RejectsParameterLargerThanItsBuffer) {
  ex::Executable exe = makeValid();
  exe.mutable_parameters(0)->set_dtype(ex::I64); // 32 * 8 = 256 > 128
  EXPECT_EQ(verifyExecutable(exe).message,
            "parameter 'model.norm.weight' needs 256 bytes but buffer 0 has "
            "128");
}

TEST(Executable, RejectsUndefinedBufferAndDuplicates) {
  ex::Executable exe = makeValid();
  exe.mutable_parameters(0)->set_buffer(7);
  EXPECT_EQ(verifyExecutable(exe).message,
            "parameter 'model.norm.weight' names undefined buffer 7");
  exe = makeValid();
  *exe.add_functions() = exe.functions(0);
  EXPECT_EQ(verifyExecutable(exe).message,
            "function 'train_step' is defined twice");
}

TEST(Executable, SaveLoadRoundTripIsExact) {
  ex::Executable exe = makeValid();
  std::string path = tempPath("roundtrip.cherry");
  ASSERT_TRUE(saveExecutable(exe, path).ok());
  ex::Executable loaded;
  Status s = loadExecutable(path, loaded);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(loaded.SerializeAsString(), exe.SerializeAsString());
  // No temporary file is left next to the output.
  for (const auto &entry : std::filesystem::directory_iterator(
           std::filesystem::path(path).parent_path()))
    EXPECT_EQ(entry.path().string().find(path + ".tmp"), std::string::npos);
  std::remove(path.c_str());
}

TEST(Executable, TruncatedFileIsRejectedWithItsName) {
  std::string path = tempPath("truncated.cherry");
  std::string bytes = makeValid().SerializeAsString();
  {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  ex::Executable loaded;
  Status s = loadExecutable(path, loaded);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message.rfind(path + ": ", 0), 0u) << s.message;
  std::remove(path.c_str());
}

TEST(Executable, MissingFileNamesThePath) {
  ex::Executable loaded;
  Status s = loadExecutable("/nonexistent/dir/model.cherry", loaded);
  EXPECT_EQ(s.message,
            "/nonexistent/dir/model.cherry: cannot open: No such file or "
            "directory");
}

TEST(Executable, SaveIntoMissingDirectoryFailsCleanly) {
  Status s = saveExecutable(makeValid(), "/nonexistent/dir/model.cherry");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message.find("cannot create"), std::string::npos) << s.message;
}

} // namespace

TEST(ExecutableFile, Crc32IsTheIeeeChecksum) {
  // The standard check value of CRC-32/ISO-HDLC (zlib.crc32).
  EXPECT_EQ(crc32("123456789", 9), 0xCBF43926u);
  EXPECT_EQ(crc32("", 0), 0u);
}

TEST(ExecutableFile, EveryFlippedBitIsDetected) {
  std::string payload;
  ASSERT_TRUE(makeValid().SerializeToString(&payload));
  const std::string file = encodeExecutableFile(payload);
  ASSERT_EQ(file.size(), kExecutableHeaderBytes + payload.size());
  std::string decoded;
  ASSERT_TRUE(decodeExecutableFile(file, decoded).ok());
  EXPECT_EQ(decoded, payload);
  // A CRC detects every single-bit error; the header's bits are checked by
  // the magic and the length.
  for (size_t bit = 0; bit < file.size() * 8; ++bit) {
    std::string bad = file;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_FALSE(decodeExecutableFile(bad, decoded).ok()) << "bit " << bit;
  }
  EXPECT_EQ(
      decodeExecutableFile(file.substr(0, file.size() - 1), decoded).message,
      "the header says " + std::to_string(payload.size()) +
          " bytes of executable, the file holds " +
          std::to_string(payload.size() - 1) + " (truncated)");
  EXPECT_EQ(decodeExecutableFile(payload, decoded).message,
            "not a CHERRY executable (no CHERRYX1 header; compile it with "
            "cherry-translate --emit-executable)");
}

/// makeValid() plus a loop of 2 trips after the matmul: its body adds
/// buffer 0's first 32 floats to slot 0 (read) into slot 1 (written); trip
/// 0 binds buffer 1's halves [0, 128) -> [128, 256), trip 1 the reverse.
ex::Executable makeLoop() {
  ex::Executable exe = makeValid();
  ex::Loop *loop = exe.mutable_functions(0)->add_instructions()->mutable_loop();
  loop->set_trips(2);
  loop->set_num_slots(2);
  for (uint64_t offset : {0, 128, 128, 0}) {
    ex::BufferSlice *s = loop->add_slots();
    s->set_buffer(1);
    s->set_offset_bytes(offset);
    s->set_size_bytes(128);
  }
  ex::Instruction *add = loop->add_body();
  add->set_kernel("add");
  add->add_inputs()->set_slot(1);
  ex::BufferSlice *w = add->add_inputs();
  w->set_buffer(0);
  w->set_size_bytes(128);
  add->add_outputs()->set_slot(2);
  return exe;
}

TEST(Executable, LoopVerifies) {
  Status s = verifyExecutable(makeLoop());
  EXPECT_TRUE(s.ok()) << s.message;
}

TEST(Executable, RejectsBadLoops) {
  const std::string at = "function 'train_step' instruction 1 (loop)";
  auto loopOf = [](ex::Executable &exe) {
    return exe.mutable_functions(0)->mutable_instructions(1)->mutable_loop();
  };
  ex::Executable exe = makeLoop();
  loopOf(exe)->set_trips(0);
  EXPECT_EQ(verifyExecutable(exe).message,
            at + " has trip count 0, expected at least 1");
  exe = makeLoop();
  loopOf(exe)->set_trips(4000000000u);
  loopOf(exe)->set_num_slots(0);
  loopOf(exe)->clear_slots();
  loopOf(exe)->mutable_body(0)->mutable_inputs(0)->set_slot(0);
  EXPECT_EQ(verifyExecutable(exe).message,
            at + " runs 4000000000 trips of 1 kernel calls, more than the "
                 "limit of 16777216");
  exe = makeLoop();
  loopOf(exe)->set_trips(3);
  EXPECT_EQ(verifyExecutable(exe).message,
            at + " has 4 slot slices, expected trips * num_slots = 3 * 2");
  exe = makeLoop();
  loopOf(exe)->mutable_slots(2)->set_offset_bytes(200);
  EXPECT_EQ(verifyExecutable(exe).message,
            at + " iteration 1 slot operand 0 slice [200, +128) exceeds "
                 "buffer 1 of 256 bytes");
  exe = makeLoop();
  loopOf(exe)->mutable_slots(3)->set_buffer(7);
  EXPECT_EQ(verifyExecutable(exe).message,
            at + " iteration 1 slot operand 1 names undefined buffer 7");
  exe = makeLoop();
  loopOf(exe)->mutable_slots(3)->set_slot(1);
  EXPECT_EQ(verifyExecutable(exe).message,
            at + " iteration 1 binds a slot to another slot");
  exe = makeLoop();
  loopOf(exe)->mutable_body(0)->mutable_outputs(0)->set_slot(3);
  EXPECT_EQ(verifyExecutable(exe).message,
            at + " body instruction 0 (add) output operand 0 names slot 2, "
                 "but the loop has 2 slots");
  exe = makeLoop();
  loopOf(exe)->mutable_body(0)->mutable_inputs(0)->set_buffer(1);
  EXPECT_EQ(verifyExecutable(exe).message,
            at + " body instruction 0 (add) input operand 0 names slot 0 and "
                 "a buffer slice");
  exe = makeLoop();
  loopOf(exe)->clear_body();
  EXPECT_EQ(verifyExecutable(exe).message, at + " has an empty body");
  exe = makeLoop();
  *loopOf(exe)->add_body()->mutable_loop() =
      makeLoop().functions(0).instructions(1).loop();
  EXPECT_EQ(verifyExecutable(exe).message,
            at + " body instruction 1 is a loop (loops do not nest)");
  exe = makeLoop();
  exe.mutable_functions(0)->mutable_instructions(1)->set_kernel("add");
  EXPECT_EQ(verifyExecutable(exe).message,
            at + " has a kernel, operands, attributes or a device of its own "
                 "(a loop has only a body)");
  exe = makeLoop();
  exe.mutable_functions(0)
      ->mutable_instructions(0)
      ->mutable_inputs(0)
      ->set_slot(1);
  exe.mutable_functions(0)
      ->mutable_instructions(0)
      ->mutable_inputs(0)
      ->clear_buffer();
  EXPECT_EQ(verifyExecutable(exe).message,
            "function 'train_step' instruction 0 (matmul) input operand 0 "
            "names slot 0 outside a loop body");
}

/// An output only a loop writes, through a slot, counts as written.
TEST(Executable, LoopSlotOutputsAreWritten) {
  ex::Executable exe = makeLoop();
  exe.mutable_functions(0)->mutable_instructions()->DeleteSubrange(0, 1);
  auto *out = exe.mutable_functions(0)->add_outputs();
  out->set_name("y");
  out->set_buffer(1);
  Status s = verifyExecutable(exe);
  EXPECT_TRUE(s.ok()) << s.message;
}
