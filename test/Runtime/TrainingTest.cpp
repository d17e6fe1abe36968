//===- TrainingTest.cpp - Schedules, metrics, checkpoints -----------------===//
//
// Learning rates against their closed forms, metrics output byte for byte,
// and checkpoints: round trip, the `latest` pointer, crashes (a forked child
// that dies at each stage of a save), pruning, and the pre-flight checks.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Training.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace cherry::runtime;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const double kPi = std::acos(-1.0);

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeFile(const std::string &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::string> listDir(const std::string &dir) {
  std::vector<std::string> names;
  for (const auto &e : fs::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void expectOneLineError(const Status &s,
                        std::initializer_list<std::string> needles) {
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message.find('\n'), std::string::npos) << s.message;
  for (const std::string &n : needles)
    EXPECT_NE(s.message.find(n), std::string::npos)
        << "'" << n << "' not in: " << s.message;
}

//===----------------------------------------------------------------------===//
// Learning-rate schedules
//===----------------------------------------------------------------------===//

TEST(TrainingLr, CosineMatchesClosedForm) {
  LrSchedule s;
  s.kind = LrScheduleKind::Cosine;
  s.lr = 1e-3;
  s.minLr = 1e-4;
  s.warmupSteps = 10;
  s.totalSteps = 111; // decay over steps 10 .. 110: 100 intervals
  ASSERT_TRUE(validateLrSchedule(s).ok());
  // Warmup: lr * s / W, from 0.
  EXPECT_DOUBLE_EQ(s.at(0), 0.0);
  EXPECT_DOUBLE_EQ(s.at(1), 1e-4);
  EXPECT_DOUBLE_EQ(s.at(5), 5e-4);
  EXPECT_DOUBLE_EQ(s.at(9), 9e-4);
  // Peak at the end of warmup.
  EXPECT_DOUBLE_EQ(s.at(10), 1e-3);
  // A quarter of the way: min + (lr - min) * (1 + cos(pi/4)) / 2.
  EXPECT_NEAR(s.at(35), 1e-4 + 9e-4 * (1 + std::cos(kPi / 4)) / 2, 1e-15);
  // Midpoint: (lr + min) / 2.
  EXPECT_NEAR(s.at(60), 5.5e-4, 1e-15);
  // Last step: exactly the floor; past it, still the floor.
  EXPECT_DOUBLE_EQ(s.at(110), 1e-4);
  EXPECT_DOUBLE_EQ(s.at(500), 1e-4);
  EXPECT_DOUBLE_EQ(s.at(-3), 0.0);
  // Shape: rising in warmup, never rising after.
  for (int64_t i = 1; i < 10; ++i)
    EXPECT_GT(s.at(i), s.at(i - 1));
  for (int64_t i = 11; i <= 110; ++i)
    EXPECT_LE(s.at(i), s.at(i - 1));
}

TEST(TrainingLr, CosineWithoutWarmupOrFloor) {
  LrSchedule s;
  s.kind = LrScheduleKind::Cosine;
  s.lr = 2.0;
  s.minLr = 0;
  s.warmupSteps = 0;
  s.totalSteps = 5; // p = 0, 1/4, 1/2, 3/4, 1
  ASSERT_TRUE(validateLrSchedule(s).ok());
  EXPECT_DOUBLE_EQ(s.at(0), 2.0);
  EXPECT_NEAR(s.at(1), 1 + std::cos(kPi / 4), 1e-15);
  EXPECT_NEAR(s.at(2), 1.0, 1e-15);
  EXPECT_NEAR(s.at(3), 1 + std::cos(3 * kPi / 4), 1e-15);
  EXPECT_NEAR(s.at(4), 0.0, 1e-15);
  // A single step, or warmup up to the last step: the peak, no decay.
  s.totalSteps = 1;
  EXPECT_DOUBLE_EQ(s.at(0), 2.0);
  s.totalSteps = 4;
  s.warmupSteps = 3;
  EXPECT_DOUBLE_EQ(s.at(2), 2.0 * 2 / 3);
  EXPECT_DOUBLE_EQ(s.at(3), 2.0);
}

TEST(TrainingLr, ConstantWithWarmup) {
  LrSchedule s;
  s.kind = LrScheduleKind::Constant;
  s.lr = 3e-4;
  s.warmupSteps = 4;
  s.totalSteps = 100;
  EXPECT_DOUBLE_EQ(s.at(0), 0.0);
  EXPECT_DOUBLE_EQ(s.at(2), 1.5e-4);
  EXPECT_DOUBLE_EQ(s.at(4), 3e-4);
  EXPECT_DOUBLE_EQ(s.at(99), 3e-4);
  s.warmupSteps = 0;
  EXPECT_DOUBLE_EQ(s.at(0), 3e-4);
}

TEST(TrainingLr, ParsesFlags) {
  LrSchedule s;
  ASSERT_TRUE(parseLrSchedule("cosine", "6e-4", "6e-5", "20", 1000, s).ok());
  EXPECT_EQ(s.kind, LrScheduleKind::Cosine);
  EXPECT_DOUBLE_EQ(s.lr, 6e-4);
  EXPECT_DOUBLE_EQ(s.minLr, 6e-5);
  EXPECT_EQ(s.warmupSteps, 20);
  EXPECT_EQ(s.totalSteps, 1000);
  EXPECT_STREQ(lrScheduleKindName(s.kind), "cosine");
  ASSERT_TRUE(parseLrSchedule("constant", "0.001", "0", "0", 1, s).ok());
  EXPECT_EQ(s.kind, LrScheduleKind::Constant);
  EXPECT_STREQ(lrScheduleKindName(s.kind), "constant");
}

TEST(TrainingLr, FlagErrorsNameTheFlag) {
  LrSchedule s;
  s.lr = 42;
  auto bad = [&](const char *kind, const char *lr, const char *minLr,
                 const char *warmup, int64_t steps,
                 std::initializer_list<std::string> needles) {
    Status st = parseLrSchedule(kind, lr, minLr, warmup, steps, s);
    expectOneLineError(st, needles);
    EXPECT_EQ(s.lr, 42) << "output changed on error";
  };
  bad("linear", "1e-3", "0", "0", 10, {"--lr-schedule", "'linear'", "cosine"});
  bad("cosine", "abc", "0", "0", 10, {"--lr", "'abc'"});
  bad("cosine", "1e-3x", "0", "0", 10, {"--lr", "'1e-3x'"});
  bad("cosine", "", "0", "0", 10, {"--lr"});
  bad("cosine", "nan", "0", "0", 10, {"--lr", "'nan'"});
  bad("cosine", "inf", "0", "0", 10, {"--lr", "'inf'"});
  bad("cosine", "-1e-3", "0", "0", 10, {"--lr", "positive"});
  bad("cosine", "0", "0", "0", 10, {"--lr", "positive"});
  bad("cosine", "1e-3", "-1", "0", 10, {"--min-lr", "non-negative"});
  bad("cosine", "1e-3", "2e-3", "0", 10, {"--min-lr", "--lr"});
  bad("cosine", "1e-3", "x", "0", 10, {"--min-lr", "'x'"});
  bad("cosine", "1e-3", "0", "-1", 10, {"--warmup", "'-1'"});
  bad("cosine", "1e-3", "0", "1.5", 10, {"--warmup", "'1.5'"});
  bad("cosine", "1e-3", "0", "10", 10, {"--warmup", "--steps"});
  bad("constant", "1e-3", "0", "0", 0, {"--steps"});
}

//===----------------------------------------------------------------------===//
// Metrics
//===----------------------------------------------------------------------===//

StepMetrics sampleMetrics() {
  StepMetrics m;
  m.step = 10;
  m.totalSteps = 200;
  m.loss = 5.12341;
  m.lr = 3e-4;
  m.gradNorm = 1.2345;
  m.tokensPerSecond = 12345.4;
  m.tokens = 40960;
  m.elapsedSeconds = 3.5;
  m.wallTime = 1700000000.25;
  return m;
}

TEST(TrainingMetrics, Formatting) {
  EXPECT_EQ(formatLr(3e-4), "3.0e-4");
  EXPECT_EQ(formatLr(1e-3), "1.0e-3");
  EXPECT_EQ(formatLr(6e-5), "6.0e-5");
  EXPECT_EQ(formatLr(0.5), "5.0e-1");
  EXPECT_EQ(formatLr(12), "1.2e1");
  EXPECT_EQ(formatLr(1), "1.0e0");
  EXPECT_EQ(formatLr(0), "0");
  EXPECT_EQ(formatDuration(0), "0:00");
  EXPECT_EQ(formatDuration(83.4), "1:23");
  EXPECT_EQ(formatDuration(3723), "1:02:03");
  EXPECT_EQ(formatDuration(-1), "--");
  EXPECT_EQ(formatDuration(std::nan("")), "--");

  StepMetrics m = sampleMetrics();
  EXPECT_EQ(formatStepLine(m),
            "step 10/200  loss 5.1234  lr 3.0e-4  grad_norm 1.23  12345 tok/s");
  m.gradNorm = std::nan("");
  m.totalSteps = 0;
  m.tokensPerSecond = std::nan("");
  EXPECT_EQ(formatStepLine(m), "step 10  loss 5.1234  lr 3.0e-4");
}

TEST(TrainingMetrics, ProgressLineFitsTheWidth) {
  StepMetrics m = sampleMetrics();
  std::string wide = formatProgressLine(m, 95.0, 120);
  EXPECT_EQ(wide.rfind("[", 0), 0u) << wide;
  EXPECT_NE(wide.find("10/200"), std::string::npos) << wide;
  EXPECT_NE(wide.find("loss 5.1234"), std::string::npos) << wide;
  EXPECT_NE(wide.find("12345 tok/s"), std::string::npos) << wide;
  EXPECT_NE(wide.find("ETA 1:35"), std::string::npos) << wide;
  EXPECT_LE(wide.size(), 119u);
  // 10 of 200 steps: 5% of the bar.
  size_t close = wide.find(']');
  ASSERT_NE(close, std::string::npos);
  std::string bar = wide.substr(1, close - 1);
  EXPECT_EQ(std::count(bar.begin(), bar.end(), '#'),
            static_cast<long>(bar.size() / 20));
  for (int width : {80, 60, 40, 20}) {
    std::string line = formatProgressLine(m, 95.0, width);
    EXPECT_LE(line.size(), static_cast<size_t>(width - 1)) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos);
  }
  EXPECT_NE(formatProgressLine(m, std::nan(""), 120).find("ETA --"),
            std::string::npos);
}

TEST(TrainingMetrics, JsonLine) {
  StepMetrics m = sampleMetrics();
  m.extra = {{"eval_loss", 4.5}, {"bad", std::nan("")}};
  std::string line = metricsJson(m);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  json j = json::parse(line);
  EXPECT_EQ(j["step"], 10);
  EXPECT_EQ(j["total_steps"], 200);
  EXPECT_DOUBLE_EQ(j["loss"].get<double>(), 5.12341);
  EXPECT_DOUBLE_EQ(j["lr"].get<double>(), 3e-4);
  EXPECT_DOUBLE_EQ(j["grad_norm"].get<double>(), 1.2345);
  EXPECT_DOUBLE_EQ(j["tokens_per_second"].get<double>(), 12345.4);
  EXPECT_EQ(j["tokens"], 40960);
  EXPECT_DOUBLE_EQ(j["elapsed_s"].get<double>(), 3.5);
  EXPECT_DOUBLE_EQ(j["time"].get<double>(), 1700000000.25);
  EXPECT_DOUBLE_EQ(j["eval_loss"].get<double>(), 4.5);
  EXPECT_TRUE(j["bad"].is_null());
  m.loss = std::numeric_limits<double>::infinity();
  m.totalSteps = 0;
  j = json::parse(metricsJson(m));
  EXPECT_TRUE(j["loss"].is_null());
  EXPECT_FALSE(j.contains("total_steps"));
}

class TrainingDirTest : public ::testing::Test {
protected:
  void SetUp() override {
    const char *base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base && *base ? base : "/tmp") + "/cherry-train-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir, ec);
  }
  std::string dir;
};

std::vector<json> readJsonLines(const std::string &path) {
  std::vector<json> out;
  std::string text = readFile(path);
  EXPECT_TRUE(text.empty() || text.back() == '\n');
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    out.push_back(json::parse(line));
  return out;
}

TEST_F(TrainingDirTest, MetricsWriterAppendsLines) {
  std::string path = dir + "/metrics.jsonl";
  {
    MetricsWriter w;
    ASSERT_TRUE(MetricsWriter::open(path, w).ok());
    EXPECT_EQ(w.path(), path);
    StepMetrics m = sampleMetrics();
    for (int s = 1; s <= 3; ++s) {
      m.step = s;
      ASSERT_TRUE(w.append(m).ok());
      // Each line is in the file as soon as append returns.
      EXPECT_EQ(readJsonLines(path).size(), static_cast<size_t>(s));
    }
    ASSERT_TRUE(w.appendJson("{\n  \"event\": \"done\"\n}").ok());
    expectOneLineError(w.appendJson("[1, 2]"), {path, "JSON object"});
    expectOneLineError(w.appendJson("{oops"), {path, "JSON"});
  }
  // Reopening appends.
  MetricsWriter w;
  ASSERT_TRUE(MetricsWriter::open(path, w).ok());
  StepMetrics m = sampleMetrics();
  m.step = 4;
  ASSERT_TRUE(w.append(m).ok());
  auto lines = readJsonLines(path);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["step"], 1);
  EXPECT_EQ(lines[2]["step"], 3);
  EXPECT_EQ(lines[3]["event"], "done");
  EXPECT_EQ(lines[4]["step"], 4);
}

TEST_F(TrainingDirTest, MetricsWriterCutsATornLastLine) {
  std::string path = dir + "/metrics.jsonl";
  writeFile(path, "{\"step\": 1}\n{\"step\": 2, \"lo");
  MetricsWriter w;
  ASSERT_TRUE(MetricsWriter::open(path, w).ok());
  StepMetrics m = sampleMetrics();
  m.step = 2;
  ASSERT_TRUE(w.append(m).ok());
  auto lines = readJsonLines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["step"], 1);
  EXPECT_EQ(lines[1]["step"], 2);
  // Torn lines longer than the reader's 4 KiB chunks, and a newline that
  // ends a chunk exactly.
  for (size_t tail :
       {size_t(10000), size_t(4096), size_t(4095), size_t(8192)}) {
    SCOPED_TRACE(tail);
    std::string head = "{\"step\": 1}\n";
    writeFile(path, head + std::string(tail, 'x'));
    MetricsWriter torn;
    ASSERT_TRUE(MetricsWriter::open(path, torn).ok());
    EXPECT_EQ(readFile(path), head);
  }
  // A torn first line leaves an empty file.
  writeFile(path, "{\"st");
  MetricsWriter w2;
  ASSERT_TRUE(MetricsWriter::open(path, w2).ok());
  EXPECT_EQ(readFile(path), "");
}

TEST_F(TrainingDirTest, MetricsWriterErrors) {
  MetricsWriter w;
  expectOneLineError(MetricsWriter::open(dir, w), {dir});
  expectOneLineError(MetricsWriter::open(dir + "/no/such/m.jsonl", w),
                     {dir + "/no/such/m.jsonl"});
  EXPECT_FALSE(w.append(sampleMetrics()).ok());
}

std::string consoleOutput(ConsoleReporter::Style style,
                          const std::vector<StepMetrics> &steps,
                          const std::string &noteText = "") {
  std::FILE *f = std::tmpfile();
  EXPECT_NE(f, nullptr);
  {
    ConsoleReporter r(f, style, 100);
    for (size_t i = 0; i < steps.size(); ++i) {
      r.report(steps[i]);
      if (i == 0 && !noteText.empty())
        r.note(noteText);
    }
  }
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
    out.append(buf, n);
  std::fclose(f);
  return out;
}

std::vector<StepMetrics> stepsAt(std::initializer_list<double> elapsed,
                                 int64_t total) {
  std::vector<StepMetrics> out;
  int64_t step = 0;
  for (double e : elapsed) {
    StepMetrics m = sampleMetrics();
    m.step = ++step;
    m.totalSteps = total;
    m.elapsedSeconds = e;
    out.push_back(m);
  }
  return out;
}

TEST(TrainingConsole, PlainLinesWhenNotATerminal) {
  auto steps = stepsAt({1, 2, 3}, 3);
  std::FILE *f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ConsoleReporter r(f); // Auto: a file is not a terminal
    EXPECT_FALSE(r.usesProgressBar());
  }
  std::fclose(f);
  std::string out = consoleOutput(ConsoleReporter::Style::Lines, steps);
  EXPECT_EQ(out,
            "step 1/3  loss 5.1234  lr 3.0e-4  grad_norm 1.23  12345 tok/s\n"
            "step 2/3  loss 5.1234  lr 3.0e-4  grad_norm 1.23  12345 tok/s\n"
            "step 3/3  loss 5.1234  lr 3.0e-4  grad_norm 1.23  12345 tok/s\n");
}

TEST(TrainingConsole, ProgressBarRedrawsOneLine) {
  // Steps 1 s apart: every one is drawn; ETA from the first report on.
  auto steps = stepsAt({1, 2, 3, 4}, 4);
  std::string out = consoleOutput(ConsoleReporter::Style::ProgressBar, steps);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\r'), 4);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1); // from finish()
  EXPECT_EQ(out.back(), '\n');
  EXPECT_NE(out.find("ETA --"), std::string::npos);
  EXPECT_NE(out.find("2/4"), std::string::npos);
  EXPECT_NE(out.find("ETA 0:02"), std::string::npos) << out; // after step 2
  EXPECT_NE(out.find("ETA 0:00"), std::string::npos) << out; // after step 4
  EXPECT_NE(out.find("\x1b[K"), std::string::npos);
}

TEST(TrainingConsole, ProgressBarThrottlesButDrawsTheLastStep) {
  auto steps = stepsAt({0.0, 0.01, 0.02, 0.03}, 4);
  std::string out = consoleOutput(ConsoleReporter::Style::ProgressBar, steps);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\r'), 2) << out;
  EXPECT_NE(out.find("4/4"), std::string::npos);
}

TEST(TrainingConsole, NotePrintsAboveTheBar) {
  auto steps = stepsAt({1, 2}, 2);
  std::string out =
      consoleOutput(ConsoleReporter::Style::ProgressBar, steps, "saved ckpt");
  // bar, cleared, note line, bar again, final newline.
  size_t note = out.find("\r\x1b[Ksaved ckpt\n");
  ASSERT_NE(note, std::string::npos) << out;
  EXPECT_NE(out.find("2/2", note), std::string::npos);
  EXPECT_EQ(out.back(), '\n');
}

TEST(TrainingMetrics, Medians) {
  EXPECT_TRUE(std::isnan(median({})));
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(median({7}), 7);
  // The first step (warm-up) is left out by default.
  EXPECT_DOUBLE_EQ(medianTokensPerSecond({100, 1000, 3000, 2000}), 2000);
  EXPECT_DOUBLE_EQ(medianTokensPerSecond({100, 1000, 3000, 2000}, 0), 1500);
  EXPECT_DOUBLE_EQ(medianTokensPerSecond({100}), 100);
  EXPECT_DOUBLE_EQ(medianTokensPerSecond({100, 200}, 5), 200);
  EXPECT_TRUE(std::isnan(medianTokensPerSecond({})));
}

//===----------------------------------------------------------------------===//
// Checkpoints
//===----------------------------------------------------------------------===//

/// Tensors whose contents depend on `seed`, so checkpoints can be told apart.
struct Tensors {
  std::vector<float> embed, norm, m, v;
  std::vector<TensorToWrite> model, optimizer;

  explicit Tensors(float seed) {
    for (int i = 0; i < 4 * 3; ++i)
      embed.push_back(seed + 0.25f * i);
    for (int i = 0; i < 3; ++i)
      norm.push_back(seed * 2 + i);
    for (int i = 0; i < 4 * 3; ++i) {
      m.push_back(-seed - i);
      v.push_back(seed * 0.5f + i);
    }
    model = {
        {"model.embed_tokens.weight", TensorDType::F32, {4, 3}, embed.data()},
        {"model.norm.weight", TensorDType::F32, {3}, norm.data()}};
    optimizer = {{"model.embed_tokens.weight.exp_avg",
                  TensorDType::F32,
                  {4, 3},
                  m.data()},
                 {"model.embed_tokens.weight.exp_avg_sq",
                  TensorDType::F32,
                  {4, 3},
                  v.data()}};
  }
};

const char *kConfig = R"({"model_type": "llama", "hidden_size": 3,
  "vocab_size": 4, "rms_norm_eps": 1e-05})";

std::string trainerState(float seed) {
  return json{{"seed", seed}, {"data_position", 1234}}.dump();
}

std::vector<float> floatsOf(const TensorView *t) {
  EXPECT_NE(t, nullptr);
  if (!t)
    return {};
  std::vector<float> out(static_cast<size_t>(t->numElements()));
  t->toFloat32(out.data());
  return out;
}

/// Checks that `ck` holds exactly the tensors of `expected` at `step`.
void expectCheckpoint(const Checkpoint &ck, int64_t step, float seed) {
  Tensors expected(seed);
  EXPECT_EQ(ck.step, step);
  EXPECT_EQ(fs::path(ck.dir).filename().string(), checkpointDirName(step));
  ASSERT_EQ(ck.model.tensors().size(), 2u);
  ASSERT_EQ(ck.optimizer.tensors().size(), 2u);
  const TensorView *embed = ck.model.find("model.embed_tokens.weight");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->dtype, TensorDType::F32);
  EXPECT_EQ(embed->shape, (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(floatsOf(embed), expected.embed);
  EXPECT_EQ(floatsOf(ck.model.find("model.norm.weight")), expected.norm);
  EXPECT_EQ(floatsOf(ck.optimizer.find("model.embed_tokens.weight.exp_avg")),
            expected.m);
  EXPECT_EQ(floatsOf(ck.optimizer.find("model.embed_tokens.weight.exp_avg_sq")),
            expected.v);
  json state = json::parse(ck.trainerStateJson);
  EXPECT_EQ(state["global_step"], step);
  EXPECT_EQ(state["seed"].get<float>(), seed);
  EXPECT_EQ(state["data_position"], 1234);
  EXPECT_EQ(json::parse(ck.configJson), json::parse(kConfig));
}

Status save(const std::string &runDir, int64_t step, float seed,
            const CheckpointFaultHook &hook = nullptr,
            std::string *savedDir = nullptr) {
  Tensors t(seed);
  return saveCheckpoint(runDir, step, t.model, t.optimizer, trainerState(seed),
                        kConfig, savedDir, hook);
}

std::vector<std::string> hiddenEntries(const std::string &dir) {
  std::vector<std::string> out;
  for (const std::string &n : listDir(dir))
    if (n[0] == '.')
      out.push_back(n);
  return out;
}

TEST_F(TrainingDirTest, CheckpointRoundTrip) {
  std::string run = dir + "/run";
  std::string saved;
  ASSERT_TRUE(save(run, 100, 1.0f, nullptr, &saved).ok());
  EXPECT_EQ(saved, run + "/checkpoint-100");
  EXPECT_EQ(listDir(run),
            (std::vector<std::string>{"checkpoint-100", "latest"}));
  EXPECT_EQ(listDir(saved),
            (std::vector<std::string>{"config.json", "model.safetensors",
                                      "optimizer.safetensors",
                                      "trainer_state.json"}));
  EXPECT_EQ(readFile(run + "/latest"), "checkpoint-100\n");
  // config.json is written as given.
  EXPECT_EQ(readFile(saved + "/config.json"), std::string(kConfig) + "\n");

  Checkpoint ck;
  ASSERT_TRUE(loadCheckpoint(run, ck).ok());
  expectCheckpoint(ck, 100, 1.0f);
  EXPECT_EQ(ck.model.metadata().at("format"), "pt");

  // The checkpoint directory itself loads too.
  Checkpoint direct;
  ASSERT_TRUE(loadCheckpoint(saved, direct).ok());
  expectCheckpoint(direct, 100, 1.0f);

  std::string name;
  bool found = false;
  ASSERT_TRUE(readLatestCheckpoint(run, name, found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(name, "checkpoint-100");
  ASSERT_TRUE(readLatestCheckpoint(dir, name, found).ok());
  EXPECT_FALSE(found);
}

TEST_F(TrainingDirTest, LatestFollowsTheNewestSave) {
  ASSERT_TRUE(save(dir, 100, 1.0f).ok());
  ASSERT_TRUE(save(dir, 200, 2.0f).ok());
  EXPECT_EQ(readFile(dir + "/latest"), "checkpoint-200\n");
  Checkpoint ck;
  ASSERT_TRUE(loadCheckpoint(dir, ck).ok());
  expectCheckpoint(ck, 200, 2.0f);
  // The older one is still there and loadable.
  Checkpoint old;
  ASSERT_TRUE(loadCheckpoint(dir + "/checkpoint-100", old).ok());
  expectCheckpoint(old, 100, 1.0f);
}

TEST_F(TrainingDirTest, SavingTheSameStepReplacesIt) {
  ASSERT_TRUE(save(dir, 100, 1.0f).ok());
  ASSERT_TRUE(save(dir, 100, 5.0f).ok());
  Checkpoint ck;
  ASSERT_TRUE(loadCheckpoint(dir, ck).ok());
  expectCheckpoint(ck, 100, 5.0f);
  EXPECT_EQ(listDir(dir),
            (std::vector<std::string>{"checkpoint-100", "latest"}));
}

TEST_F(TrainingDirTest, TrainerStateStepMustMatch) {
  Tensors t(1.0f);
  expectOneLineError(saveCheckpoint(dir, 100, t.model, t.optimizer,
                                    R"({"global_step": 99})", kConfig),
                     {dir, "global_step", "99", "100"});
  expectOneLineError(
      saveCheckpoint(dir, 100, t.model, t.optimizer, "[1]", kConfig),
      {"trainer state", "JSON object"});
  expectOneLineError(
      saveCheckpoint(dir, 100, t.model, t.optimizer, "{}", "{bad"),
      {"config", "JSON"});
  // A matching global_step is kept.
  ASSERT_TRUE(saveCheckpoint(dir, 100, t.model, t.optimizer,
                             R"({"global_step": 100, "x": 1})", kConfig)
                  .ok());
  EXPECT_EQ(listDir(dir),
            (std::vector<std::string>{"checkpoint-100", "latest"}));
}

TEST_F(TrainingDirTest, FailedSaveLeavesLatestAndCleansUp) {
  ASSERT_TRUE(save(dir, 100, 1.0f).ok());
  for (CheckpointStage stage :
       {CheckpointStage::CreatedTemp, CheckpointStage::WroteConfig,
        CheckpointStage::WroteModel, CheckpointStage::WroteOptimizer,
        CheckpointStage::WroteTrainerState, CheckpointStage::SyncedTemp}) {
    SCOPED_TRACE(checkpointStageName(stage));
    Status s = save(dir, 200, 2.0f, [&](CheckpointStage at) {
      return at == stage ? Status::error("injected failure")
                         : Status::success();
    });
    EXPECT_EQ(s.message, "injected failure");
    EXPECT_EQ(readFile(dir + "/latest"), "checkpoint-100\n");
    EXPECT_EQ(listDir(dir),
              (std::vector<std::string>{"checkpoint-100", "latest"}));
  }
  // A tensor the writer refuses (null data) fails the save the same way.
  Tensors t(2.0f);
  t.optimizer[1].data = nullptr;
  expectOneLineError(
      saveCheckpoint(dir, 200, t.model, t.optimizer, "{}", kConfig),
      {"optimizer.safetensors"});
  EXPECT_EQ(listDir(dir),
            (std::vector<std::string>{"checkpoint-100", "latest"}));
  Checkpoint ck;
  ASSERT_TRUE(loadCheckpoint(dir, ck).ok());
  expectCheckpoint(ck, 100, 1.0f);
}

/// Saves `step` in a forked child that dies (_exit(7), no cleanup, no
/// destructors) right after `stage`.
void crashingSave(const std::string &runDir, int64_t step, float seed,
                  CheckpointStage stage) {
  std::fflush(nullptr);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    Status s = save(runDir, step, seed, [&](CheckpointStage at) {
      if (at == stage)
        ::_exit(7);
      return Status::success();
    });
    ::_exit(s.ok() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 7) << "the child did not reach the stage";
}

TEST_F(TrainingDirTest, CrashAtAnyPointKeepsTheLatestCheckpoint) {
  ASSERT_TRUE(save(dir, 100, 1.0f).ok());
  const CheckpointStage beforeLatest[] = {
      CheckpointStage::CreatedTemp,       CheckpointStage::WroteConfig,
      CheckpointStage::WroteModel,        CheckpointStage::WroteOptimizer,
      CheckpointStage::WroteTrainerState, CheckpointStage::SyncedTemp,
      CheckpointStage::Renamed,           CheckpointStage::SyncedRunDir};
  for (CheckpointStage stage : beforeLatest) {
    SCOPED_TRACE(checkpointStageName(stage));
    crashingSave(dir, 200, 2.0f, stage);
    EXPECT_EQ(readFile(dir + "/latest"), "checkpoint-100\n");
    Checkpoint ck;
    Status s = loadCheckpoint(dir, ck);
    ASSERT_TRUE(s.ok()) << s.message;
    expectCheckpoint(ck, 100, 1.0f);
  }
  // The crashes left temporaries and (after the rename) a checkpoint-200 that
  // `latest` never named; the next save clears the temporaries and replaces
  // checkpoint-200.
  ASSERT_TRUE(save(dir, 200, 3.0f).ok());
  EXPECT_EQ(listDir(dir), (std::vector<std::string>{
                              "checkpoint-100", "checkpoint-200", "latest"}));
  Checkpoint ck;
  ASSERT_TRUE(loadCheckpoint(dir, ck).ok());
  expectCheckpoint(ck, 200, 3.0f);

  // Dying right after `latest` is updated: the new checkpoint is complete.
  crashingSave(dir, 300, 4.0f, CheckpointStage::UpdatedLatest);
  ASSERT_TRUE(loadCheckpoint(dir, ck).ok());
  expectCheckpoint(ck, 300, 4.0f);
}

TEST_F(TrainingDirTest, CrashWhileReplacingTheLatestStep) {
  // Re-saving the very step `latest` names: before the swap the old one
  // stays, after it the new one is complete; never anything torn.
  ASSERT_TRUE(save(dir, 100, 1.0f).ok());
  for (CheckpointStage stage :
       {CheckpointStage::WroteModel, CheckpointStage::SyncedTemp,
        CheckpointStage::Renamed, CheckpointStage::SyncedRunDir}) {
    SCOPED_TRACE(checkpointStageName(stage));
    ASSERT_TRUE(save(dir, 100, 1.0f).ok());
    crashingSave(dir, 100, 2.0f, stage);
    Checkpoint ck;
    Status s = loadCheckpoint(dir, ck);
    ASSERT_TRUE(s.ok()) << s.message;
    bool swapped = stage == CheckpointStage::Renamed ||
                   stage == CheckpointStage::SyncedRunDir;
    expectCheckpoint(ck, 100, swapped ? 2.0f : 1.0f);
  }
}

TEST_F(TrainingDirTest, LoadErrors) {
  Checkpoint ck;
  expectOneLineError(loadCheckpoint(dir + "/nope", ck), {dir + "/nope"});
  expectOneLineError(loadCheckpoint(dir, ck), {dir, "latest", "trainer_state"});

  ASSERT_TRUE(save(dir, 100, 1.0f).ok());
  std::string ckDir = dir + "/checkpoint-100";

  writeFile(dir + "/latest", "../etc\n");
  expectOneLineError(loadCheckpoint(dir, ck), {dir + "/latest", "../etc"});
  writeFile(dir + "/latest", "checkpoint-7\n");
  expectOneLineError(loadCheckpoint(dir, ck),
                     {dir + "/latest", "checkpoint-7"});
  writeFile(dir + "/latest", "checkpoint-100\n");
  ASSERT_TRUE(loadCheckpoint(dir, ck).ok());

  for (const char *file : {"config.json", "model.safetensors",
                           "optimizer.safetensors", "trainer_state.json"}) {
    SCOPED_TRACE(file);
    std::string p = ckDir + "/" + file;
    std::string saved = readFile(p);
    fs::remove(p);
    expectOneLineError(loadCheckpoint(dir, ck), {p, "missing"});
    // Present but broken.
    writeFile(p, saved.substr(0, saved.size() / 2));
    expectOneLineError(loadCheckpoint(dir, ck), {p});
    writeFile(p, saved);
    ASSERT_TRUE(loadCheckpoint(dir, ck).ok());
  }

  std::string state = ckDir + "/trainer_state.json";
  writeFile(state, R"({"global_step": 99})");
  expectOneLineError(loadCheckpoint(dir, ck), {state, "99", "checkpoint-100"});
  writeFile(state, R"({"step": 100})");
  expectOneLineError(loadCheckpoint(dir, ck), {state, "global_step"});
  writeFile(state, "[]");
  expectOneLineError(loadCheckpoint(dir, ck), {state, "JSON object"});
  // The output is untouched by all of the above.
  expectCheckpoint(ck, 100, 1.0f);
}

TEST_F(TrainingDirTest, PruneKeepsTheNewestAndLatest) {
  for (int s = 1; s <= 5; ++s)
    ASSERT_TRUE(save(dir, s * 100, static_cast<float>(s)).ok());
  std::vector<std::string> removed;
  ASSERT_TRUE(pruneCheckpoints(dir, 2, &removed).ok());
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed,
            (std::vector<std::string>{"checkpoint-100", "checkpoint-200",
                                      "checkpoint-300"}));
  EXPECT_EQ(listDir(dir), (std::vector<std::string>{
                              "checkpoint-400", "checkpoint-500", "latest"}));
  // Nothing more to do.
  removed.clear();
  ASSERT_TRUE(pruneCheckpoints(dir, 2, &removed).ok());
  EXPECT_TRUE(removed.empty());

  // `latest` naming an older checkpoint (resumed from it): never deleted.
  writeFile(dir + "/latest", "checkpoint-400\n");
  ASSERT_TRUE(save(dir, 600, 6.0f).ok());
  writeFile(dir + "/latest", "checkpoint-400\n");
  ASSERT_TRUE(pruneCheckpoints(dir, 1).ok());
  EXPECT_EQ(listDir(dir), (std::vector<std::string>{
                              "checkpoint-400", "checkpoint-600", "latest"}));
  ASSERT_TRUE(pruneCheckpoints(dir, 0).ok());
  EXPECT_EQ(listDir(dir),
            (std::vector<std::string>{"checkpoint-400", "latest"}));
  Checkpoint ck;
  ASSERT_TRUE(loadCheckpoint(dir, ck).ok());
  expectCheckpoint(ck, 400, 4.0f);

  // Other names are left alone; a bad count is an error naming the flag.
  fs::create_directory(dir + "/checkpoint-final");
  writeFile(dir + "/checkpoint-1", "not a directory");
  ASSERT_TRUE(pruneCheckpoints(dir, 0).ok());
  EXPECT_EQ(listDir(dir),
            (std::vector<std::string>{"checkpoint-1", "checkpoint-400",
                                      "checkpoint-final", "latest"}));
  expectOneLineError(pruneCheckpoints(dir, -1), {"--keep-last"});
  EXPECT_TRUE(hiddenEntries(dir).empty());
}

TEST_F(TrainingDirTest, CheckWritable) {
  std::string nested = dir + "/a/b/run";
  ASSERT_TRUE(checkWritable(nested, 1 << 20).ok());
  EXPECT_TRUE(fs::is_directory(nested));
  EXPECT_TRUE(listDir(nested).empty()) << "the probe file was left behind";
  ASSERT_TRUE(checkWritable(nested, 0).ok());

  std::string file = dir + "/file";
  writeFile(file, "x");
  expectOneLineError(checkWritable(file, 0), {file, "not a directory"});
  expectOneLineError(checkWritable(file + "/run", 0), {file + "/run"});

  uint64_t huge = uint64_t(1) << 62;
  Status s = checkWritable(nested, huge);
  expectOneLineError(s, {nested, std::to_string(huge), "free"});

  if (::geteuid() != 0) {
    std::string ro = dir + "/ro";
    fs::create_directory(ro);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    expectOneLineError(checkWritable(ro, 0), {ro, "not writable"});
  }
}

TEST(TrainingCheckpoint, EstimateCoversTheData) {
  Tensors t(1.0f);
  uint64_t data = (12 + 3 + 12 + 12) * 4;
  uint64_t estimate = estimateCheckpointBytes(t.model, t.optimizer);
  EXPECT_GE(estimate, data);
  EXPECT_LE(estimate, data + (4u << 20));
  EXPECT_EQ(checkpointDirName(42), "checkpoint-42");
}

} // namespace
