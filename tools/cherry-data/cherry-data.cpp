//===- cherry-data.cpp - Corpus and tokenizer tool ------------------------===//
//
// Turns text into training data; the logic lives in CherryData
// (cherry/Data/Corpus.h).
//
//===----------------------------------------------------------------------===//

#include "cherry/Data/Corpus.h"

int main(int argc, char **argv) {
  return cherry::data::cherryDataMain(argc, argv, CHERRY_VERSION_STRING);
}
