//===- LlamaReference.h - Independent Llama forward pass --------*- C++ -*-===//
//
// A plain C++ implementation of the Hugging Face `LlamaForCausalLM` forward
// pass (fp32 weights, activations in double), written for tests to check the
// losses and logits of compiled models against. It shares no code with the
// runtime's kernels: every operation is a simple loop over the definition,
// so that a disagreement points at the compiler or the runtime. The only
// runtime piece it uses is the safetensors reader.
//
// Semantics, per layer (W is [out, in], x W^T):
//   n = RMSNorm(h) = h * rsqrt(mean(h^2) + eps) * input_layernorm
//   q, k, v = n Wq^T, n Wk^T, n Wv^T; RoPE (rotate-half) on q and k per head
//   a = causal softmax(q k^T / sqrt(head_dim)) v, query head h reading kv
//       head h / (heads / kv_heads)
//   h += a Wo^T
//   n = RMSNorm(h) with post_attention_layernorm
//   h += down(silu(gate(n)) * up(n))
// A recurrent (depth-compressed) model, config.json's "cherry": {"recurrent":
// {"schedule", "step_norms", "lora_rank", "lora_alpha"}}, runs one layer per
// schedule entry: step s is layer schedule[s]'s block, with step s's own
// gains model.recurrent.steps.{s}.*_layernorm.weight when step_norms, and
// with every projection's weight W replaced by
// W + (lora_alpha / lora_rank) * B_s A_s (B_s, A_s =
// model.recurrent.steps.{s}.<module>.lora_B/lora_A.weight) when lora_rank > 0,
// the effective weight formed in double before it is applied.
// A Mixture of Efficient Experts (config.json's "cherry": {"moee":
// {"experts": E, "top_k": k, "renormalize", "balance_coeff", "z_coeff"}})
// replaces each MLP by a routed one (docs/MoEE.md): per token, logits
// z = n W_r^T (W_r = model.layers.{i}.mlp.router.weight, [E, hidden]),
// p = softmax(z), the k experts of largest logit (ties to the lower index),
// gates p_e over the chosen (divided by their sum when renormalize), and
// the MLP output sum_j g_j FFN_{e_j}(n) with FFN_e the SwiGLU MLP of slice e
// of model.layers.{i}.mlp.experts.{gate,up,down}_proj.weight ([E, out, in]).
// Each routed MLP run adds its router losses
// balance_coeff * E * sum_e f_e P_e + z_coeff * mean_t logsumexp(z_t)^2
// (f_e the fraction of the n k token-slots at e, P_e the mean of p_e)
// to referenceRouterLoss.
// Then the final RMSNorm (model.norm), logits = h W^T with W = lm_head (or
// the embeddings when tied), and the loss of a position is
// logsumexp(logits) - logits[target], averaged over targets != -100.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_TEST_REFERENCE_LLAMAREFERENCE_H
#define CHERRY_TEST_REFERENCE_LLAMAREFERENCE_H

#include "cherry/Runtime/Status.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cherry::reference {

using runtime::Status;

/// Targets equal to this are not scored (PyTorch's ignore_index).
constexpr int64_t kIgnoreIndex = -100;

/// The fields of a Hugging Face Llama config.json the forward pass needs.
/// The member defaults are Hugging Face LlamaConfig's defaults.
struct ReferenceConfig {
  int64_t vocab = 32000;
  int64_t hidden = 4096;
  int64_t intermediate = 11008;
  int64_t layers = 32;
  int64_t heads = 32;
  int64_t kvHeads = 32;
  /// 0 means hidden / heads (Hugging Face's default for an absent head_dim).
  int64_t headDim = 0;
  double eps = 1e-6;
  double theta = 10000.0;
  bool tied = false;
  /// Recurrence: empty for a dense model, else the shared layer of each
  /// effective step (every entry < layers).
  std::vector<int64_t> schedule;
  bool stepNorms = false;
  int64_t loraRank = 0;
  double loraAlpha = 0;
  /// Mixture of Efficient Experts: 0 for a dense MLP, else the experts of
  /// every routed MLP.
  int64_t experts = 0;
  int64_t topK = 1;
  bool renormalize = true;
  double balanceCoeff = 0;
  double zCoeff = 0;

  int64_t resolvedHeadDim() const { return headDim ? headDim : hidden / heads; }
};

/// Parses config.json text. Absent keys take Hugging Face's defaults
/// (num_key_value_heads = num_attention_heads, rms_norm_eps 1e-6, rope_theta
/// 10000, tie_word_embeddings false, ...); `rope_parameters.rope_theta` is
/// read as newer configs write it. Features this reference does not
/// implement (rope_scaling, attention or MLP bias, activations other than
/// silu) and inconsistent sizes are errors naming the key.
Status parseReferenceConfig(const std::string &jsonText, ReferenceConfig &out);

/// Reads `path`: a config.json, or a directory holding one.
Status loadReferenceConfig(const std::string &path, ReferenceConfig &out);

/// Checks that the sizes are positive and consistent (heads divisible by
/// kv heads, even head dim).
Status validateReferenceConfig(const ReferenceConfig &cfg);

/// One weight: row-major float32 values of `shape`.
struct ReferenceTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// Weights by Hugging Face name ("model.layers.0.self_attn.q_proj.weight").
class ReferenceWeights {
public:
  /// Adds or replaces a tensor; `data` must hold the product of `shape`
  /// values (checked by validateReferenceWeights).
  void set(const std::string &name, std::vector<int64_t> shape,
           std::vector<float> data);
  /// The tensor called `name`, or null.
  const ReferenceTensor *find(const std::string &name) const;
  /// Mutable access for tests that edit a weight in place; null if absent.
  ReferenceTensor *findMutable(const std::string &name);
  void erase(const std::string &name) { tensors_.erase(name); }
  const std::map<std::string, ReferenceTensor> &tensors() const {
    return tensors_;
  }

  /// Loads every tensor of a model directory (`model.safetensors` or a
  /// sharded `model.safetensors.index.json`), converted to float32. Fails
  /// when the directory has neither.
  static Status loadModelDir(const std::string &dir, ReferenceWeights &out);

private:
  std::map<std::string, ReferenceTensor> tensors_;
};

/// The Hugging Face names and shapes of all weights `cfg` reads, in
/// state_dict order (lm_head.weight only when untied).
std::vector<std::pair<std::string, std::vector<int64_t>>>
referenceWeightShapes(const ReferenceConfig &cfg);

/// Checks the config and that every weight `cfg` reads is present with the
/// expected shape and element count. Extra tensors are ignored (a tied
/// checkpoint may still carry lm_head.weight).
Status validateReferenceWeights(const ReferenceConfig &cfg,
                                const ReferenceWeights &weights);

/// Checks everything the forward functions assume: config, weights, ids of
/// size batch*seq in [0, vocab), and (when given) targets of the same size in
/// [0, vocab) or kIgnoreIndex.
Status checkReferenceInputs(const ReferenceConfig &cfg,
                            const ReferenceWeights &weights,
                            const std::vector<int64_t> &ids,
                            const std::vector<int64_t> *targets, int64_t batch,
                            int64_t seq);

// The forward functions below take `batch` rows of `seq` tokens (row-major,
// positions 0..seq-1 in each row; rows are independent). Their inputs must
// pass checkReferenceInputs: on invalid input they print the error and abort.

/// Logits of every position: batch*seq*vocab values, row-major.
std::vector<double> referenceLogits(const ReferenceConfig &cfg,
                                    const ReferenceWeights &weights,
                                    const std::vector<int64_t> &ids,
                                    int64_t batch, int64_t seq);

/// Cross-entropy of every position (batch*seq values); 0 where the target is
/// kIgnoreIndex, as PyTorch's reduction="none" gives.
std::vector<double> referenceTokenLosses(const ReferenceConfig &cfg,
                                         const ReferenceWeights &weights,
                                         const std::vector<int64_t> &ids,
                                         const std::vector<int64_t> &targets,
                                         int64_t batch, int64_t seq);

/// Mean of referenceTokenLosses over the positions whose target is not
/// kIgnoreIndex; NaN when there is none (as PyTorch gives).
double referenceMeanLoss(const ReferenceConfig &cfg,
                         const ReferenceWeights &weights,
                         const std::vector<int64_t> &ids,
                         const std::vector<int64_t> &targets, int64_t batch,
                         int64_t seq);

/// The sum over every routed MLP run of its router losses (0 for a dense
/// model): what training adds to referenceMeanLoss.
double referenceRouterLoss(const ReferenceConfig &cfg,
                           const ReferenceWeights &weights,
                           const std::vector<int64_t> &ids, int64_t batch,
                           int64_t seq);

/// Greedy decoding of one sequence: appends `steps` tokens to `prompt`, each
/// the argmax (lowest id on ties) of the last position's logits from a full
/// forward pass over everything so far. Returns only the new tokens.
std::vector<int64_t> referenceGreedyGenerate(const ReferenceConfig &cfg,
                                             const ReferenceWeights &weights,
                                             const std::vector<int64_t> &prompt,
                                             int64_t steps);

// Building blocks, exposed so tests can check them against closed forms.

/// out = x * rsqrt(mean(x^2) + eps) * weight, over `dim` values.
void referenceRmsNorm(const double *x, const float *weight, int64_t dim,
                      double eps, double *out);

/// Rotate-half RoPE of one head vector at position `pos`, in place:
/// inv_freq[i] = theta^(-2i/d); with c, s = cos, sin(pos * inv_freq[i]),
/// x[i], x[i + d/2] become x[i] c - x[i + d/2] s, x[i + d/2] c + x[i] s.
void referenceRope(double *x, int64_t headDim, int64_t pos, double theta);

/// Threads the forward functions may use (0, the default: the machine's
/// hardware concurrency). Results do not depend on it: every value is
/// computed by one thread in a fixed order.
void setReferenceThreads(int threads);

} // namespace cherry::reference

#endif // CHERRY_TEST_REFERENCE_LLAMAREFERENCE_H
