//===- Training.cpp - Schedules, metrics and checkpoints ------------------===//
//
// Every error is one line naming the flag, file or directory at fault.
// Nothing throws out of this file.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Training.h"

#include "AtomicFile.h"
#include "RunFiles.h"
#include "cherry/Support/FileIO.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <filesystem>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <system_error>
#include <unistd.h>

namespace cherry::runtime {

using json = nlohmann::json;
namespace fs = std::filesystem;
using detail::errnoText;
using detail::isDirectory;
using detail::isRegularFile;
using detail::joinPath;
using detail::readWholeFile;

namespace {

/// nlohmann's what() starts with "[json.exception.parse_error.101] ".
std::string withoutJsonPrefix(const char *what) {
  std::string s = what;
  if (!s.empty() && s[0] == '[') {
    size_t close = s.find("] ");
    if (close != std::string::npos)
      s = s.substr(close + 2);
  }
  for (char &c : s)
    if (c == '\n' || c == '\r')
      c = ' ';
  return s;
}

/// Parses `text` as a JSON object; `what` names it in errors.
Status parseJsonObject(const std::string &what, const std::string &text,
                       json &out) {
  try {
    json value = json::parse(text);
    if (!value.is_object())
      return Status::error(what + ": expected a JSON object, got " +
                           std::string(value.type_name()));
    out = std::move(value);
    return Status::success();
  } catch (const std::exception &e) {
    return Status::error(what +
                         ": not valid JSON: " + withoutJsonPrefix(e.what()));
  }
}

/// fsync of a directory, so that entries created or renamed in it persist.
Status fsyncDir(const std::string &dir) {
  std::optional<support::FileError> error = support::syncDirectory(dir);
  if (!error)
    return Status::success();
  if (error->step == support::FileError::Step::OpenDirectory)
    return Status::error(dir + ": cannot open directory to fsync it: " +
                         errnoText(error->error));
  return Status::error(
      dir + ": fsync of directory failed: " + errnoText(error->error));
}

/// A whole-string decimal integer, no sign, no overflow.
bool parseUnsignedDigits(const std::string &text, int64_t &out) {
  if (text.empty() || text.size() > 18)
    return false;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

/// The step of a directory named "checkpoint-<digits>", else -1.
int64_t checkpointStepOf(const std::string &name) {
  static const std::string prefix = "checkpoint-";
  if (name.compare(0, prefix.size(), prefix) != 0)
    return -1;
  int64_t step;
  if (!parseUnsignedDigits(name.substr(prefix.size()), step))
    return -1;
  return step;
}

} // namespace

//===----------------------------------------------------------------------===//
// Learning-rate schedules
//===----------------------------------------------------------------------===//

const char *lrScheduleKindName(LrScheduleKind kind) {
  switch (kind) {
  case LrScheduleKind::Constant:
    return "constant";
  case LrScheduleKind::Cosine:
    return "cosine";
  }
  return "?";
}

constexpr double kPi = 3.14159265358979323846;

double LrSchedule::at(int64_t step) const {
  if (step < 0)
    step = 0;
  if (step < warmupSteps)
    return lr * static_cast<double>(step) / static_cast<double>(warmupSteps);
  if (kind == LrScheduleKind::Constant)
    return lr;
  int64_t decaySteps = totalSteps - 1 - warmupSteps;
  double p = 0;
  if (decaySteps > 0)
    p = std::min(1.0, static_cast<double>(step - warmupSteps) /
                          static_cast<double>(decaySteps));
  return minLr + (lr - minLr) * 0.5 * (1.0 + std::cos(kPi * p));
}

Status parseLrScheduleKind(const std::string &text, LrScheduleKind &out) {
  if (text == "constant") {
    out = LrScheduleKind::Constant;
    return Status::success();
  }
  if (text == "cosine") {
    out = LrScheduleKind::Cosine;
    return Status::success();
  }
  return Status::error("--lr-schedule: unknown schedule '" + text +
                       "' (expected constant or cosine)");
}

Status validateLrSchedule(const LrSchedule &s) {
  auto num = [](double v) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%g", v);
    return std::string(buf);
  };
  if (s.totalSteps < 1)
    return Status::error("--steps: must be at least 1, got " +
                         std::to_string(s.totalSteps));
  if (!std::isfinite(s.lr) || s.lr <= 0)
    return Status::error("--lr: must be a positive number, got " + num(s.lr));
  if (!std::isfinite(s.minLr) || s.minLr < 0)
    return Status::error("--min-lr: must be a non-negative number, got " +
                         num(s.minLr));
  if (s.kind == LrScheduleKind::Cosine && s.minLr > s.lr)
    return Status::error("--min-lr " + num(s.minLr) + " is larger than --lr " +
                         num(s.lr));
  if (s.warmupSteps < 0)
    return Status::error("--warmup: must be non-negative, got " +
                         std::to_string(s.warmupSteps));
  if (s.warmupSteps >= s.totalSteps)
    return Status::error("--warmup " + std::to_string(s.warmupSteps) +
                         " must be less than --steps " +
                         std::to_string(s.totalSteps));
  return Status::success();
}

Status parseLrSchedule(const std::string &kind, const std::string &lr,
                       const std::string &minLr, const std::string &warmupSteps,
                       int64_t totalSteps, LrSchedule &out) {
  LrSchedule s;
  Status st = parseLrScheduleKind(kind, s.kind);
  if (!st.ok())
    return st;
  auto parseReal = [](const std::string &flag, const std::string &text,
                      double &v) -> Status {
    const char *begin = text.c_str();
    char *end = nullptr;
    errno = 0;
    double d = std::strtod(begin, &end);
    if (text.empty() || end != begin + text.size() || errno == ERANGE ||
        !std::isfinite(d) || std::isspace(static_cast<unsigned char>(text[0])))
      return Status::error(flag + ": expected a number, got '" + text + "'");
    v = d;
    return Status::success();
  };
  if (!(st = parseReal("--lr", lr, s.lr)).ok() ||
      !(st = parseReal("--min-lr", minLr, s.minLr)).ok())
    return st;
  if (!parseUnsignedDigits(warmupSteps, s.warmupSteps))
    return Status::error("--warmup: expected a non-negative integer, "
                         "got '" +
                         warmupSteps + "'");
  s.totalSteps = totalSteps;
  if (!(st = validateLrSchedule(s)).ok())
    return st;
  out = s;
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Metrics
//===----------------------------------------------------------------------===//

std::string metricsJson(const StepMetrics &m) {
  auto number = [](double v) -> json {
    if (std::isfinite(v))
      return v;
    return nullptr;
  };
  json obj = json::object();
  obj["step"] = m.step;
  if (m.totalSteps > 0)
    obj["total_steps"] = m.totalSteps;
  obj["loss"] = number(m.loss);
  obj["lr"] = number(m.lr);
  obj["grad_norm"] = number(m.gradNorm);
  obj["tokens_per_second"] = number(m.tokensPerSecond);
  obj["tokens"] = m.tokens;
  obj["elapsed_s"] = number(m.elapsedSeconds);
  obj["time"] = number(m.wallTime);
  for (const auto &[name, value] : m.extra)
    obj[name] = number(value);
  // Names (extras) may hold bytes that are not UTF-8: replace, never throw.
  return obj.dump(-1, ' ', false, json::error_handler_t::replace);
}

MetricsWriter::MetricsWriter() = default;

MetricsWriter::~MetricsWriter() {
  if (fd_ >= 0)
    ::close(fd_);
}

MetricsWriter::MetricsWriter(MetricsWriter &&other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
  other.path_.clear();
}

MetricsWriter &MetricsWriter::operator=(MetricsWriter &&other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
    other.path_.clear();
  }
  return *this;
}

Status MetricsWriter::open(const std::string &path, MetricsWriter &out) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::error(path +
                         ": cannot open the metrics file: " + errnoText(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::error(path + ": the metrics file is not a regular file");
  }
  // Cut a torn last line (a crash mid-write) back to the last newline, so
  // the next line does not get glued to it.
  off_t size = st.st_size;
  off_t keep = size;
  char buf[4096];
  bool seenNewline = false;
  while (keep > 0 && !seenNewline) {
    off_t chunk = std::min<off_t>(keep, sizeof(buf));
    ssize_t n = ::pread(fd, buf, static_cast<size_t>(chunk), keep - chunk);
    if (n < 0 && errno == EINTR)
      continue;
    if (n != chunk) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      return Status::error(path +
                           ": cannot read the metrics file: " + errnoText(err));
    }
    off_t i = chunk;
    while (i > 0 && buf[i - 1] != '\n')
      --i;
    seenNewline = i > 0;
    keep -= chunk - i;
  }
  if (keep != size && ::ftruncate(fd, keep) != 0) {
    int err = errno;
    ::close(fd);
    return Status::error(path +
                         ": cannot cut the torn last line: " + errnoText(err));
  }
  MetricsWriter w;
  w.fd_ = fd;
  w.path_ = path;
  out = std::move(w);
  return Status::success();
}

Status MetricsWriter::appendLine(std::string line) {
  if (fd_ < 0)
    return Status::error("metrics: the writer is not open");
  line += '\n';
  // One write of the whole line: with O_APPEND it lands at the end in one
  // piece (regular files on local file systems do not short-write unless the
  // disk is full).
  if (!support::writeAll(fd_, line.data(), line.size()))
    return Status::error(path_ + ": write failed: " + errnoText(errno));
  return Status::success();
}

Status MetricsWriter::append(const StepMetrics &metrics) {
  return appendLine(metricsJson(metrics));
}

Status MetricsWriter::appendJson(const std::string &jsonObject) {
  json value;
  Status s = parseJsonObject(path_ + ": metrics line", jsonObject, value);
  if (!s.ok())
    return s;
  return appendLine(value.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string formatLr(double lr) {
  if (lr == 0)
    return "0";
  if (!std::isfinite(lr))
    return "nan";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.1e", lr);
  std::string s = buf;
  size_t e = s.find('e');
  if (e == std::string::npos)
    return s;
  std::string mantissa = s.substr(0, e);
  std::string exp = s.substr(e + 1);
  bool negative = !exp.empty() && exp[0] == '-';
  if (!exp.empty() && (exp[0] == '-' || exp[0] == '+'))
    exp = exp.substr(1);
  size_t nz = exp.find_first_not_of('0');
  exp = nz == std::string::npos ? "0" : exp.substr(nz);
  return mantissa + "e" + (negative ? "-" : "") + exp;
}

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    return "--";
  long long total = static_cast<long long>(std::llround(seconds));
  long long h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char buf[64];
  if (h > 0)
    std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", h, m, s);
  else
    std::snprintf(buf, sizeof(buf), "%lld:%02lld", m, s);
  return buf;
}

namespace {

std::string stepText(const StepMetrics &m) {
  std::string s = std::to_string(m.step);
  if (m.totalSteps > 0)
    s += "/" + std::to_string(m.totalSteps);
  return s;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

/// The fields after the step, each preceded by two spaces.
std::string metricFields(const StepMetrics &m, bool withGradNorm) {
  std::string s;
  if (!std::isnan(m.loss))
    s += "  loss " + fixed(m.loss, 4);
  if (!std::isnan(m.lr))
    s += "  lr " + formatLr(m.lr);
  if (withGradNorm && !std::isnan(m.gradNorm))
    s += "  grad_norm " + fixed(m.gradNorm, 2);
  if (std::isfinite(m.tokensPerSecond))
    s += "  " + fixed(m.tokensPerSecond, 0) + " tok/s";
  // A mixture's expert loads ("load 0.52/0.48") and router losses.
  std::string load;
  for (const auto &[name, value] : m.extra) {
    if (name.rfind("expert_load_", 0) == 0)
      load += (load.empty() ? "" : "/") + fixed(value, 2);
    else if (name == "router_loss")
      s += "  router_loss " + fixed(value, 4);
  }
  if (!load.empty())
    s += "  load " + load;
  return s;
}

} // namespace

std::string formatStepLine(const StepMetrics &m) {
  return "step " + stepText(m) + metricFields(m, true);
}

std::string formatProgressLine(const StepMetrics &m, double etaSeconds,
                               int width) {
  std::string rest = "  " + stepText(m) + metricFields(m, false);
  if (m.totalSteps > 0)
    rest += "  ETA " + formatDuration(etaSeconds);
  int room = width - 1 - static_cast<int>(rest.size()) - 2;
  std::string line;
  if (m.totalSteps > 0 && room >= 10) {
    int barWidth = std::min(room, 30);
    double frac = std::clamp(static_cast<double>(m.step) /
                                 static_cast<double>(m.totalSteps),
                             0.0, 1.0);
    int filled = static_cast<int>(frac * barWidth);
    line = "[" + std::string(filled, '#') +
           std::string(barWidth - filled, '.') + "]" + rest;
  } else {
    line = rest.substr(2);
  }
  if (width > 1 && static_cast<int>(line.size()) > width - 1)
    line.resize(width - 1);
  return line;
}

ConsoleReporter::ConsoleReporter(std::FILE *stream, Style style, int width)
    : stream_(stream) {
  int fd = stream ? ::fileno(stream) : -1;
  bool tty = fd >= 0 && ::isatty(fd);
  bar_ = style == Style::ProgressBar || (style == Style::Auto && tty);
  if (width > 0) {
    width_ = width;
  } else {
    struct winsize ws{};
    if (tty && ::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
      width_ = ws.ws_col;
    } else if (const char *cols = std::getenv("COLUMNS")) {
      int c = std::atoi(cols);
      if (c > 0)
        width_ = c;
    }
  }
}

ConsoleReporter::~ConsoleReporter() { finish(); }

void ConsoleReporter::report(const StepMetrics &m) {
  if (!stream_)
    return;
  if (!bar_) {
    std::fprintf(stream_, "%s\n", formatStepLine(m).c_str());
    std::fflush(stream_);
    return;
  }
  double eta = std::numeric_limits<double>::quiet_NaN();
  if (!haveFirst_) {
    haveFirst_ = true;
    firstStep_ = m.step;
    firstElapsed_ = m.elapsedSeconds;
  } else if (m.step > firstStep_ && m.totalSteps > 0) {
    double perStep = (m.elapsedSeconds - firstElapsed_) /
                     static_cast<double>(m.step - firstStep_);
    eta = perStep *
          static_cast<double>(std::max<int64_t>(0, m.totalSteps - m.step));
  }
  bool last = m.totalSteps > 0 && m.step >= m.totalSteps;
  if (barShown_ && !last && lastDraw_ >= 0 &&
      m.elapsedSeconds - lastDraw_ < 0.1)
    return;
  lastDraw_ = m.elapsedSeconds;
  std::fprintf(stream_, "\r%s\x1b[K",
               formatProgressLine(m, eta, width_).c_str());
  std::fflush(stream_);
  barShown_ = true;
}

void ConsoleReporter::note(const std::string &line) {
  if (!stream_)
    return;
  if (barShown_) {
    std::fprintf(stream_, "\r\x1b[K");
    barShown_ = false;
    lastDraw_ = -1;
  }
  std::fprintf(stream_, "%s\n", line.c_str());
  std::fflush(stream_);
}

void ConsoleReporter::finish() {
  if (stream_ && barShown_) {
    std::fprintf(stream_, "\n");
    std::fflush(stream_);
  }
  barShown_ = false;
}

double median(std::vector<double> values) {
  if (values.empty())
    return std::numeric_limits<double>::quiet_NaN();
  size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  double hi = values[mid];
  if (values.size() % 2 == 1)
    return hi;
  double lo = *std::max_element(values.begin(), values.begin() + mid);
  return 0.5 * (lo + hi);
}

double medianTokensPerSecond(const std::vector<double> &perStep,
                             size_t skipFirst) {
  if (perStep.empty())
    return std::numeric_limits<double>::quiet_NaN();
  size_t skip = std::min(skipFirst, perStep.size() - 1);
  return median(std::vector<double>(perStep.begin() + skip, perStep.end()));
}

//===----------------------------------------------------------------------===//
// Checkpoints
//===----------------------------------------------------------------------===//

std::string checkpointDirName(int64_t step) {
  return "checkpoint-" + std::to_string(step);
}

const char *checkpointStageName(CheckpointStage stage) {
  switch (stage) {
  case CheckpointStage::CreatedTemp:
    return "created-temp";
  case CheckpointStage::WroteConfig:
    return "wrote-config";
  case CheckpointStage::WroteModel:
    return "wrote-model";
  case CheckpointStage::WroteOptimizer:
    return "wrote-optimizer";
  case CheckpointStage::WroteTrainerState:
    return "wrote-trainer-state";
  case CheckpointStage::SyncedTemp:
    return "synced-temp";
  case CheckpointStage::Renamed:
    return "renamed";
  case CheckpointStage::SyncedRunDir:
    return "synced-run-dir";
  case CheckpointStage::UpdatedLatest:
    return "updated-latest";
  }
  return "?";
}

namespace {

constexpr const char *kLatestFile = "latest";
constexpr const char *kConfigFile = "config.json";
constexpr const char *kModelFile = "model.safetensors";
constexpr const char *kOptimizerFile = "optimizer.safetensors";
constexpr const char *kTrainerStateFile = "trainer_state.json";

/// If `name` is a hidden temporary of saveCheckpoint or pruneCheckpoints
/// (".checkpoint-<step>.{tmp,old,del}-<pid>"), its pid, else -1.
long temporaryOwner(const std::string &name) {
  static const std::string prefix = ".checkpoint-";
  if (name.compare(0, prefix.size(), prefix) != 0)
    return -1;
  size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash < 5)
    return -1;
  std::string kind = name.substr(dash - 4, 5);
  if (kind != ".tmp-" && kind != ".old-" && kind != ".del-")
    return -1;
  int64_t pid;
  if (!parseUnsignedDigits(name.substr(dash + 1), pid) || pid > INT_MAX)
    return -1;
  return static_cast<long>(pid);
}

/// Removes temporaries left by saves or prunes of processes that are gone
/// (or of this one: it saves one checkpoint at a time, and in a container a
/// crashed earlier run often had the same pid). Best effort.
void removeStaleTemporaries(const std::string &runDir) {
  std::error_code ec;
  fs::directory_iterator it(runDir, ec), end;
  std::vector<fs::path> stale;
  for (; !ec && it != end; it.increment(ec)) {
    long pid = temporaryOwner(it->path().filename().string());
    if (pid < 0)
      continue;
    bool gone = pid == static_cast<long>(::getpid()) ||
                (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
    if (gone)
      stale.push_back(it->path());
  }
  for (const fs::path &p : stale)
    fs::remove_all(p, ec);
}

/// Renames `from` over `to`, which exists: atomically swapped where the file
/// system can (afterwards `from` holds the old one), else `to` is first
/// renamed to `aside`. `oldAt` receives where the old one now is.
Status replaceDirectory(const std::string &from, const std::string &to,
                        const std::string &aside, std::string &oldAt) {
#ifdef RENAME_EXCHANGE
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(),
                  RENAME_EXCHANGE) == 0) {
    oldAt = from;
    return Status::success();
  }
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
    return Status::error(to + ": cannot swap in the new checkpoint " + from +
                         ": " + errnoText(errno));
#endif
  if (::rename(to.c_str(), aside.c_str()) != 0)
    return Status::error(
        to + ": cannot set the old checkpoint aside: " + errnoText(errno));
  if (::rename(from.c_str(), to.c_str()) != 0) {
    int err = errno;
    (void)::rename(aside.c_str(), to.c_str());
    return Status::error(to + ": cannot rename " + from +
                         " into place: " + errnoText(err));
  }
  oldAt = aside;
  return Status::success();
}

} // namespace

Status saveCheckpoint(const std::string &runDir, int64_t step,
                      const std::vector<TensorToWrite> &modelTensors,
                      const std::vector<TensorToWrite> &optimizerTensors,
                      const std::string &trainerStateJson,
                      const std::string &configJson, std::string *savedDir,
                      const CheckpointFaultHook &hook) {
  if (step < 0)
    return Status::error(runDir +
                         ": checkpoint step must be non-negative, "
                         "got " +
                         std::to_string(step));
  json trainerState, config;
  Status s = parseJsonObject(runDir + ": trainer state", trainerStateJson,
                             trainerState);
  if (!s.ok())
    return s;
  if (!(s = parseJsonObject(runDir + ": config", configJson, config)).ok())
    return s;
  auto gs = trainerState.find("global_step");
  if (gs == trainerState.end())
    trainerState["global_step"] = step;
  else if (!gs->is_number_integer() || gs->get<int64_t>() != step)
    return Status::error(runDir + ": trainer state global_step " + gs->dump() +
                         " differs from the checkpoint step " +
                         std::to_string(step));

  if (!isDirectory(runDir)) {
    std::error_code ec;
    fs::create_directories(runDir, ec);
    if (ec || !isDirectory(runDir))
      return Status::error(runDir + ": cannot create the run directory: " +
                           (ec ? ec.message() : "not a directory"));
  }
  removeStaleTemporaries(runDir);

  const std::string name = checkpointDirName(step);
  const std::string pid = std::to_string(::getpid());
  const std::string finalDir = joinPath(runDir, name);
  const std::string tmpDir = joinPath(runDir, "." + name + ".tmp-" + pid);
  const std::string asideDir = joinPath(runDir, "." + name + ".old-" + pid);

  std::error_code ec;
  fs::remove_all(tmpDir, ec);
  if (::mkdir(tmpDir.c_str(), 0755) != 0)
    return Status::error(tmpDir + ": cannot create the checkpoint directory: " +
                         errnoText(errno));
  bool renamed = false;
  auto fail = [&](Status st) {
    if (!renamed)
      fs::remove_all(tmpDir, ec);
    return st;
  };
  auto stage = [&](CheckpointStage st) -> Status {
    return hook ? hook(st) : Status::success();
  };

  if (!(s = stage(CheckpointStage::CreatedTemp)).ok())
    return fail(s);

  std::string configText = configJson;
  if (configText.empty() || configText.back() != '\n')
    configText += '\n';
  if (!(s = detail::writeFileAtomically(
            joinPath(tmpDir, kConfigFile),
            {{configText.data(), configText.size()}}))
           .ok() ||
      !(s = stage(CheckpointStage::WroteConfig)).ok())
    return fail(s);

  const std::map<std::string, std::string> metadata = {{"format", "pt"}};
  if (!(s = writeSafeTensors(joinPath(tmpDir, kModelFile), modelTensors,
                             metadata))
           .ok() ||
      !(s = stage(CheckpointStage::WroteModel)).ok())
    return fail(s);
  if (!(s = writeSafeTensors(joinPath(tmpDir, kOptimizerFile), optimizerTensors,
                             metadata))
           .ok() ||
      !(s = stage(CheckpointStage::WroteOptimizer)).ok())
    return fail(s);

  std::string stateText =
      trainerState.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  if (!(s = detail::writeFileAtomically(joinPath(tmpDir, kTrainerStateFile),
                                        {{stateText.data(), stateText.size()}}))
           .ok() ||
      !(s = stage(CheckpointStage::WroteTrainerState)).ok())
    return fail(s);

  if (!(s = fsyncDir(tmpDir)).ok() ||
      !(s = stage(CheckpointStage::SyncedTemp)).ok())
    return fail(s);

  // Into place. An existing checkpoint of this step (a re-run over an old
  // run directory) is swapped out, never deleted before the new one is in.
  std::string oldAt;
  if (::rename(tmpDir.c_str(), finalDir.c_str()) != 0) {
    int err = errno;
    if (err != EEXIST && err != ENOTEMPTY)
      return fail(Status::error(finalDir + ": cannot rename " + tmpDir +
                                " into place: " + errnoText(err)));
    fs::remove_all(asideDir, ec);
    if (!(s = replaceDirectory(tmpDir, finalDir, asideDir, oldAt)).ok())
      return fail(s);
  }
  renamed = true;
  if (!(s = stage(CheckpointStage::Renamed)).ok())
    return s;
  if (!(s = fsyncDir(runDir)).ok() ||
      !(s = stage(CheckpointStage::SyncedRunDir)).ok())
    return s;

  std::string latestText = name + "\n";
  if (!(s = detail::writeFileAtomically(
            joinPath(runDir, kLatestFile),
            {{latestText.data(), latestText.size()}}))
           .ok())
    return s;
  if (!oldAt.empty())
    fs::remove_all(oldAt, ec);
  if (savedDir)
    *savedDir = finalDir;
  return stage(CheckpointStage::UpdatedLatest);
}

Status readLatestCheckpoint(const std::string &runDir, std::string &name,
                            bool &found) {
  std::string path = joinPath(runDir, kLatestFile);
  std::string text;
  int err = 0;
  if (!readWholeFile(path, text, err)) {
    if (err == ENOENT) {
      found = false;
      return Status::success();
    }
    return Status::error(path + ": cannot read: " + errnoText(err));
  }
  if (!text.empty() && text.back() == '\n')
    text.pop_back();
  if (checkpointStepOf(text) < 0) {
    std::string shown = text.size() > 64 ? text.substr(0, 64) + "..." : text;
    for (char &c : shown)
      if (static_cast<unsigned char>(c) < 0x20)
        c = '?';
    return Status::error(
        path + ": expected one line 'checkpoint-<step>', got '" + shown + "'");
  }
  name = text;
  found = true;
  return Status::success();
}

Status loadCheckpoint(const std::string &path, Checkpoint &out) {
  if (!isDirectory(path))
    return Status::error(path + ": not a directory (expected a run directory "
                                "or a checkpoint directory)");
  std::string dir = path;
  std::string latestName;
  bool hasLatest = false;
  if (isRegularFile(joinPath(path, kLatestFile))) {
    Status s = readLatestCheckpoint(path, latestName, hasLatest);
    if (!s.ok())
      return s;
    dir = joinPath(path, latestName);
    if (!isDirectory(dir))
      return Status::error(joinPath(path, kLatestFile) + " names " +
                           latestName + ", which is not a directory");
  } else if (!isRegularFile(joinPath(path, kTrainerStateFile))) {
    return Status::error(path + ": neither a run directory (no '" +
                         kLatestFile + "' file) nor a checkpoint (no " +
                         kTrainerStateFile + ")");
  }

  for (const char *file :
       {kConfigFile, kModelFile, kOptimizerFile, kTrainerStateFile})
    if (!isRegularFile(joinPath(dir, file)))
      return Status::error(joinPath(dir, file) +
                           ": missing from the checkpoint");

  Checkpoint ck;
  ck.dir = dir;
  int err = 0;
  for (auto [file, text] :
       {std::pair{kConfigFile, &ck.configJson},
        std::pair{kTrainerStateFile, &ck.trainerStateJson}}) {
    std::string p = joinPath(dir, file);
    if (!readWholeFile(p, *text, err))
      return Status::error(p + ": cannot read: " + errnoText(err));
  }
  json config, state;
  Status s = parseJsonObject(joinPath(dir, kConfigFile), ck.configJson, config);
  if (!s.ok())
    return s;
  std::string statePath = joinPath(dir, kTrainerStateFile);
  if (!(s = parseJsonObject(statePath, ck.trainerStateJson, state)).ok())
    return s;
  auto gs = state.find("global_step");
  if (gs == state.end() || !gs->is_number_integer() || gs->get<int64_t>() < 0)
    return Status::error(statePath +
                         ": expected a non-negative integer \"global_step\"");
  ck.step = gs->get<int64_t>();
  std::string base = fs::path(dir).lexically_normal().filename().string();
  if (base.empty())
    base = fs::path(dir).lexically_normal().parent_path().filename().string();
  int64_t nameStep = checkpointStepOf(base);
  if (nameStep >= 0 && nameStep != ck.step)
    return Status::error(statePath + ": global_step " +
                         std::to_string(ck.step) + " differs from the " +
                         "directory name " + base);

  if (!(s = SafeTensors::open(joinPath(dir, kModelFile), ck.model)).ok())
    return s;
  if (!(s = SafeTensors::open(joinPath(dir, kOptimizerFile), ck.optimizer))
           .ok())
    return s;
  out = std::move(ck);
  return Status::success();
}

Status pruneCheckpoints(const std::string &runDir, int64_t keepLast,
                        std::vector<std::string> *removed) {
  if (keepLast < 0)
    return Status::error("--keep-last: must be non-negative, got " +
                         std::to_string(keepLast));
  std::string latest;
  bool hasLatest = false;
  Status s = readLatestCheckpoint(runDir, latest, hasLatest);
  if (!s.ok())
    return s;

  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code ec;
  fs::directory_iterator it(runDir, ec), end;
  if (ec)
    return Status::error(runDir + ": cannot list: " + ec.message());
  for (; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    int64_t step = checkpointStepOf(name);
    if (step >= 0 && isDirectory(it->path().string()))
      found.emplace_back(step, name);
  }
  if (ec)
    return Status::error(runDir + ": cannot list: " + ec.message());
  std::sort(found.begin(), found.end(), [](const auto &a, const auto &b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });

  std::string pid = std::to_string(::getpid());
  for (size_t i = 0; i < found.size(); ++i) {
    const std::string &name = found[i].second;
    if (static_cast<int64_t>(i) < keepLast || (hasLatest && name == latest))
      continue;
    std::string from = joinPath(runDir, name);
    std::string doomed = joinPath(runDir, "." + name + ".del-" + pid);
    fs::remove_all(doomed, ec);
    if (::rename(from.c_str(), doomed.c_str()) != 0)
      return Status::error(
          from + ": cannot remove old checkpoint: " + errnoText(errno));
    fs::remove_all(doomed, ec);
    if (ec)
      return Status::error(doomed +
                           ": cannot remove old checkpoint: " + ec.message());
    if (removed)
      removed->push_back(name);
  }
  return fsyncDir(runDir);
}

uint64_t estimateCheckpointBytes(const std::vector<TensorToWrite> &model,
                                 const std::vector<TensorToWrite> &optimizer) {
  uint64_t total = 1 << 20; // JSON files, directory entries
  for (const auto *list : {&model, &optimizer})
    for (const TensorToWrite &t : *list) {
      uint64_t n = tensorDTypeSize(t.dtype);
      for (int64_t d : t.shape)
        n *= static_cast<uint64_t>(std::max<int64_t>(d, 0));
      total += n + t.name.size() + 128; // header entry
    }
  return total;
}

Status checkWritable(const std::string &dir, uint64_t bytesNeeded) {
  if (dir.empty())
    return Status::error("run directory: empty path");
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode))
      return Status::error(dir + ": exists and is not a directory");
  } else {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
      return Status::error(dir + ": cannot create directory: " + ec.message());
    if (!isDirectory(dir))
      return Status::error(dir + ": cannot create directory");
  }
  // access(W_OK) says yes to root on a read-only mount or a 0555 directory
  // on some file systems: try what training will do, create a file.
  std::string probe =
      joinPath(dir, ".cherry-write-test-" + std::to_string(::getpid()));
  int fd =
      ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::error(dir +
                         ": directory is not writable: " + errnoText(errno));
  ::close(fd);
  ::unlink(probe.c_str());

  struct statvfs vfs;
  if (::statvfs(dir.c_str(), &vfs) != 0)
    return Status::error(dir +
                         ": cannot query free space: " + errnoText(errno));
  uint64_t freeBytes =
      static_cast<uint64_t>(vfs.f_bavail) * static_cast<uint64_t>(vfs.f_frsize);
  if (freeBytes < bytesNeeded) {
    auto gib = [](uint64_t b) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.2f",
                    static_cast<double>(b) / (1 << 30));
      return std::string(buf);
    };
    return Status::error(
        dir + ": not enough free space: need " + std::to_string(bytesNeeded) +
        " bytes (" + gib(bytesNeeded) + " GiB), have " +
        std::to_string(freeBytes) + " bytes (" + gib(freeBytes) + " GiB)");
  }
  return Status::success();
}

} // namespace cherry::runtime
