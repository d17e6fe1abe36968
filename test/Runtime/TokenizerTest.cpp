//===- TokenizerTest.cpp - SentencePiece through the shim -----------------===//
//
// Trains a small model, loads it from its bytes and checks the round trip
// and the model's special pieces: the calls cherry-data and cherry-run make.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace cherry::runtime;

namespace {

/// A few thousand words over a small alphabet, the same on every run.
std::vector<std::string> corpus() {
  const char *syllables[] = {"ka", "lo", "mi", "ne", "su", "ta", "ri", "po"};
  std::vector<std::string> lines;
  unsigned state = 7;
  for (int line = 0; line < 200; ++line) {
    std::string text;
    for (int word = 0; word < 12; ++word) {
      if (word)
        text += ' ';
      for (int s = 0; s < 1 + word % 3; ++s) {
        state = state * 1103515245u + 12345u;
        text += syllables[(state >> 16) % 8];
      }
    }
    lines.push_back(text);
  }
  return lines;
}

std::string trainModel() {
  std::vector<std::string> lines = corpus();
  std::vector<std::string_view> sentences(lines.begin(), lines.end());
  std::string model;
  Status s = Tokenizer::train({{"model_type", "bpe"},
                               {"vocab_size", "300"},
                               {"byte_fallback", "true"},
                               {"character_coverage", "1.0"},
                               {"unk_id", "0"},
                               {"bos_id", "1"},
                               {"eos_id", "2"},
                               {"pad_id", "-1"},
                               {"minloglevel", "2"}},
                              /*seed=*/1, sentences, model);
  EXPECT_TRUE(s.ok()) << s.message;
  return model;
}

TEST(TokenizerTest, TrainedModelLoadsAndRoundTrips) {
  Tokenizer tokenizer;
  Status s = tokenizer.loadSerialized(trainModel());
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(tokenizer.pieceSize(), 300);
  EXPECT_EQ(tokenizer.unkId(), 0);
  EXPECT_EQ(tokenizer.bosId(), 1);
  EXPECT_EQ(tokenizer.eosId(), 2);
  EXPECT_EQ(tokenizer.padId(), -1);
  EXPECT_EQ(tokenizer.piece(2), "</s>");

  std::string text = "kalo mine suta";
  std::vector<int32_t> ids;
  ASSERT_TRUE(tokenizer.encode(text, ids).ok());
  EXPECT_FALSE(ids.empty());
  EXPECT_LT(ids.size(), text.size());
  std::string decoded;
  ASSERT_TRUE(tokenizer.decode(ids, decoded).ok());
  EXPECT_EQ(decoded, text);
}

TEST(TokenizerTest, TrainingIsDeterministic) {
  EXPECT_EQ(trainModel(), trainModel());
}

TEST(TokenizerTest, TrainingErrorsComeFromSentencePiece) {
  std::vector<std::string_view> sentences = {"ab"};
  std::string model;
  Status s = Tokenizer::train({{"model_type", "no-such-type"},
                               {"vocab_size", "300"},
                               {"minloglevel", "2"}},
                              /*seed=*/1, sentences, model);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(s.message.empty());
  EXPECT_TRUE(model.empty());
}

TEST(TokenizerTest, BytesThatAreNoModelAreRefused) {
  Tokenizer tokenizer;
  Status s = tokenizer.loadSerialized("not a model");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message.rfind("not a SentencePiece model (", 0), 0u) << s.message;
}

} // namespace
