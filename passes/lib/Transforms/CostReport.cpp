//===- CostReport.cpp - cherry-cost-report --------------------------------===//
//
// Prints parameters and FLOPs per token for each function, split into the
// structural units CHERRY rewrites (decoder layers, recurrent blocks, MoEE,
// MTP heads) and everything else. Runs of identical decoder layers are
// summarized (one row for the run, one for a layer): a 48-layer model reads
// as one line, and a compressed model's effective steps as their unique
// parameters against the FLOPs of every step.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryCost.h"
#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Transforms/Passes.h"

#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <optional>
#include <set>
#include <vector>

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYCOSTREPORTPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;

namespace {

using ParamSet = llvm::SetVector<ParamOp>;

struct Scope {
  std::string name;
  std::string kind;
  int depth = 0; // 1 for rows nested in a recurrent block
  int64_t params = 0;
  FlopCount flops;
};

/// A run of consecutive decoder layers with the same parameter count and
/// FLOPs: scopes [first, first + count). `params` counts the distinct
/// parameters the run reads (each shared weight once), `weightSets` the
/// distinct sets of weights it runs (count when nothing is shared).
struct LayerRun {
  unsigned first = 0, count = 0;
  int64_t firstIndex = 0, lastIndex = 0; // decoder_layer indices
  int64_t params = 0;
  int64_t weightSets = 0;
  Scope layer; // one layer's figures
  FlopCount flops;
};

struct FunctionReport {
  std::string name;
  int64_t tokens = 0; // 0: unknown
  std::string tokenSource;
  SmallVector<Scope> scopes;
  SmallVector<LayerRun> runs;
  Scope total;
  /// A mixture's parameters a token uses: all but the (E - k) / E of each
  /// routed expert weight it does not run; -1 without routed MLPs.
  int64_t activeParams = -1;
  /// "top-k of E experts" when the routed MLPs agree on it.
  std::string routing;
};

class CostReporter {
public:
  CostReporter(ModuleOp module) : symbols(module) {}

  FunctionReport run(FunctionOpInterface fn);

private:
  ParamOp lookup(ParamRefOp ref) {
    return symbols.lookup<ParamOp>(ref.getParamAttr().getValue());
  }
  /// Params read inside `op` (any depth) and, for region ops, the params that
  /// feed its operands directly (per-step parameters, router weights).
  void collectParams(Operation *op, ParamSet &params);
  /// Params read by `cherry.param_ref`s anywhere inside `root`.
  template <typename RootT> void collectReads(RootT *root, ParamSet &params) {
    root->walk([&](ParamRefOp ref) {
      if (ParamOp p = lookup(ref))
        params.insert(p);
    });
  }
  static int64_t count(const ParamSet &params) {
    int64_t n = 0;
    for (ParamOp p : params)
      n += cast<CostOpInterface>(p.getOperation()).getParameterCount();
    return n;
  }
  void warnUncosted(Operation *root);
  /// The runs of identical layers among `report`'s scopes; `layerParams`
  /// holds the parameters of each decoder_layer scope (by scope position).
  void summarizeLayers(FunctionReport &report,
                       const llvm::DenseMap<unsigned, ParamSet> &layerParams);

  SymbolTable symbols;
  llvm::StringSet<> warned;
};

void CostReporter::collectParams(Operation *op, ParamSet &params) {
  for (Value operand : op->getOperands())
    if (auto ref = operand.getDefiningOp<ParamRefOp>())
      if (ParamOp p = lookup(ref))
        params.insert(p);
  collectReads(op, params);
}

void CostReporter::warnUncosted(Operation *root) {
  root->walk([&](Operation *op) {
    if (op == root || isa<CostOpInterface>(op) ||
        op->hasTrait<mlir::OpTrait::IsTerminator>())
      return;
    if (warned.insert(op->getName().getStringRef()).second)
      op->emitWarning() << "'" << op->getName()
                        << "' has no cost model; counted as 0 FLOPs";
  });
}

FunctionReport CostReporter::run(FunctionOpInterface fn) {
  FunctionReport report;
  report.name = fn.getName().str();
  for (auto [i, type] : llvm::enumerate(fn.getArgumentTypes())) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (tensor && tensor.hasStaticShape() &&
        isa<IntegerType>(tensor.getElementType())) {
      report.tokens = tensor.getNumElements();
      llvm::raw_string_ostream os(report.tokenSource);
      os << "argument " << i << ": " << type;
      break;
    }
  }
  if (fn.isExternal())
    return report;
  warnUncosted(fn);

  Scope outside{"outside layers", "other"};
  ParamSet outsideParams, allParams;
  llvm::DenseMap<unsigned, ParamSet> layerParams;
  // Every block counts once: a function lowered to several blocks (cf) must
  // not lose the ops outside its entry block.
  for (Operation &op : fn.getFunctionBody().getOps()) {
    auto cost = dyn_cast<CostOpInterface>(op);
    FlopCount flops;
    if (cost)
      flops = {cost.getForwardFlops(), cost.getBackwardFlops()};
    ParamSet params;
    collectParams(&op, params);
    allParams.insert(params.begin(), params.end());
    report.total.flops += flops;

    std::string name;
    llvm::raw_string_ostream os(name);
    if (auto layer = dyn_cast<DecoderLayerOp>(op)) {
      os << "decoder_layer " << layer.getIndex();
      layerParams[report.scopes.size()] = params;
      report.scopes.push_back({name, "decoder_layer", 0, count(params), flops});
    } else if (auto rec = dyn_cast<RecurrentOp>(op)) {
      os << "recurrent (" << rec.getLayers().size() << " shared, "
         << rec.getSchedule().size() << " steps)";
      report.scopes.push_back({name, "recurrent", 0, count(params), flops});
      for (auto [i, runs] : llvm::enumerate(rec.getRunsPerLayer())) {
        Region &region = rec.getLayers()[i];
        ParamSet layerParams;
        collectReads(&region, layerParams);
        FlopCount once = getBlockFlops(region.front());
        std::string sub;
        llvm::raw_string_ostream subOs(sub);
        subOs << "shared layer " << i << " x" << runs;
        report.scopes.push_back({sub,
                                 "shared_layer",
                                 1,
                                 count(layerParams),
                                 {once.forward * runs, once.backward * runs}});
      }
    } else if (auto moee = dyn_cast<MoEEOp>(op)) {
      os << "moee (" << moee.getExperts().size() << " experts, top-"
         << moee.getTopK() << ")";
      report.scopes.push_back({name, "moee", 0, count(params), flops});
    } else if (auto mtp = dyn_cast<MTPHeadOp>(op)) {
      os << "mtp_head (offset " << mtp.getOffset() << ")";
      report.scopes.push_back({name, "mtp_head", 0, count(params), flops});
    } else {
      if (!isa<ParamRefOp>(op))
        outsideParams.insert(params.begin(), params.end());
      outside.flops += flops;
    }
  }
  outside.params = count(outsideParams);
  report.scopes.push_back(outside);
  report.total.name = "total";
  report.total.kind = "total";
  report.total.params = count(allParams);
  summarizeLayers(report, layerParams);

  // Expert-level sparsity: each token runs top_k of the E slices of a
  // stacked expert weight (moe_grouped_linear's FLOPs already count only
  // the rows routed to each expert).
  llvm::DenseMap<Operation *, std::pair<int64_t, int64_t>> routed;
  fn.walk([&](MoeGroupedLinearOp linear) {
    auto ref = linear.getWeight().getDefiningOp<ParamRefOp>();
    auto route = linear.getCounts().getDefiningOp<MoeRouteOp>();
    if (ParamOp p = ref ? lookup(ref) : ParamOp(); p && route)
      routed[p] = {int64_t(route.getTopK()), route.getNumExperts()};
  });
  if (!routed.empty()) {
    double inactive = 0;
    llvm::StringSet<> routings;
    for (auto &[p, kE] : routed) {
      int64_t n =
          cast<CostOpInterface>(p).getParameterCount() * (kE.second - kE.first);
      inactive += static_cast<double>(n) / static_cast<double>(kE.second);
      routings.insert(
          ("top-" + Twine(kE.first) + " of " + Twine(kE.second) + " experts")
              .str());
    }
    report.activeParams =
        report.total.params - static_cast<int64_t>(std::llround(inactive));
    report.routing = routings.size() == 1 ? routings.begin()->getKey().str()
                                          : "routed experts";
  }
  return report;
}

void CostReporter::summarizeLayers(
    FunctionReport &report,
    const llvm::DenseMap<unsigned, ParamSet> &layerParams) {
  auto same = [](const Scope &a, const Scope &b) {
    return a.kind == b.kind && a.params == b.params &&
           a.flops.forward == b.flops.forward &&
           a.flops.backward == b.flops.backward;
  };
  ArrayRef<Scope> scopes = report.scopes;
  for (unsigned i = 0; i < scopes.size();) {
    unsigned end = i + 1;
    if (scopes[i].kind == "decoder_layer")
      while (end < scopes.size() && same(scopes[i], scopes[end]))
        ++end;
    if (end - i < 2) {
      i = end;
      continue;
    }
    LayerRun run;
    run.first = i;
    run.count = end - i;
    run.layer = scopes[i];
    run.layer.name = "per layer";
    run.layer.depth = 1;
    ParamSet distinct;
    llvm::DenseMap<ParamOp, unsigned> readers;
    for (unsigned j = i; j < end; ++j) {
      const ParamSet &params = layerParams.at(j);
      distinct.insert(params.begin(), params.end());
      for (ParamOp p : params)
        ++readers[p];
      run.flops += scopes[j].flops;
    }
    run.params = count(distinct);
    // A layer's weight set is the parameters it shares with other layers of
    // the run; layers sharing nothing are a set each.
    std::set<std::vector<Operation *>> sets;
    for (unsigned j = i; j < end; ++j) {
      std::vector<Operation *> shared;
      for (ParamOp p : layerParams.at(j))
        if (readers[p] > 1)
          shared.push_back(p.getOperation());
      if (shared.empty())
        ++run.weightSets;
      else
        sets.insert(std::move(shared));
    }
    run.weightSets += sets.size();
    auto index = [](const Scope &s) {
      int64_t n = 0;
      (void)StringRef(s.name).rsplit(' ').second.getAsInteger(10, n);
      return n;
    };
    run.firstIndex = index(scopes[i]);
    run.lastIndex = index(scopes[end - 1]);
    report.runs.push_back(std::move(run));
    i = end;
  }
}

double perToken(int64_t flops, int64_t tokens) {
  return tokens ? static_cast<double>(flops) / static_cast<double>(tokens)
                : 0.0;
}

void printText(const FunctionReport &r, raw_ostream &os) {
  os << "cost report for @" << r.name << ": ";
  if (r.tokens)
    os << r.tokens << " tokens per call (" << r.tokenSource << ")\n";
  else
    os << "tokens per call unknown (no integer tensor argument); FLOPs are "
          "per call\n";
  const char *unit = r.tokens ? "/token" : "/call";
  os << llvm::format("  %-36s %14s %20s %20s\n", "scope", "params",
                     (std::string("fwd FLOPs") + unit).c_str(),
                     (std::string("fwd+bwd FLOPs") + unit).c_str());
  auto row = [&](const Scope &s) {
    std::string name = std::string(2 * s.depth, ' ') + s.name;
    int64_t train = s.flops.forward + s.flops.backward;
    double fwd = r.tokens ? perToken(s.flops.forward, r.tokens)
                          : static_cast<double>(s.flops.forward);
    double both =
        r.tokens ? perToken(train, r.tokens) : static_cast<double>(train);
    os << llvm::format("  %-36s %14lld %20.1f %20.1f\n", name.c_str(),
                       static_cast<long long>(s.params), fwd, both);
  };
  const LayerRun *run = r.runs.begin();
  for (unsigned i = 0; i < r.scopes.size(); ++i) {
    if (run == r.runs.end() || run->first != i) {
      row(r.scopes[i]);
      continue;
    }
    std::string name;
    llvm::raw_string_ostream nameOs(name);
    nameOs << "decoder_layer " << run->firstIndex << "-" << run->lastIndex
           << " x" << run->count;
    if (run->weightSets < run->count)
      nameOs << " (" << run->weightSets << " shared)";
    row({name, "decoder_layers", 0, run->params, run->flops});
    row(run->layer);
    i += run->count - 1;
    ++run;
  }
  row(r.total);
  if (r.activeParams >= 0)
    row({"active per token (" + r.routing + ")", "active", 0, r.activeParams,
         r.total.flops});
}

llvm::json::Object toJson(const Scope &s, int64_t tokens) {
  llvm::json::Object o{{"name", s.name},
                       {"kind", s.kind},
                       {"params", s.params},
                       {"forward_flops", s.flops.forward},
                       {"backward_flops", s.flops.backward}};
  if (tokens) {
    o["forward_flops_per_token"] = perToken(s.flops.forward, tokens);
    o["train_flops_per_token"] =
        perToken(s.flops.forward + s.flops.backward, tokens);
  }
  if (s.depth)
    o["nested"] = true;
  return o;
}

llvm::json::Object toJson(const LayerRun &run, int64_t tokens) {
  Scope all{"", "decoder_layers", 0, run.params, run.flops};
  llvm::json::Object o = toJson(all, tokens);
  o.erase("name");
  o["first_layer"] = run.firstIndex;
  o["last_layer"] = run.lastIndex;
  o["layers"] = static_cast<int64_t>(run.count);
  o["weight_sets"] = run.weightSets;
  llvm::json::Object layer = toJson(run.layer, tokens);
  layer.erase("name");
  layer.erase("kind");
  layer.erase("nested");
  o["per_layer"] = std::move(layer);
  return o;
}

struct CherryCostReportPass
    : public mlir::cherry::impl::CherryCostReportPassBase<
          CherryCostReportPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    CostReporter reporter(module);
    std::vector<FunctionReport> reports;
    module.walk([&](FunctionOpInterface fn) {
      if (!fn.isExternal())
        reports.push_back(reporter.run(fn));
    });

    // Parameters no function reads only initialize others (the source
    // layers of a mean_of): they are loaded, never run nor saved.
    llvm::StringSet<> read;
    module.walk([&](ParamRefOp ref) { read.insert(ref.getParam()); });
    int64_t declared = 0, elements = 0, trainable = 0, unread = 0;
    for (ParamOp p : module.getOps<ParamOp>()) {
      int64_t n = cast<CostOpInterface>(p.getOperation()).getParameterCount();
      ++declared;
      elements += n;
      if (p.getTrainable())
        trainable += n;
      if (!read.contains(p.getSymName()))
        unread += n;
    }

    if (ranks < 1 || !(linkGbps >= 0) || !(stepMs >= 0) || !(tflops >= 0) ||
        !std::isfinite(linkGbps) || !std::isfinite(stepMs) ||
        !std::isfinite(tflops)) {
      emitError(module.getLoc())
          << "cherry-cost-report: ranks must be positive and link-gbps, "
             "step-ms and tflops non-negative numbers";
      return signalPassFailure();
    }
    if (expertParallel && ranks < 2) {
      emitError(module.getLoc()) << "cherry-cost-report: expert-parallel=1 "
                                    "places experts on ranks: give ranks=R "
                                    "above 1";
      return signalPassFailure();
    }
    // The first function: the forward pass, whose collectives a step runs.
    FunctionOpInterface first;
    module.walk([&](FunctionOpInterface fn) {
      if (!first && !fn.isExternal())
        first = fn;
    });
    // Expert parallelism: the stacked expert weights (read by grouped
    // GEMMs) stay on their ranks, and each routed MLP of the first function
    // (the forward pass) exchanges its permuted rows four times a step
    // (dispatch and combine, forward and backward), each rank's (R - 1) / R
    // of them remote when the routing is balanced.
    int64_t expertElements = 0;
    double exchangeBytes = 0;
    if (expertParallel) {
      llvm::StringSet<> experts;
      module.walk([&](MoeGroupedLinearOp g) {
        if (auto ref = g.getWeight().getDefiningOp<ParamRefOp>())
          experts.insert(ref.getParam());
      });
      for (ParamOp p : module.getOps<ParamOp>())
        if (experts.contains(p.getSymName())) {
          const int64_t e = p.getTensorType().getDimSize(0);
          if (e % ranks != 0) {
            p.emitOpError()
                << "cherry-cost-report: experts E=" << e
                << " is not divisible by ranks R=" << int64_t(ranks);
            return signalPassFailure();
          }
          if (p.getTrainable())
            expertElements +=
                cast<CostOpInterface>(p.getOperation()).getParameterCount();
        }
      if (first)
        first.walk([&](MoeDispatchOp d) {
          auto t = cast<RankedTensorType>(d.getResult().getType());
          exchangeBytes += 4.0 * 4.0 * double(t.getNumElements()) *
                           double(ranks - 1) / double(ranks);
        });
      if (experts.empty() || exchangeBytes == 0) {
        emitError(module.getLoc())
            << "cherry-cost-report: expert-parallel=1, but the module has "
               "no routed MLP (fuse a mixture with cherry-moee-fuse)";
        return signalPassFailure();
      }
    }
    // What data parallelism over `ranks` ranks costs per step: a ring
    // all-reduce of the f32 gradients of the trainable parameters, and of
    // each balance-loss router's statistics (2 x experts floats: the
    // routed counts and the probability sums, cherry.moe_balance_stats)
    // in the forward pass.
    std::optional<llvm::json::Object> parallel;
    std::string parallelText;
    if (ranks > 1) {
      const double ring = 2.0 * double(ranks - 1) / double(ranks);
      const double gradientBytes =
          4.0 * static_cast<double>(trainable - expertElements);
      double balanceBytes = 0;
      if (first)
        first.walk([&](MoeRouteOp r) {
          if (r.hasBalanceLoss())
            balanceBytes +=
                ring * 4.0 * 2.0 *
                double(cast<RankedTensorType>(r.getLogits().getType())
                           .getShape()
                           .back());
        });
      const double sent = ring * gradientBytes + balanceBytes + exchangeBytes;
      llvm::json::Object o{{"ranks", int64_t(ranks)},
                           {"gradient_bytes", gradientBytes},
                           {"bytes_sent_per_rank", sent}};
      if (balanceBytes > 0)
        o["balance_stats_bytes_per_rank"] = balanceBytes;
      llvm::raw_string_ostream text(parallelText);
      text << llvm::formatv("data parallel over {0} ranks: {1:f3} GB sent "
                            "per rank per step (ring all-reduce of {2:f3} GB "
                            "of f32 gradients",
                            int64_t(ranks), sent / 1e9, gradientBytes / 1e9);
      if (expertParallel) {
        o["expert_parallel"] = true;
        o["all_to_all_bytes_per_rank"] = exchangeBytes;
        text << llvm::formatv(", the experts on their ranks; {0:f6} GB of "
                              "routed rows in all-to-alls",
                              exchangeBytes / 1e9);
      }
      text << ")";
      double compute = 0; // seconds per step
      if (stepMs > 0)
        compute = stepMs / 1e3;
      else if (tflops > 0 && !reports.empty())
        compute = double(reports.front().total.flops.forward +
                         reports.front().total.flops.backward) /
                  (tflops * 1e12);
      if (compute > 0) {
        o["compute_seconds"] = compute;
        text << llvm::formatv(
            "; compute {0:f1} ms per step ({1})", compute * 1e3,
            stepMs > 0 ? "measured"
                       : "the first function's FLOPs at " +
                             std::to_string(int64_t(tflops)) + " TFLOP/s");
      }
      if (linkGbps > 0) {
        const double comm = sent / (linkGbps * 1e9);
        o["link_gbps"] = double(linkGbps);
        o["communication_seconds"] = comm;
        text << llvm::formatv("; at {0:f0} GB/s: {1:f1} ms of communication",
                              double(linkGbps), comm * 1e3);
        if (compute > 0) {
          o["step_seconds_overlapped"] = std::max(compute, comm);
          o["step_seconds_serial"] = compute + comm;
          text << llvm::formatv(", a step of {0:f1} ms (overlapped) to {1:f1} "
                                "ms (not), {2:f0}% to {3:f0}% of the time "
                                "computing",
                                std::max(compute, comm) * 1e3,
                                (compute + comm) * 1e3,
                                100 * compute / std::max(compute, comm),
                                100 * compute / (compute + comm));
        }
      }
      text << "\n";
      parallel = std::move(o);
    }

    raw_ostream &os = llvm::outs();
    if (format == CostReportFormat::Json) {
      llvm::json::Array fns;
      for (const FunctionReport &r : reports) {
        llvm::json::Array scopes;
        for (const Scope &s : r.scopes)
          scopes.push_back(toJson(s, r.tokens));
        llvm::json::Array runs;
        for (const LayerRun &run : r.runs)
          runs.push_back(toJson(run, r.tokens));
        llvm::json::Object fn{{"function", r.name},
                              {"tokens_per_call", r.tokens},
                              {"scopes", std::move(scopes)},
                              {"layer_runs", std::move(runs)},
                              {"total", toJson(r.total, r.tokens)}};
        if (r.activeParams >= 0)
          fn["active_params"] = r.activeParams;
        fns.push_back(std::move(fn));
      }
      llvm::json::Object doc{
          {"functions", std::move(fns)},
          {"module", llvm::json::Object{{"parameters", declared},
                                        {"parameter_elements", elements},
                                        {"trainable_elements", trainable},
                                        {"unread_elements", unread}}}};
      if (parallel)
        doc["data_parallel"] = std::move(*parallel);
      os << llvm::formatv("{0:2}", llvm::json::Value(std::move(doc))) << "\n";
    } else {
      for (const FunctionReport &r : reports)
        printText(r, os);
      os << "module: " << declared << " parameters, " << elements
         << " elements (" << trainable << " trainable";
      if (unread)
        os << ", " << unread << " read by no function, only initializing "
           << "others";
      os << ")\n" << parallelText;
    }
    os.flush();
    markAllAnalysesPreserved();
  }
};

} // namespace
