//===- FileIOTest.cpp - Complete reads and writes, atomic replacement -----===//

#include "cherry/Support/FileIO.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

using namespace cherry::support;
namespace fs = std::filesystem;

namespace {

class FileIOTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("cherry-fileio-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  std::string path(const std::string &name) const { return dir / name; }

  static std::string contents(const std::string &file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

  size_t entries() const {
    return std::distance(fs::directory_iterator(dir), fs::directory_iterator());
  }

  fs::path dir;
};

TEST_F(FileIOTest, WriteAllAndReadAllRoundTripMoreThanOneBuffer) {
  std::string bytes(200000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<char>(i * 7 + 3);
  int fd = ::open(path("f").c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(writeAll(fd, bytes.data(), bytes.size()));
  ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
  std::string read = "kept:";
  ASSERT_TRUE(readAll(fd, read));
  ::close(fd);
  EXPECT_EQ(read, "kept:" + bytes);
}

TEST_F(FileIOTest, ReadAllOfAWriteOnlyFileFailsWithErrno) {
  int fd = ::open(path("f").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  std::string read;
  errno = 0;
  EXPECT_FALSE(readAll(fd, read));
  EXPECT_EQ(errno, EBADF);
  ::close(fd);
}

TEST_F(FileIOTest, ReplaceWritesTheChunksAndLeavesNoTemporaryFile) {
  std::ofstream(path("f")) << "old";
  std::string a = "hello, ", b = "world";
  EXPECT_FALSE(replaceFileAtomically(
      path("f"), {{a.data(), a.size()}, {b.data(), b.size()}}));
  EXPECT_EQ(contents(path("f")), "hello, world");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(FileIOTest, ReplaceInAMissingDirectoryFailsAtTheTemporaryFile) {
  std::string target = path("missing/f");
  std::optional<FileError> error = replaceFileAtomically(target, {});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->step, FileError::Step::CreateTemporary);
  EXPECT_EQ(error->error, ENOENT);
  EXPECT_EQ(error->file.rfind(target + ".tmp.", 0), 0u) << error->file;
}

TEST_F(FileIOTest, FailedRenameRemovesTheTemporaryAndKeepsTheTarget) {
  fs::create_directories(path("d"));
  std::ofstream(path("d/inside")) << "x";
  std::string bytes = "new";
  std::optional<FileError> error =
      replaceFileAtomically(path("d"), {{bytes.data(), bytes.size()}});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->step, FileError::Step::Rename);
  EXPECT_NE(error->error, 0);
  EXPECT_EQ(entries(), 1u);
  EXPECT_EQ(contents(path("d/inside")), "x");
}

TEST_F(FileIOTest, MoveIntoPlaceReplacesTheTarget) {
  std::ofstream(path("f")) << "old";
  std::ofstream(path("f.new")) << "new";
  EXPECT_FALSE(moveIntoPlace(path("f.new"), path("f")));
  EXPECT_EQ(contents(path("f")), "new");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(FileIOTest, MoveIntoPlaceOfAMissingFileKeepsTheTarget) {
  std::ofstream(path("f")) << "old";
  std::optional<FileError> error = moveIntoPlace(path("f.new"), path("f"));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->step, FileError::Step::Sync);
  EXPECT_EQ(error->error, ENOENT);
  EXPECT_EQ(contents(path("f")), "old");
}

TEST_F(FileIOTest, SyncDirectory) {
  EXPECT_FALSE(syncDirectory(dir));
  std::optional<FileError> error = syncDirectory(path("missing"));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->step, FileError::Step::OpenDirectory);
  EXPECT_EQ(error->error, ENOENT);
  EXPECT_EQ(error->file, path("missing"));
}

} // namespace
