//===- InlineLayers.cpp - Decoder layers flattened into their function ----===//
//
// Passes that reason about individual ops across layer boundaries (autodiff,
// the hoisting of selective training's gathers) first move the body of the
// layers into the enclosing block; kernel lowering flattens them the same
// way into its schedule.
//
//===----------------------------------------------------------------------===//

#include "cherry/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::cherry;

StringRef mlir::cherry::layerLocalName(StringRef name) {
  for (StringRef prefix : {"model.layers.", "model.recurrent.steps."}) {
    StringRef rest = name;
    if (!rest.consume_front(prefix))
      continue;
    size_t dot = rest.find('.');
    if (dot != StringRef::npos)
      return rest.drop_front(dot + 1);
  }
  return "";
}

Value mlir::cherry::getYieldedValue(DecoderLayerOp layer) {
  return layer.getBody().front().getTerminator()->getOperand(0);
}

void mlir::cherry::inlineDecoderLayer(DecoderLayerOp layer) {
  Block &body = layer.getBody().front();
  body.getArgument(0).replaceAllUsesWith(layer.getInput());
  Value result = getYieldedValue(layer);
  body.getTerminator()->erase();
  layer->getBlock()->getOperations().splice(Block::iterator(layer),
                                            body.getOperations());
  layer.getResult().replaceAllUsesWith(result);
  layer.erase();
}

unsigned mlir::cherry::inlineDecoderLayers(
    Operation *root, function_ref<bool(DecoderLayerOp)> shouldInline) {
  // Collected first: inlining while walking would move ops under the walk.
  SmallVector<DecoderLayerOp> layers;
  root->walk([&](DecoderLayerOp layer) {
    if (!shouldInline || shouldInline(layer))
      layers.push_back(layer);
  });
  for (DecoderLayerOp layer : layers)
    inlineDecoderLayer(layer);
  return layers.size();
}
