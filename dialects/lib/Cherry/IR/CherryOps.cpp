//===- CherryOps.cpp - cherry operations and verifiers --------------------===//
//
// Verifiers name the operand, what was expected and what was found, so a
// user reading one line knows which tensor of which op to fix.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::cherry;

namespace {
RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// Checks a single-block region: its arguments have `argTypes` and its
/// `cherry.yield` yields `yieldTypes`. `what` names the region in errors.
LogicalResult verifyRegionSignature(Operation *op, Region &region,
                                    const Twine &what, TypeRange argTypes,
                                    TypeRange yieldTypes) {
  Block &block = region.front();
  if (block.getNumArguments() != argTypes.size())
    return op->emitOpError()
           << what << " must take " << argTypes.size() << " argument(s), found "
           << block.getNumArguments();
  for (auto [i, pair] :
       llvm::enumerate(llvm::zip(block.getArgumentTypes(), argTypes)))
    if (std::get<0>(pair) != std::get<1>(pair))
      return op->emitOpError()
             << what << " argument #" << i << " must be " << std::get<1>(pair)
             << ", found " << std::get<0>(pair);
  // The block may be empty or lack a terminator: look, don't assume.
  auto yield = block.empty() ? YieldOp() : dyn_cast<YieldOp>(block.back());
  if (!yield)
    return op->emitOpError() << what << " must end with cherry.yield";
  if (yield.getValues().size() != yieldTypes.size())
    return op->emitOpError() << what << " must yield " << yieldTypes.size()
                             << " value(s), found " << yield.getValues().size();
  for (auto [i, pair] :
       llvm::enumerate(llvm::zip(yield.getValues().getTypes(), yieldTypes)))
    if (std::get<0>(pair) != std::get<1>(pair))
      return op->emitOpError()
             << what << " yields " << std::get<0>(pair) << " as value #" << i
             << ", expected " << std::get<1>(pair);
  return success();
}

/// `what` (e.g. "weight") must have the element type of `ref` (named
/// `refName`, e.g. "input").
LogicalResult verifySameElementType(Operation *op, StringRef what,
                                    RankedTensorType type, StringRef refName,
                                    RankedTensorType ref) {
  if (type.getElementType() == ref.getElementType())
    return success();
  return op->emitOpError() << what << " element type " << type.getElementType()
                           << " differs from " << refName << " element type "
                           << ref.getElementType();
}

/// The result must be exactly `shape` x `elementType`; `why` explains the
/// expected shape in the message (may be empty).
LogicalResult verifyResultType(Operation *op, RankedTensorType result,
                               ArrayRef<int64_t> shape, Type elementType,
                               StringRef why) {
  if (result.getShape() == shape && result.getElementType() == elementType)
    return success();
  InFlightDiagnostic diag = op->emitOpError()
                            << "result must be "
                            << RankedTensorType::get(shape, elementType);
  if (!why.empty())
    diag << " (" << why << ")";
  return diag << ", found " << result;
}
} // namespace

//===----------------------------------------------------------------------===//
// ParamOp / ParamRefOp
//===----------------------------------------------------------------------===//

LogicalResult ParamOp::verify() {
  if (!getInit() && !getCheckpoint())
    return emitOpError() << "parameter @" << getSymName()
                         << " needs an init(...) or a checkpoint(...) to get "
                            "its value from";
  if (getCheckpoint() && getCheckpoint()->empty())
    return emitOpError() << "parameter @" << getSymName()
                         << " has an empty checkpoint name";
  for (int64_t d : getTensorType().getShape())
    if (d <= 0)
      return emitOpError() << "parameter @" << getSymName()
                           << " has a zero-sized dimension in " << getType();
  int64_t source = static_cast<int64_t>(getWeightSource());
  if (source < 0 || source > UINT32_MAX)
    return emitOpError() << "parameter @" << getSymName()
                         << " has weight_source " << source
                         << ", expected an index >= 0";
  if (getWeightSource() != 0 && !getCheckpoint())
    return emitOpError() << "parameter @" << getSymName()
                         << " has a weight_source but no checkpoint(...) to "
                            "read from it";
  return success();
}

/// Checks a #cherry.stack_of initializer: `[n, ...]` from n parameters of
/// type `[...]`, none the parameter itself.
static LogicalResult verifyStackOf(ParamOp param, StackOfInitAttr init,
                                   SymbolTableCollection &symbolTable) {
  RankedTensorType type = param.getTensorType();
  int64_t n = init.getSources().size();
  // An expert-parallel slice (cherry-expert-parallel) stacks the whole
  // tensor and keeps its rank's rows.
  int64_t shards = 1;
  if (auto attr = param->getAttrOfType<IntegerAttr>(kExpertShardsAttr))
    shards = attr.getInt();
  if (shards < 1)
    return param.emitOpError()
           << kExpertShardsAttr << " must be positive, found " << shards;
  if (type.getRank() < 1 || type.getDimSize(0) * shards != n) {
    InFlightDiagnostic diag = param.emitOpError()
                              << "init of @" << param.getSymName()
                              << ": stack_of " << n << " parameters needs ";
    if (shards > 1)
      diag << "a first dimension times " << kExpertShardsAttr << " (" << shards
           << ") of " << n;
    else
      diag << "a first dimension of " << n;
    return diag << ", found " << type;
  }
  auto slice = RankedTensorType::get(type.getShape().drop_front(),
                                     type.getElementType());
  for (Attribute source : init.getSources()) {
    auto ref = cast<FlatSymbolRefAttr>(source);
    auto other = symbolTable.lookupNearestSymbolFrom<ParamOp>(param, ref);
    if (!other)
      return param.emitOpError() << "init of @" << param.getSymName()
                                 << " stacks undefined parameter " << ref;
    if (other == param)
      return param.emitOpError()
             << "init of @" << param.getSymName() << " stacks itself";
    if (other.getType() != slice)
      return param.emitOpError()
             << "init of @" << param.getSymName() << " stacks " << ref
             << " of type " << other.getType() << ", expected " << slice;
  }
  return success();
}

/// Checks a #cherry.lora_svd initializer against the parameters it names:
/// both `[out, in]` of one type, and the factor's shape `[rank, in]` (A) or
/// `[out, rank]` (B), rank at most min(out, in).
static LogicalResult verifyLoraSvd(ParamOp param, LoraSvdInitAttr init,
                                   SymbolTableCollection &symbolTable) {
  auto fail = [&]() {
    return param.emitOpError() << "init of @" << param.getSymName() << ": ";
  };
  ParamOp original =
      symbolTable.lookupNearestSymbolFrom<ParamOp>(param, init.getOriginal());
  ParamOp average =
      symbolTable.lookupNearestSymbolFrom<ParamOp>(param, init.getAverage());
  if (!original || !average)
    return fail() << "lora_svd names undefined parameter "
                  << (original ? init.getAverage() : init.getOriginal());
  if (original == param || average == param)
    return fail() << "lora_svd names the parameter itself";
  RankedTensorType type = original.getTensorType();
  if (type.getRank() != 2 || average.getType() != type)
    return fail() << "lora_svd needs two matrices of one type, found "
                  << original.getType() << " and " << average.getType();
  int64_t out = type.getDimSize(0), in = type.getDimSize(1);
  int64_t rank = init.getRank();
  if (rank > std::min(out, in))
    return fail() << "lora_svd rank " << rank
                  << " exceeds the smaller dimension of " << type;
  bool isA = init.getFactor().getValue() == "A";
  SmallVector<int64_t> want =
      isA ? SmallVector<int64_t>{rank, in} : SmallVector<int64_t>{out, rank};
  if (param.getTensorType().getShape() != ArrayRef(want) ||
      param.getTensorType().getElementType() != type.getElementType())
    return fail() << "lora_svd factor " << init.getFactor() << " of " << type
                  << " must be " << (isA ? "[rank, in]" : "[out, rank]")
                  << ", found " << param.getType();
  return success();
}

LogicalResult ParamOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  if (auto svd = dyn_cast_if_present<LoraSvdInitAttr>(getInitAttr()))
    return verifyLoraSvd(*this, svd, symbolTable);
  if (auto stack = dyn_cast_if_present<StackOfInitAttr>(getInitAttr()))
    return verifyStackOf(*this, stack, symbolTable);
  auto mean = dyn_cast_if_present<MeanOfInitAttr>(getInitAttr());
  if (!mean)
    return success();
  for (Attribute source : mean.getSources()) {
    auto ref = cast<FlatSymbolRefAttr>(source);
    auto other = symbolTable.lookupNearestSymbolFrom<ParamOp>(*this, ref);
    if (!other)
      return emitOpError() << "init of @" << getSymName()
                           << " averages undefined parameter " << ref;
    if (other == *this)
      return emitOpError() << "init of @" << getSymName() << " averages itself";
    if (other.getType() != getType())
      return emitOpError() << "init of @" << getSymName() << " averages " << ref
                           << " of type " << other.getType() << ", expected "
                           << getType();
  }
  // The init function computes means in dependency order; a cycle has none.
  SmallVector<ParamOp> stack{*this};
  llvm::SmallPtrSet<Operation *, 8> seen;
  while (!stack.empty()) {
    ParamOp current = stack.pop_back_val();
    auto init = dyn_cast_if_present<MeanOfInitAttr>(current.getInitAttr());
    if (!init || !seen.insert(current).second)
      continue;
    for (Attribute source : init.getSources()) {
      auto next = symbolTable.lookupNearestSymbolFrom<ParamOp>(
          current, cast<FlatSymbolRefAttr>(source));
      if (next == *this)
        return emitOpError()
               << "init of @" << getSymName() << " depends on itself through @"
               << current.getSymName();
      if (next)
        stack.push_back(next);
    }
  }
  return success();
}

LogicalResult ParamRefOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto param =
      symbolTable.lookupNearestSymbolFrom<ParamOp>(*this, getParamAttr());
  if (!param)
    return emitOpError() << "references undefined parameter " << getParamAttr();
  if (param.getType() != getType())
    return emitOpError() << "result type " << getType()
                         << " does not match parameter " << getParamAttr()
                         << " of type " << param.getType();
  return success();
}

void ParamRefOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  // Name the value after the module owning the weight: `q_proj` for
  // `model.layers.0.self_attn.q_proj.weight`, `norm` for `model.norm.weight`.
  StringRef name = getParam();
  if (name.ends_with(".weight") || name.ends_with(".bias"))
    name = name.rsplit('.').first;
  name = name.rsplit('.').second.empty() ? name : name.rsplit('.').second;
  setNameFn(getResult(), name);
}

//===----------------------------------------------------------------------===//
// Building blocks
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  RankedTensorType table = tensorType(getTable());
  RankedTensorType ids = tensorType(getIds());
  RankedTensorType result = tensorType(getResult());
  if (table.getRank() != 2)
    return emitOpError() << "table must be [vocab, hidden], found " << table;
  SmallVector<int64_t> expected(ids.getShape());
  expected.push_back(table.getDimSize(1));
  return verifyResultType(*this, result, expected, table.getElementType(),
                          "ids shape + hidden");
}

LogicalResult RMSNormOp::verify() {
  RankedTensorType input = tensorType(getInput());
  RankedTensorType weight = tensorType(getWeight());
  if (input.getRank() < 1)
    return emitOpError() << "input must have rank >= 1, found " << input;
  int64_t features = input.getShape().back();
  if (weight.getRank() != 1 || weight.getDimSize(0) != features)
    return emitOpError() << "weight must be [" << features
                         << "] (the input's last dimension), found " << weight;
  if (failed(verifySameElementType(*this, "weight", weight, "input", input)))
    return failure();
  if (!(getEps().convertToDouble() > 0.0))
    return emitOpError() << "eps must be positive, found "
                         << getEps().convertToDouble();
  return success();
}

LogicalResult LinearOp::verify() {
  RankedTensorType input = tensorType(getInput());
  RankedTensorType weight = tensorType(getWeight());
  RankedTensorType result = tensorType(getResult());
  if (weight.getRank() != 2)
    return emitOpError() << "weight must be [out_features, in_features], "
                            "found "
                         << weight;
  if (input.getRank() < 1)
    return emitOpError() << "input must have rank >= 1, found " << input;
  int64_t out = weight.getDimSize(0), in = weight.getDimSize(1);
  if (input.getShape().back() != in)
    return emitOpError() << "input features " << input.getShape().back()
                         << " do not match weight in_features " << in
                         << " (weight " << weight
                         << " is [out_features, in_features])";
  if (failed(verifySameElementType(*this, "weight", weight, "input", input)))
    return failure();
  if (Value bias = getBias()) {
    RankedTensorType b = tensorType(bias);
    if (b.getRank() != 1 || b.getDimSize(0) != out)
      return emitOpError() << "bias must be [" << out
                           << "] (out_features), found " << b;
    if (failed(verifySameElementType(*this, "bias", b, "input", input)))
      return failure();
  }
  SmallVector<int64_t> expected(input.getShape());
  expected.back() = out;
  return verifyResultType(*this, result, expected, input.getElementType(), "");
}

LogicalResult ScaleOp::verify() {
  double factor = getFactor().convertToDouble();
  if (!std::isfinite(factor))
    return emitOpError() << "factor must be finite, found " << factor;
  return success();
}

/// Optional `positions` of gathered rows: integers `[batch, rows]`, the
/// first two dimensions of `rows`.
static LogicalResult verifyRowPositions(Operation *op, Value positions,
                                        RankedTensorType rows) {
  if (!positions)
    return success();
  RankedTensorType p = cast<RankedTensorType>(positions.getType());
  if (p.getShape() != rows.getShape().take_front(2))
    return op->emitOpError()
           << "positions " << p << " must be [batch, rows] = ["
           << rows.getDimSize(0) << ", " << rows.getDimSize(1) << "]";
  return success();
}

LogicalResult RopeOp::verify() {
  RankedTensorType input = tensorType(getInput());
  if (input.getRank() != 3)
    return emitOpError() << "input must be [batch, seq, heads * head_dim], "
                            "found "
                         << input;
  int64_t headDim = getHeadDim();
  if (headDim <= 0 || headDim % 2 != 0)
    return emitOpError() << "head_dim must be positive and even, found "
                         << headDim;
  if (input.getDimSize(2) % headDim != 0)
    return emitOpError() << "input features " << input.getDimSize(2)
                         << " are not a multiple of head_dim " << headDim;
  if (!(getTheta().convertToDouble() > 0.0))
    return emitOpError() << "theta must be positive, found "
                         << getTheta().convertToDouble();
  return verifyRowPositions(*this, getPositions(), input);
}

int64_t AttentionOp::getHeadDim() {
  return tensorType(getQuery()).getDimSize(2) / getNumHeads();
}

int64_t AttentionOp::getScoredPairs() {
  int64_t tq = tensorType(getQuery()).getDimSize(1);
  int64_t tk = tensorType(getKey()).getDimSize(1);
  if (!getCausal())
    return tq * tk;
  // Query t sees keys 0..t; at positions uniform in [0, tk), (tk + 1) / 2
  // keys on average.
  if (getPositions())
    return tq * (tk + 1) / 2;
  return tq * (tq + 1) / 2;
}

LogicalResult AttentionOp::verify() {
  RankedTensorType q = tensorType(getQuery());
  RankedTensorType k = tensorType(getKey());
  if (q.getRank() != 3)
    return emitOpError() << "query must be [batch, seq, num_heads * head_dim], "
                            "found "
                         << q;
  if (k.getRank() != 3)
    return emitOpError()
           << "key must be [batch, seq, num_kv_heads * head_dim], found " << k;
  if (failed(verifySameElementType(*this, "key", k, "query", q)))
    return failure();
  if (k.getDimSize(0) != q.getDimSize(0))
    return emitOpError() << "key batch " << k.getDimSize(0)
                         << " differs from query batch " << q.getDimSize(0);
  if (getCausal() && !getPositions() && k.getDimSize(1) != q.getDimSize(1))
    return emitOpError() << "causal attention needs key length "
                         << k.getDimSize(1) << " equal to query length "
                         << q.getDimSize(1) << " (or query positions)";
  if (failed(verifyRowPositions(*this, getPositions(), q)))
    return failure();
  int64_t heads = getNumHeads(), kvHeads = getNumKvHeads();
  if (heads <= 0 || kvHeads <= 0)
    return emitOpError() << "num_heads (" << heads << ") and num_kv_heads ("
                         << kvHeads << ") must be positive";
  if (heads % kvHeads != 0)
    return emitOpError() << "num_heads " << heads
                         << " is not a multiple of num_kv_heads " << kvHeads;
  if (q.getDimSize(2) % heads != 0)
    return emitOpError() << "query features " << q.getDimSize(2)
                         << " are not divisible by num_heads " << heads;
  int64_t headDim = q.getDimSize(2) / heads;
  if (k.getDimSize(2) != kvHeads * headDim)
    return emitOpError() << "key features " << k.getDimSize(2)
                         << " must be num_kv_heads (" << kvHeads
                         << ") x head_dim (" << headDim
                         << ") = " << kvHeads * headDim;
  return success();
}

/// Optional per-position loss weights: f32 with the targets' shape.
static LogicalResult verifyLossWeights(Operation *op, Value weights,
                                       RankedTensorType targets) {
  if (!weights)
    return success();
  RankedTensorType w = cast<RankedTensorType>(weights.getType());
  if (w.getShape() != targets.getShape() || !w.getElementType().isF32())
    return op->emitOpError()
           << "weights " << w << " must be f32 with the targets' shape ["
           << targets.getShape() << "]";
  return success();
}

/// `logits` [..., vocab] and `targets` of its shape without vocab.
static LogicalResult verifyLogitsAndTargets(Operation *op,
                                            RankedTensorType logits,
                                            RankedTensorType targets) {
  if (logits.getRank() < 2)
    return op->emitOpError() << "logits must be [..., vocab] with rank >= 2, "
                                "found "
                             << logits;
  if (targets.getShape() != logits.getShape().drop_back())
    return op->emitOpError() << "targets " << targets
                             << " must have the logits' shape without vocab ["
                             << logits.getShape().drop_back() << "]";
  return success();
}

LogicalResult CrossEntropyOp::verify() {
  RankedTensorType targets = tensorType(getTargets());
  if (failed(verifyLogitsAndTargets(*this, tensorType(getLogits()), targets)))
    return failure();
  return verifyLossWeights(*this, getWeights(), targets);
}

LogicalResult TokenCrossEntropyOp::verify() {
  RankedTensorType logits = tensorType(getLogits());
  RankedTensorType targets = tensorType(getTargets());
  if (failed(verifyLogitsAndTargets(*this, logits, targets)))
    return failure();
  return verifyResultType(*this, tensorType(getResult()), targets.getShape(),
                          logits.getElementType(), "");
}

//===----------------------------------------------------------------------===//
// SGT
//===----------------------------------------------------------------------===//

LogicalResult SgtSelectOp::verify() {
  RankedTensorType targets = tensorType(getTargets());
  RankedTensorType positions = tensorType(getPositions());
  if (targets.getRank() != 2)
    return emitOpError() << "targets must be [batch, seq], found " << targets;
  if (positions.getRank() != 2 ||
      positions.getDimSize(0) != targets.getDimSize(0))
    return emitOpError() << "positions must be [" << targets.getDimSize(0)
                         << ", k], found " << positions;
  int64_t k = positions.getDimSize(1), seq = targets.getDimSize(1);
  if (k < 1 || k > seq)
    return emitOpError() << "selects k = " << k
                         << " positions per row, expected 1 <= k <= seq ("
                         << seq << ")";
  RankedTensorType weights = tensorType(getWeights());
  if (weights.getShape() != positions.getShape() ||
      !weights.getElementType().isF32())
    return emitOpError() << "weights must be f32 [" << positions.getShape()
                         << "] like the positions, found " << weights;
  // What each policy reads besides the targets.
  SgtPolicy policy = getPolicy();
  StringRef name = stringifySgtPolicy(policy);
  Value scores = getScores();
  bool wantsScores =
      policy == SgtPolicy::score || policy == SgtPolicy::surprisal ||
      policy == SgtPolicy::loss_topk || policy == SgtPolicy::mask;
  if (wantsScores != static_cast<bool>(scores))
    return emitOpError() << "policy '" << name << "' "
                         << (scores ? "takes no scores operand"
                                    : "needs a scores(...) operand");
  if (!scores)
    return success();
  RankedTensorType s = tensorType(scores);
  switch (policy) {
  case SgtPolicy::score:
  case SgtPolicy::surprisal:
    if (s.getRank() != 1 || !s.getElementType().isF32())
      return emitOpError() << "policy '" << name
                           << "' needs an f32 [vocab] score table, found " << s;
    break;
  case SgtPolicy::loss_topk:
    if (s.getShape() != targets.getShape() || !s.getElementType().isF32())
      return emitOpError() << "policy 'loss_topk' needs the f32 ["
                           << targets.getShape()
                           << "] per-position losses, found " << s;
    break;
  case SgtPolicy::mask:
    if (s.getShape() != targets.getShape() ||
        !s.getElementType().isSignlessInteger(32))
      return emitOpError() << "policy 'mask' needs an i32 ["
                           << targets.getShape() << "] mask, found " << s;
    break;
  default:
    break;
  }
  return success();
}

void SgtSelectOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  setNameFn(getPositions(), "positions");
  setNameFn(getWeights(), "weights");
}

bool SgtSelectOp::selectsAll() {
  // Surprisal and mask weights depend on the data even when k == seq.
  SgtPolicy policy = getPolicy();
  return tensorType(getPositions()).getDimSize(1) ==
             tensorType(getTargets()).getDimSize(1) &&
         policy != SgtPolicy::surprisal && policy != SgtPolicy::mask;
}

/// Selecting all `seq` positions with equal weights gives 0..seq-1 under
/// every such policy, so the policy, seed and score table are irrelevant:
/// make it `uniform` and drop the dependency on the scores.
LogicalResult SgtSelectOp::canonicalize(SgtSelectOp op,
                                        PatternRewriter &rewriter) {
  if (!op.selectsAll() ||
      (op.getPolicy() == SgtPolicy::uniform && op.getSeed() == 0))
    return failure();
  rewriter.modifyOpInPlace(op, [&] {
    op.setPolicy(SgtPolicy::uniform);
    op.setSeed(0);
    op.getScoresMutable().clear();
  });
  return success();
}

/// Gathering every position in order is the identity.
OpFoldResult GatherOp::fold(FoldAdaptor) {
  auto select = getPositions().getDefiningOp<SgtSelectOp>();
  if (select && select.selectsAll() &&
      getInput().getType() == getResult().getType())
    return getInput();
  return {};
}

LogicalResult GatherOp::verify() {
  RankedTensorType input = tensorType(getInput());
  RankedTensorType positions = tensorType(getPositions());
  RankedTensorType result = tensorType(getResult());
  if (input.getRank() < 2)
    return emitOpError() << "input must be [batch, seq, ...], found " << input;
  if (positions.getRank() != 2 ||
      positions.getDimSize(0) != input.getDimSize(0))
    return emitOpError() << "positions must be [" << input.getDimSize(0)
                         << ", k], found " << positions;
  SmallVector<int64_t> expected(input.getShape());
  expected[1] = positions.getDimSize(1);
  return verifyResultType(*this, result, expected, input.getElementType(), "");
}

LogicalResult SelectiveCrossEntropyOp::verify() {
  RankedTensorType logits = tensorType(getLogits());
  RankedTensorType targets = tensorType(getTargets());
  RankedTensorType positions = tensorType(getPositions());
  if (logits.getRank() != 3)
    return emitOpError() << "logits must be [batch, seq, vocab], found "
                         << logits;
  if (targets.getShape() != logits.getShape().drop_back())
    return emitOpError() << "targets " << targets << " must be ["
                         << logits.getShape().drop_back()
                         << "] (logits without vocab)";
  if (positions.getRank() != 2 ||
      positions.getDimSize(0) != logits.getDimSize(0) ||
      positions.getDimSize(1) > logits.getDimSize(1))
    return emitOpError() << "positions must be [" << logits.getDimSize(0)
                         << ", k] with k <= " << logits.getDimSize(1)
                         << ", found " << positions;
  return verifyLossWeights(*this, getWeights(), positions);
}

//===----------------------------------------------------------------------===//
// Region ops
//===----------------------------------------------------------------------===//

LogicalResult DecoderLayerOp::verify() {
  int64_t index = getIndex();
  if (index < 0)
    return emitOpError() << "index must be >= 0, found " << index;
  Type t = getInput().getType();
  return verifyRegionSignature(*this, getBody(), "body", t, t);
}

SmallVector<int64_t> RecurrentOp::getRunsPerLayer() {
  SmallVector<int64_t> runs(getLayers().size(), 0);
  for (int64_t layer : getSchedule())
    if (layer >= 0 && layer < static_cast<int64_t>(runs.size()))
      ++runs[layer];
  return runs;
}

LogicalResult RecurrentOp::verify() {
  ArrayRef<int64_t> schedule = getSchedule();
  int64_t numLayers = getLayers().size();
  if (numLayers == 0)
    return emitOpError() << "needs at least one shared layer region";
  if (schedule.empty())
    return emitOpError() << "schedule must have at least one step";
  for (auto [step, layer] : llvm::enumerate(schedule))
    if (layer < 0 || layer >= numLayers)
      return emitOpError() << "schedule step " << step << " names layer "
                           << layer << ", but there are " << numLayers
                           << " shared layers";
  for (auto [layer, runs] : llvm::enumerate(getRunsPerLayer()))
    if (runs == 0)
      return emitOpError() << "shared layer " << layer
                           << " never runs in the schedule";
  SmallVector<Type> argTypes{getInput().getType()};
  for (auto [i, param] : llvm::enumerate(getStepParams())) {
    RankedTensorType t = tensorType(param);
    if (t.getRank() < 1 ||
        t.getDimSize(0) != static_cast<int64_t>(schedule.size()))
      return emitOpError() << "step_params #" << i << " " << t
                           << " must have a leading dimension of "
                           << schedule.size() << " (one slice per step)";
    argTypes.push_back(
        RankedTensorType::get(t.getShape().drop_front(), t.getElementType()));
  }
  for (auto [i, region] : llvm::enumerate(getLayers()))
    if (failed(verifyRegionSignature(*this, region, "shared layer " + Twine(i),
                                     argTypes, getInput().getType())))
      return failure();
  return success();
}

LogicalResult MoEEOp::verify() {
  RankedTensorType input = tensorType(getInput());
  RankedTensorType router = tensorType(getRouter());
  RankedTensorType result = tensorType(getResult());
  int64_t experts = getExperts().size();
  if (input.getRank() != 3)
    return emitOpError() << "input must be [batch, seq, hidden], found "
                         << input;
  if (experts < 1)
    return emitOpError() << "needs at least one expert region";
  if (router.getRank() != 2 || router.getDimSize(0) != experts ||
      router.getDimSize(1) != input.getDimSize(2))
    return emitOpError() << "router must be [" << experts << ", "
                         << input.getDimSize(2) << "] (experts, hidden), found "
                         << router;
  int64_t topK = getTopK();
  if (topK < 1 || topK > experts)
    return emitOpError() << "top_k must be in [1, " << experts << "], found "
                         << topK;
  if (result.getRank() < 2 || result.getDimSize(0) != input.getDimSize(0) ||
      result.getDimSize(1) != input.getDimSize(1))
    return emitOpError() << "result " << result
                         << " must keep the input's [batch, seq] = ["
                         << input.getDimSize(0) << ", " << input.getDimSize(1)
                         << "]";
  for (auto [i, region] : llvm::enumerate(getExperts()))
    if (failed(verifyRegionSignature(*this, region, "expert " + Twine(i),
                                     TypeRange(input), TypeRange(result))))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

/// `shape` with its last dimension replaced by `last`.
static SmallVector<int64_t> withLast(ArrayRef<int64_t> shape, int64_t last) {
  SmallVector<int64_t> out(shape);
  out.back() = last;
  return out;
}

static LogicalResult verifyIndexVector(Operation *op, StringRef what, Value v,
                                       int64_t size, StringRef meaning) {
  RankedTensorType t = tensorType(v);
  if (t.getRank() != 1 || t.getDimSize(0) != size ||
      !t.getElementType().isInteger(32))
    return op->emitOpError() << what << " must be tensor<" << size << "xi32> ("
                             << meaning << "), found " << t;
  return success();
}

LogicalResult MoeRouteOp::verify() {
  RankedTensorType logits = tensorType(getLogits());
  if (logits.getRank() < 1)
    return emitOpError() << "logits must be [..., experts], found " << logits;
  int64_t experts = getNumExperts(), tokens = getNumTokens();
  int64_t topK = getTopK();
  if (topK < 1 || topK > experts)
    return emitOpError() << "top_k must be in [1, " << experts
                         << "] (the experts), found " << topK;
  for (auto [name, value] :
       {std::pair<StringRef, double>{"balance_coeff",
                                     getBalanceCoeff().convertToDouble()},
        {"z_coeff", getZCoeff().convertToDouble()}})
    if (!(value >= 0) || !std::isfinite(value))
      return emitOpError() << name
                           << " must be a finite number >= 0 (0 leaves the "
                              "loss out), found "
                           << value;
  SmallVector<int64_t> perToken = withLast(logits.getShape(), topK);
  RankedTensorType expert = tensorType(getExpert());
  if (expert.getShape() != ArrayRef(perToken) ||
      !expert.getElementType().isInteger(32))
    return emitOpError() << "expert must be "
                         << RankedTensorType::get(
                                perToken, IntegerType::get(getContext(), 32))
                         << " (top_k per token), found " << expert;
  RankedTensorType gate = tensorType(getGate());
  if (gate.getShape() != ArrayRef(perToken) ||
      gate.getElementType() != logits.getElementType())
    return emitOpError() << "gate must be "
                         << RankedTensorType::get(perToken,
                                                  logits.getElementType())
                         << " (top_k per token), found " << gate;
  if (failed(verifyIndexVector(*this, "slot_row", getSlotRow(), tokens * topK,
                               "one row per token-slot")))
    return failure();
  return verifyIndexVector(*this, "counts", getCounts(), experts,
                           "one count per expert");
}

LogicalResult MoeRouteGradOp::verify() {
  Value stats = getBalanceStats();
  if (!stats)
    return success();
  if (!hasBalanceLoss())
    return emitOpError() << "has balance_stats but no balance loss "
                            "(balance_coeff is 0)";
  RankedTensorType logits = tensorType(getLogits());
  const int64_t experts = logits.getShape().back();
  RankedTensorType t = tensorType(stats);
  if (t.getShape() != ArrayRef<int64_t>{2, experts} ||
      !t.getElementType().isF32())
    return emitOpError() << "balance_stats must be "
                         << RankedTensorType::get(
                                {2, experts}, Float32Type::get(getContext()))
                         << " (cherry.moe_balance_stats), found " << t;
  return success();
}

LogicalResult MoeBalanceStatsOp::verify() {
  RankedTensorType probs = tensorType(getProbs());
  if (probs.getRank() < 1 || !probs.getElementType().isF32())
    return emitOpError() << "probs must be f32 [..., experts], found " << probs;
  const int64_t experts = probs.getShape().back();
  if (getTopK() < 1 || getTopK() > experts)
    return emitOpError() << "top_k must be in [1, " << experts
                         << "] (the experts), found " << getTopK();
  if (failed(verifyIndexVector(*this, "counts", getCounts(), experts,
                               "one count per expert")))
    return failure();
  if (getResult().getType().getShape() != ArrayRef<int64_t>{2, experts})
    return emitOpError() << "result must be [2, " << experts << "], found "
                         << getResult().getType();
  return success();
}

LogicalResult MoeDispatchOp::verify() {
  RankedTensorType input = tensorType(getInput());
  RankedTensorType result = tensorType(getResult());
  if (input.getRank() < 1)
    return emitOpError() << "input must be [..., dim], found " << input;
  if (getTopK() < 1)
    return emitOpError() << "top_k must be >= 1, found " << getTopK();
  int64_t rows = input.getNumElements() / input.getShape().back() * getTopK();
  if (failed(verifyIndexVector(*this, "slot_row", getSlotRow(), rows,
                               "tokens * top_k")))
    return failure();
  if (result.getRank() != 2 || result.getDimSize(0) != rows ||
      result.getDimSize(1) != input.getShape().back() ||
      result.getElementType() != input.getElementType())
    return emitOpError() << "result must be [" << rows << ", "
                         << input.getShape().back()
                         << "] (tokens * top_k rows of the input), found "
                         << result;
  return success();
}

LogicalResult MoeGroupedLinearOp::verify() {
  RankedTensorType input = tensorType(getInput());
  RankedTensorType weight = tensorType(getWeight());
  RankedTensorType result = tensorType(getResult());
  if (input.getRank() != 2)
    return emitOpError() << "input must be [rows, in_features], found "
                         << input;
  if (weight.getRank() != 3 || weight.getDimSize(2) != input.getDimSize(1))
    return emitOpError() << "weight must be [experts, out_features, "
                         << input.getDimSize(1) << "], found " << weight;
  if (failed(verifySameElementType(*this, "weight", weight, "input", input)))
    return failure();
  if (failed(verifyIndexVector(*this, "counts", getCounts(),
                               weight.getDimSize(0), "one count per expert")))
    return failure();
  if (result.getRank() != 2 || result.getDimSize(0) != input.getDimSize(0) ||
      result.getDimSize(1) != weight.getDimSize(1) ||
      result.getElementType() != input.getElementType())
    return emitOpError() << "result must be [" << input.getDimSize(0) << ", "
                         << weight.getDimSize(1) << "], found " << result;
  return success();
}

LogicalResult MoeCombineOp::verify() {
  RankedTensorType input = tensorType(getInput());
  RankedTensorType gate = tensorType(getGate());
  RankedTensorType result = tensorType(getResult());
  if (input.getRank() != 2)
    return emitOpError() << "input must be [tokens * top_k, dim], found "
                         << input;
  if (gate.getRank() < 1 || gate.getNumElements() != input.getDimSize(0))
    return emitOpError() << "gate " << gate << " must be [..., top_k] with "
                         << input.getDimSize(0)
                         << " elements (one per input row)";
  if (failed(verifySameElementType(*this, "gate", gate, "input", input)))
    return failure();
  if (failed(verifyIndexVector(*this, "slot_row", getSlotRow(),
                               input.getDimSize(0), "one row per token-slot")))
    return failure();
  SmallVector<int64_t> want = withLast(gate.getShape(), input.getDimSize(1));
  if (result.getShape() != ArrayRef(want) ||
      result.getElementType() != input.getElementType())
    return emitOpError() << "result must be "
                         << RankedTensorType::get(want, input.getElementType())
                         << " (the gate's tokens, the input's dim), found "
                         << result;
  return success();
}

LogicalResult MTPHeadOp::verify() {
  RankedTensorType input = tensorType(getInput());
  RankedTensorType result = tensorType(getResult());
  int64_t offset = getOffset();
  if (offset < 1)
    return emitOpError() << "offset must be >= 1 (1 is the next token), "
                            "found "
                         << offset;
  if (input.getRank() != 3)
    return emitOpError() << "input must be [batch, seq, hidden], found "
                         << input;
  if (result.getRank() != 3 || result.getDimSize(0) != input.getDimSize(0) ||
      result.getDimSize(1) != input.getDimSize(1))
    return emitOpError() << "result must be [" << input.getDimSize(0) << ", "
                         << input.getDimSize(1) << ", vocab], found " << result;
  return verifyRegionSignature(*this, getBody(), "body", TypeRange(input),
                               TypeRange(result));
}

LogicalResult ShiftTargetsOp::verify() {
  RankedTensorType targets = tensorType(getTargets());
  if (targets.getRank() != 2)
    return emitOpError() << "targets must be [batch, seq], found " << targets;
  int64_t shift = getShift();
  if (shift < 1 || shift >= targets.getDimSize(1))
    return emitOpError() << "shift must be in [1, " << targets.getDimSize(1)
                         << "), found " << shift;
  return success();
}

#define GET_OP_CLASSES
#include "cherry/Dialect/Cherry/IR/CherryOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shape inference
//===----------------------------------------------------------------------===//

/// The ranked tensor type of `v`, or null (the verifier reports it).
static RankedTensorType rankedOrNull(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

LogicalResult EmbeddingOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType ids = rankedOrNull(getIds());
  RankedTensorType table = rankedOrNull(getTable());
  if (!ids || !table || table.getRank() != 2)
    return failure();
  SmallVector<int64_t> shape(ids.getShape());
  shape.push_back(table.getDimSize(1));
  types.push_back(RankedTensorType::get(shape, table.getElementType()));
  return success();
}

LogicalResult LinearOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedOrNull(getInput());
  RankedTensorType weight = rankedOrNull(getWeight());
  if (!input || !weight || input.getRank() < 1 || weight.getRank() != 2)
    return failure();
  SmallVector<int64_t> shape(input.getShape());
  shape.back() = weight.getDimSize(0);
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult CrossEntropyOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  // The loss is a scalar whatever the shapes.
  types.push_back(getLoss().getType());
  return success();
}

LogicalResult MoeRouteOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType logits = rankedOrNull(getLogits());
  if (!logits || logits.getRank() < 1)
    return failure();
  int64_t topK = getTopK();
  int64_t tokens = logits.getNumElements() / logits.getShape().back();
  Type i32 = IntegerType::get(getContext(), 32);
  SmallVector<int64_t> perToken = withLast(logits.getShape(), topK);
  types.push_back(logits);
  types.push_back(RankedTensorType::get(perToken, i32));
  types.push_back(RankedTensorType::get(perToken, logits.getElementType()));
  types.push_back(RankedTensorType::get({tokens * topK}, i32));
  types.push_back(RankedTensorType::get({logits.getShape().back()}, i32));
  return success();
}

LogicalResult MoeDispatchOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedOrNull(getInput());
  if (!input || input.getRank() < 1)
    return failure();
  int64_t dim = input.getShape().back();
  types.push_back(RankedTensorType::get(
      {input.getNumElements() / dim * static_cast<int64_t>(getTopK()), dim},
      input.getElementType()));
  return success();
}

LogicalResult
MoeGroupedLinearOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedOrNull(getInput());
  RankedTensorType weight = rankedOrNull(getWeight());
  if (!input || !weight || input.getRank() != 2 || weight.getRank() != 3)
    return failure();
  types.push_back(RankedTensorType::get(
      {input.getDimSize(0), weight.getDimSize(1)}, input.getElementType()));
  return success();
}

LogicalResult MoeCombineOp::inferResultTypes(SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedOrNull(getInput());
  RankedTensorType gate = rankedOrNull(getGate());
  if (!input || !gate || input.getRank() != 2 || gate.getRank() < 1)
    return failure();
  types.push_back(RankedTensorType::get(
      withLast(gate.getShape(), input.getDimSize(1)), input.getElementType()));
  return success();
}

void DecoderLayerOp::refineRegionArgumentTypes() {
  getBody().front().getArgument(0).setType(getInput().getType());
}

void RecurrentOp::refineRegionArgumentTypes() {
  // Every shared layer maps the hidden state to the hidden state.
  for (Region &layer : getLayers())
    layer.front().getArgument(0).setType(getInput().getType());
}

//===----------------------------------------------------------------------===//
// Fused head and gradient ops
//===----------------------------------------------------------------------===//

LogicalResult HeadCrossEntropyOp::verify() {
  RankedTensorType h = tensorType(getInput());
  RankedTensorType w = tensorType(getWeight());
  RankedTensorType targets = tensorType(getTargets());
  if (w.getRank() != 2 || h.getRank() < 2 ||
      h.getShape().back() != w.getDimSize(1))
    return emitOpError() << "weight must be [vocab, " << h.getShape().back()
                         << "] for input " << h << ", found " << w;
  if (targets.getShape() != h.getShape().drop_back())
    return emitOpError() << "targets " << targets
                         << " must have the input's shape without hidden ["
                         << h.getShape().drop_back() << "]";
  if (failed(verifyLossWeights(*this, getWeights(), targets)))
    return failure();
  return verifySameElementType(*this, "weight", w, "input", h);
}

LogicalResult LinearGradInputOp::verify() {
  RankedTensorType dy = tensorType(getGrad());
  RankedTensorType w = tensorType(getWeight());
  if (w.getRank() != 2 || dy.getRank() < 1 ||
      dy.getShape().back() != w.getDimSize(0))
    return emitOpError() << "grad " << dy << " must end in out_features "
                         << (w.getRank() == 2 ? w.getDimSize(0) : -1)
                         << " of weight " << w;
  SmallVector<int64_t> expected(dy.getShape());
  expected.back() = w.getDimSize(1);
  return verifyResultType(*this, tensorType(getResult()), expected,
                          dy.getElementType(), "grad rows x in_features");
}

LogicalResult LinearGradWeightOp::verify() {
  RankedTensorType dy = tensorType(getGrad());
  RankedTensorType x = tensorType(getInput());
  if (dy.getRank() < 1 || dy.getShape().drop_back() != x.getShape().drop_back())
    return emitOpError() << "grad " << dy << " and input " << x
                         << " must have the same rows";
  return verifyResultType(*this, tensorType(getResult()),
                          {dy.getShape().back(), x.getShape().back()},
                          dy.getElementType(), "[out_features, in_features]");
}

LogicalResult EmbeddingGradOp::verify() {
  RankedTensorType ids = tensorType(getIds());
  RankedTensorType dy = tensorType(getGrad());
  RankedTensorType result = tensorType(getResult());
  if (dy.getShape().drop_back() != ids.getShape())
    return emitOpError() << "grad " << dy << " must be the ids' shape " << ids
                         << " plus hidden";
  if (result.getRank() != 2 || result.getDimSize(1) != dy.getShape().back())
    return emitOpError() << "result must be [vocab, " << dy.getShape().back()
                         << "], found " << result;
  return success();
}

LogicalResult RMSNormGradOp::verify() {
  RankedTensorType x = tensorType(getInput());
  RankedTensorType w = tensorType(getWeight());
  if (tensorType(getGrad()) != x)
    return emitOpError() << "grad " << getGrad().getType()
                         << " must have the input's type " << x;
  if (w.getRank() != 1 || w.getDimSize(0) != x.getShape().back())
    return emitOpError() << "weight must be [" << x.getShape().back()
                         << "], found " << w;
  if (tensorType(getInputGrad()) != x || tensorType(getWeightGrad()) != w)
    return emitOpError() << "results must have the input's and the weight's "
                            "types";
  return success();
}

LogicalResult RopeGradOp::verify() {
  RankedTensorType dy = tensorType(getGrad());
  int64_t headDim = static_cast<int64_t>(getHeadDim());
  if (dy.getRank() != 3 || headDim <= 0 || headDim % 2 ||
      dy.getDimSize(2) % headDim)
    return emitOpError() << "grad " << dy
                         << " must be [batch, seq, heads * head_dim] with an "
                            "even head_dim "
                         << headDim;
  if (tensorType(getResult()) != dy)
    return emitOpError() << "result must have the grad's type " << dy;
  return verifyRowPositions(*this, getPositions(), dy);
}

LogicalResult AttentionGradOp::verify() {
  RankedTensorType q = tensorType(getQuery());
  RankedTensorType k = tensorType(getKey());
  int64_t heads = static_cast<int64_t>(getNumHeads());
  int64_t kvHeads = static_cast<int64_t>(getNumKvHeads());
  if (q.getRank() != 3 || k.getRank() != 3 || heads <= 0 || kvHeads <= 0 ||
      heads % kvHeads || q.getDimSize(2) % heads ||
      k.getDimSize(2) != kvHeads * (q.getDimSize(2) / heads) ||
      k.getDimSize(0) != q.getDimSize(0) ||
      (!getPositions() && k.getDimSize(1) != q.getDimSize(1)))
    return emitOpError() << "query " << q << " and key " << k
                         << " do not fit num_heads " << heads
                         << " and num_kv_heads " << kvHeads;
  if (tensorType(getValue()) != k || tensorType(getOutput()) != q ||
      tensorType(getGrad()) != q)
    return emitOpError() << "value must have the key's type, output and grad "
                            "the query's";
  if (tensorType(getQueryGrad()) != q || tensorType(getKeyGrad()) != k ||
      tensorType(getValueGrad()) != k)
    return emitOpError() << "results must have the types of query, key and "
                            "value";
  return verifyRowPositions(*this, getPositions(), q);
}

LogicalResult SwiGLUGradOp::verify() {
  RankedTensorType gate = tensorType(getGate());
  if (tensorType(getUp()) != gate || tensorType(getGrad()) != gate ||
      tensorType(getGateGrad()) != gate || tensorType(getUpGrad()) != gate)
    return emitOpError() << "operands and results must all be " << gate;
  return success();
}

LogicalResult HeadCrossEntropyGradOp::verify() {
  RankedTensorType h = tensorType(getInput());
  RankedTensorType w = tensorType(getWeight());
  if (w.getRank() != 2 || h.getRank() < 2 ||
      h.getShape().back() != w.getDimSize(1))
    return emitOpError() << "weight must be [vocab, " << h.getShape().back()
                         << "] for input " << h << ", found " << w;
  if (tensorType(getTargets()).getShape() != h.getShape().drop_back())
    return emitOpError() << "targets must have the input's shape without "
                            "hidden";
  if (tensorType(getInputGrad()) != h || tensorType(getWeightGrad()) != w)
    return emitOpError() << "results must have the input's and the weight's "
                            "types";
  return verifyLossWeights(*this, getWeights(), tensorType(getTargets()));
}

//===----------------------------------------------------------------------===//
// Optimizer updates
//===----------------------------------------------------------------------===//

/// `sym` must name a cherry.param of type `type`.
static LogicalResult verifyParamOfType(Operation *op,
                                       SymbolTableCollection &symbolTable,
                                       FlatSymbolRefAttr sym, Type type,
                                       StringRef role,
                                       StringRef expected = "the gradient") {
  auto param = symbolTable.lookupNearestSymbolFrom<ParamOp>(op, sym);
  if (!param)
    return op->emitOpError() << role << " " << sym << " is not a cherry.param";
  if (param.getType() != type)
    return op->emitOpError()
           << role << " " << sym << " has type " << param.getType() << ", "
           << expected << " " << type;
  return success();
}

static LogicalResult verifyHyper(Operation *op, Value hyper) {
  auto type = cast<RankedTensorType>(hyper.getType());
  if (type.getRank() != 1 || type.getDimSize(0) != 8 ||
      !type.getElementType().isF32())
    return op->emitOpError() << "hyper must be tensor<8xf32> [lr, beta1, "
                                "beta2, eps, weight_decay, step, "
                                "max_grad_norm, tokens], found "
                             << type;
  return success();
}

LogicalResult
AdamWUpdateOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  Type type = getGrad().getType();
  if (getShards() < 1)
    return emitOpError() << "shards must be positive, found " << getShards();
  // ZeRO-1: the moments of this rank's shard only.
  Type moments = type;
  std::string label = "the gradient";
  if (getShards() > 1) {
    label = "a shard of " + std::to_string(getShards()) + " is";
    auto grad = cast<RankedTensorType>(type);
    int64_t n = grad.getNumElements();
    int64_t shards = getShards();
    moments = RankedTensorType::get({(n + shards - 1) / shards},
                                    grad.getElementType());
  }
  if (failed(verifyParamOfType(*this, symbolTable, getParamAttr(), type,
                               "param")) ||
      failed(verifyParamOfType(*this, symbolTable, getMAttr(), moments, "m",
                               label)) ||
      failed(verifyParamOfType(*this, symbolTable, getVAttr(), moments, "v",
                               label)))
    return failure();
  return verifyHyper(*this, getHyper());
}

LogicalResult
SGDUpdateOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  if (failed(verifyParamOfType(*this, symbolTable, getParamAttr(),
                               getGrad().getType(), "param")))
    return failure();
  return verifyHyper(*this, getHyper());
}

LogicalResult GatherGradOp::verify() {
  RankedTensorType dy = tensorType(getGrad());
  RankedTensorType positions = tensorType(getPositions());
  RankedTensorType result = tensorType(getResult());
  if (dy.getRank() != 3 || positions.getRank() != 2 ||
      positions.getShape() != dy.getShape().take_front(2))
    return emitOpError() << "grad " << dy << " must be [batch, k, width] for "
                         << "positions " << positions;
  if (result.getRank() != 3 || result.getDimSize(0) != dy.getDimSize(0) ||
      result.getDimSize(2) != dy.getDimSize(2))
    return emitOpError() << "result must be [" << dy.getDimSize(0) << ", seq, "
                         << dy.getDimSize(2) << "], found " << result;
  return success();
}

LogicalResult RankShareOp::verify() {
  if (getRanks() < 1)
    return emitOpError() << "ranks must be positive, found " << getRanks();
  return success();
}

LogicalResult RankSharesOp::verify() {
  if (getRanks() < 2)
    return emitOpError() << "ranks must be at least 2, found " << getRanks();
  if (getShares().getType().getDimSize(0) != getRanks())
    return emitOpError() << "shares must be [" << getRanks() << "], found "
                         << getShares().getType();
  return success();
}

LogicalResult MoeExchangeCountsOp::verify() {
  auto counts = cast<RankedTensorType>(getCounts().getType());
  auto received = cast<RankedTensorType>(getReceived().getType());
  auto local = cast<RankedTensorType>(getLocalCounts().getType());
  const int64_t ranks = getRanks();
  if (ranks < 2)
    return emitOpError() << "ranks must be at least 2, found " << ranks;
  if (counts.getRank() != 1 || counts.getDimSize(0) % ranks != 0)
    return emitOpError() << "counts must be [experts] with experts a multiple "
                            "of ranks "
                         << ranks << ", found " << counts;
  const int64_t perRank = counts.getDimSize(0) / ranks;
  if (received.getShape() != ArrayRef<int64_t>{ranks, perRank} ||
      local.getShape() != ArrayRef<int64_t>{perRank})
    return emitOpError() << "results must be [" << ranks << ", " << perRank
                         << "] and [" << perRank << "], found " << received
                         << " and " << local;
  return success();
}

LogicalResult MoeExchangeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  auto counts = cast<RankedTensorType>(getCounts().getType());
  auto received = cast<RankedTensorType>(getReceived().getType());
  if (in.getRank() != 2 || out.getRank() != 2 ||
      in.getDimSize(1) != out.getDimSize(1))
    return emitOpError() << "input and result must be [rows, dim] of one dim, "
                            "found "
                         << in << " and " << out;
  if (received.getRank() != 2 || received.getDimSize(0) != getRanks() ||
      counts.getRank() != 1 ||
      counts.getDimSize(0) != getRanks() * received.getDimSize(1))
    return emitOpError() << "received must be [ranks, local] and counts "
                            "[ranks * local] for ranks "
                         << getRanks() << ", found " << received << " and "
                         << counts;
  return success();
}

LogicalResult AllReduceOp::verify() {
  if (getRanks() < 1)
    return emitOpError() << "ranks must be positive, found " << getRanks();
  if (getInputs().empty())
    return emitOpError() << "reduces no tensors";
  if (getInputs().size() != getResults().size())
    return emitOpError() << "has " << getInputs().size() << " inputs but "
                         << getResults().size() << " results";
  for (auto [i, in, out] : llvm::enumerate(getInputs(), getResults()))
    if (in.getType() != out.getType())
      return emitOpError() << "result " << i << " is " << out.getType()
                           << ", its input " << in.getType();
  return success();
}
