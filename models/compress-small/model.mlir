module attributes {cherry.hf_config = "{\22architectures\22:[\22LlamaForCausalLM\22],\22attention_bias\22:false,\22bos_token_id\22:1,\22cherry\22:{\22batch\22:16,\22seq\22:128},\22eos_token_id\22:2,\22hidden_act\22:\22silu\22,\22hidden_size\22:128,\22initializer_range\22:0.02,\22intermediate_size\22:352,\22max_position_embeddings\22:512,\22mlp_bias\22:false,\22model_type\22:\22llama\22,\22num_attention_heads\22:4,\22num_hidden_layers\22:8,\22num_key_value_heads\22:4,\22rms_norm_eps\22:1.0000000000000001e-05,\22rope_scaling\22:null,\22rope_theta\22:10000,\22tie_word_embeddings\22:true,\22torch_dtype\22:\22float32\22,\22vocab_size\22:2048}"} {
  cherry.param @model.embed_tokens.weight : tensor<2048x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.embed_tokens.weight")
  cherry.param @model.layers.0.self_attn.q_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.0.self_attn.q_proj.weight")
  cherry.param @model.layers.0.self_attn.k_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.0.self_attn.k_proj.weight")
  cherry.param @model.layers.0.self_attn.v_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.0.self_attn.v_proj.weight")
  cherry.param @model.layers.0.self_attn.o_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.0.self_attn.o_proj.weight")
  cherry.param @model.layers.0.mlp.gate_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.0.mlp.gate_proj.weight")
  cherry.param @model.layers.0.mlp.up_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.0.mlp.up_proj.weight")
  cherry.param @model.layers.0.mlp.down_proj.weight : tensor<128x352xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.0.mlp.down_proj.weight")
  cherry.param @model.layers.0.input_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.0.input_layernorm.weight")
  cherry.param @model.layers.0.post_attention_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.0.post_attention_layernorm.weight")
  cherry.param @model.layers.1.self_attn.q_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.1.self_attn.q_proj.weight")
  cherry.param @model.layers.1.self_attn.k_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.1.self_attn.k_proj.weight")
  cherry.param @model.layers.1.self_attn.v_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.1.self_attn.v_proj.weight")
  cherry.param @model.layers.1.self_attn.o_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.1.self_attn.o_proj.weight")
  cherry.param @model.layers.1.mlp.gate_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.1.mlp.gate_proj.weight")
  cherry.param @model.layers.1.mlp.up_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.1.mlp.up_proj.weight")
  cherry.param @model.layers.1.mlp.down_proj.weight : tensor<128x352xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.1.mlp.down_proj.weight")
  cherry.param @model.layers.1.input_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.1.input_layernorm.weight")
  cherry.param @model.layers.1.post_attention_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.1.post_attention_layernorm.weight")
  cherry.param @model.layers.2.self_attn.q_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.2.self_attn.q_proj.weight")
  cherry.param @model.layers.2.self_attn.k_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.2.self_attn.k_proj.weight")
  cherry.param @model.layers.2.self_attn.v_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.2.self_attn.v_proj.weight")
  cherry.param @model.layers.2.self_attn.o_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.2.self_attn.o_proj.weight")
  cherry.param @model.layers.2.mlp.gate_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.2.mlp.gate_proj.weight")
  cherry.param @model.layers.2.mlp.up_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.2.mlp.up_proj.weight")
  cherry.param @model.layers.2.mlp.down_proj.weight : tensor<128x352xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.2.mlp.down_proj.weight")
  cherry.param @model.layers.2.input_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.2.input_layernorm.weight")
  cherry.param @model.layers.2.post_attention_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.2.post_attention_layernorm.weight")
  cherry.param @model.layers.3.self_attn.q_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.self_attn.q_proj.weight")
  cherry.param @model.layers.3.self_attn.k_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.self_attn.k_proj.weight")
  cherry.param @model.layers.3.self_attn.v_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.self_attn.v_proj.weight")
  cherry.param @model.layers.3.self_attn.o_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.self_attn.o_proj.weight")
  cherry.param @model.layers.3.mlp.gate_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.mlp.gate_proj.weight")
  cherry.param @model.layers.3.mlp.up_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.mlp.up_proj.weight")
  cherry.param @model.layers.3.mlp.down_proj.weight : tensor<128x352xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.mlp.down_proj.weight")
  cherry.param @model.layers.3.input_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.3.input_layernorm.weight")
  cherry.param @model.layers.3.post_attention_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.3.post_attention_layernorm.weight")
  cherry.param @model.layers.4.self_attn.q_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.4.self_attn.q_proj.weight")
  cherry.param @model.layers.4.self_attn.k_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.4.self_attn.k_proj.weight")
  cherry.param @model.layers.4.self_attn.v_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.4.self_attn.v_proj.weight")
  cherry.param @model.layers.4.self_attn.o_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.4.self_attn.o_proj.weight")
  cherry.param @model.layers.4.mlp.gate_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.4.mlp.gate_proj.weight")
  cherry.param @model.layers.4.mlp.up_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.4.mlp.up_proj.weight")
  cherry.param @model.layers.4.mlp.down_proj.weight : tensor<128x352xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.4.mlp.down_proj.weight")
  cherry.param @model.layers.4.input_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.4.input_layernorm.weight")
  cherry.param @model.layers.4.post_attention_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.4.post_attention_layernorm.weight")
  cherry.param @model.layers.5.self_attn.q_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.5.self_attn.q_proj.weight")
  cherry.param @model.layers.5.self_attn.k_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.5.self_attn.k_proj.weight")
  cherry.param @model.layers.5.self_attn.v_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.5.self_attn.v_proj.weight")
  cherry.param @model.layers.5.self_attn.o_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.5.self_attn.o_proj.weight")
  cherry.param @model.layers.5.mlp.gate_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.5.mlp.gate_proj.weight")
  cherry.param @model.layers.5.mlp.up_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.5.mlp.up_proj.weight")
  cherry.param @model.layers.5.mlp.down_proj.weight : tensor<128x352xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.5.mlp.down_proj.weight")
  cherry.param @model.layers.5.input_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.5.input_layernorm.weight")
  cherry.param @model.layers.5.post_attention_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.5.post_attention_layernorm.weight")
  cherry.param @model.layers.6.self_attn.q_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.6.self_attn.q_proj.weight")
  cherry.param @model.layers.6.self_attn.k_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.6.self_attn.k_proj.weight")
  cherry.param @model.layers.6.self_attn.v_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.6.self_attn.v_proj.weight")
  cherry.param @model.layers.6.self_attn.o_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.6.self_attn.o_proj.weight")
  cherry.param @model.layers.6.mlp.gate_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.6.mlp.gate_proj.weight")
  cherry.param @model.layers.6.mlp.up_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.6.mlp.up_proj.weight")
  cherry.param @model.layers.6.mlp.down_proj.weight : tensor<128x352xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.6.mlp.down_proj.weight")
  cherry.param @model.layers.6.input_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.6.input_layernorm.weight")
  cherry.param @model.layers.6.post_attention_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.6.post_attention_layernorm.weight")
  cherry.param @model.layers.7.self_attn.q_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.7.self_attn.q_proj.weight")
  cherry.param @model.layers.7.self_attn.k_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.7.self_attn.k_proj.weight")
  cherry.param @model.layers.7.self_attn.v_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.7.self_attn.v_proj.weight")
  cherry.param @model.layers.7.self_attn.o_proj.weight : tensor<128x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.7.self_attn.o_proj.weight")
  cherry.param @model.layers.7.mlp.gate_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.7.mlp.gate_proj.weight")
  cherry.param @model.layers.7.mlp.up_proj.weight : tensor<352x128xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.7.mlp.up_proj.weight")
  cherry.param @model.layers.7.mlp.down_proj.weight : tensor<128x352xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.7.mlp.down_proj.weight")
  cherry.param @model.layers.7.input_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.7.input_layernorm.weight")
  cherry.param @model.layers.7.post_attention_layernorm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.7.post_attention_layernorm.weight")
  cherry.param @model.norm.weight : tensor<128xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.norm.weight")
  func.func @forward(%arg0: tensor<16x128xi32>, %arg1: tensor<16x128xi32>) -> tensor<f32> {
    %embed_tokens = cherry.param_ref @model.embed_tokens.weight : tensor<2048x128xf32>
    %0 = cherry.embedding %arg0, %embed_tokens : tensor<16x128xi32>, tensor<2048x128xf32> -> tensor<16x128x128xf32>
    %1 = cherry.decoder_layer %0 {index = 0 : i64} : tensor<16x128x128xf32> {
    ^bb0(%arg2: tensor<16x128x128xf32>):
      %input_layernorm = cherry.param_ref @model.layers.0.input_layernorm.weight : tensor<128xf32>
      %12 = cherry.rms_norm %arg2, %input_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %q_proj = cherry.param_ref @model.layers.0.self_attn.q_proj.weight : tensor<128x128xf32>
      %13 = cherry.linear %12, %q_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %k_proj = cherry.param_ref @model.layers.0.self_attn.k_proj.weight : tensor<128x128xf32>
      %14 = cherry.linear %12, %k_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %v_proj = cherry.param_ref @model.layers.0.self_attn.v_proj.weight : tensor<128x128xf32>
      %15 = cherry.linear %12, %v_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %16 = cherry.rope %13 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %17 = cherry.rope %14 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %18 = cherry.attention %16, %17, %15 {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<16x128x128xf32>, tensor<16x128x128xf32>
      %o_proj = cherry.param_ref @model.layers.0.self_attn.o_proj.weight : tensor<128x128xf32>
      %19 = cherry.linear %18, %o_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %20 = cherry.add %arg2, %19 : tensor<16x128x128xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.0.post_attention_layernorm.weight : tensor<128xf32>
      %21 = cherry.rms_norm %20, %post_attention_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %gate_proj = cherry.param_ref @model.layers.0.mlp.gate_proj.weight : tensor<352x128xf32>
      %22 = cherry.linear %21, %gate_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %up_proj = cherry.param_ref @model.layers.0.mlp.up_proj.weight : tensor<352x128xf32>
      %23 = cherry.linear %21, %up_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %24 = cherry.swiglu %22, %23 : tensor<16x128x352xf32>
      %down_proj = cherry.param_ref @model.layers.0.mlp.down_proj.weight : tensor<128x352xf32>
      %25 = cherry.linear %24, %down_proj : tensor<16x128x352xf32>, tensor<128x352xf32> -> tensor<16x128x128xf32>
      %26 = cherry.add %20, %25 : tensor<16x128x128xf32>
      cherry.yield %26 : tensor<16x128x128xf32>
    }
    %2 = cherry.decoder_layer %1 {index = 1 : i64} : tensor<16x128x128xf32> {
    ^bb0(%arg2: tensor<16x128x128xf32>):
      %input_layernorm = cherry.param_ref @model.layers.1.input_layernorm.weight : tensor<128xf32>
      %12 = cherry.rms_norm %arg2, %input_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %q_proj = cherry.param_ref @model.layers.1.self_attn.q_proj.weight : tensor<128x128xf32>
      %13 = cherry.linear %12, %q_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %k_proj = cherry.param_ref @model.layers.1.self_attn.k_proj.weight : tensor<128x128xf32>
      %14 = cherry.linear %12, %k_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %v_proj = cherry.param_ref @model.layers.1.self_attn.v_proj.weight : tensor<128x128xf32>
      %15 = cherry.linear %12, %v_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %16 = cherry.rope %13 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %17 = cherry.rope %14 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %18 = cherry.attention %16, %17, %15 {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<16x128x128xf32>, tensor<16x128x128xf32>
      %o_proj = cherry.param_ref @model.layers.1.self_attn.o_proj.weight : tensor<128x128xf32>
      %19 = cherry.linear %18, %o_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %20 = cherry.add %arg2, %19 : tensor<16x128x128xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.1.post_attention_layernorm.weight : tensor<128xf32>
      %21 = cherry.rms_norm %20, %post_attention_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %gate_proj = cherry.param_ref @model.layers.1.mlp.gate_proj.weight : tensor<352x128xf32>
      %22 = cherry.linear %21, %gate_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %up_proj = cherry.param_ref @model.layers.1.mlp.up_proj.weight : tensor<352x128xf32>
      %23 = cherry.linear %21, %up_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %24 = cherry.swiglu %22, %23 : tensor<16x128x352xf32>
      %down_proj = cherry.param_ref @model.layers.1.mlp.down_proj.weight : tensor<128x352xf32>
      %25 = cherry.linear %24, %down_proj : tensor<16x128x352xf32>, tensor<128x352xf32> -> tensor<16x128x128xf32>
      %26 = cherry.add %20, %25 : tensor<16x128x128xf32>
      cherry.yield %26 : tensor<16x128x128xf32>
    }
    %3 = cherry.decoder_layer %2 {index = 2 : i64} : tensor<16x128x128xf32> {
    ^bb0(%arg2: tensor<16x128x128xf32>):
      %input_layernorm = cherry.param_ref @model.layers.2.input_layernorm.weight : tensor<128xf32>
      %12 = cherry.rms_norm %arg2, %input_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %q_proj = cherry.param_ref @model.layers.2.self_attn.q_proj.weight : tensor<128x128xf32>
      %13 = cherry.linear %12, %q_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %k_proj = cherry.param_ref @model.layers.2.self_attn.k_proj.weight : tensor<128x128xf32>
      %14 = cherry.linear %12, %k_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %v_proj = cherry.param_ref @model.layers.2.self_attn.v_proj.weight : tensor<128x128xf32>
      %15 = cherry.linear %12, %v_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %16 = cherry.rope %13 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %17 = cherry.rope %14 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %18 = cherry.attention %16, %17, %15 {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<16x128x128xf32>, tensor<16x128x128xf32>
      %o_proj = cherry.param_ref @model.layers.2.self_attn.o_proj.weight : tensor<128x128xf32>
      %19 = cherry.linear %18, %o_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %20 = cherry.add %arg2, %19 : tensor<16x128x128xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.2.post_attention_layernorm.weight : tensor<128xf32>
      %21 = cherry.rms_norm %20, %post_attention_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %gate_proj = cherry.param_ref @model.layers.2.mlp.gate_proj.weight : tensor<352x128xf32>
      %22 = cherry.linear %21, %gate_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %up_proj = cherry.param_ref @model.layers.2.mlp.up_proj.weight : tensor<352x128xf32>
      %23 = cherry.linear %21, %up_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %24 = cherry.swiglu %22, %23 : tensor<16x128x352xf32>
      %down_proj = cherry.param_ref @model.layers.2.mlp.down_proj.weight : tensor<128x352xf32>
      %25 = cherry.linear %24, %down_proj : tensor<16x128x352xf32>, tensor<128x352xf32> -> tensor<16x128x128xf32>
      %26 = cherry.add %20, %25 : tensor<16x128x128xf32>
      cherry.yield %26 : tensor<16x128x128xf32>
    }
    %4 = cherry.decoder_layer %3 {index = 3 : i64} : tensor<16x128x128xf32> {
    ^bb0(%arg2: tensor<16x128x128xf32>):
      %input_layernorm = cherry.param_ref @model.layers.3.input_layernorm.weight : tensor<128xf32>
      %12 = cherry.rms_norm %arg2, %input_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %q_proj = cherry.param_ref @model.layers.3.self_attn.q_proj.weight : tensor<128x128xf32>
      %13 = cherry.linear %12, %q_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %k_proj = cherry.param_ref @model.layers.3.self_attn.k_proj.weight : tensor<128x128xf32>
      %14 = cherry.linear %12, %k_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %v_proj = cherry.param_ref @model.layers.3.self_attn.v_proj.weight : tensor<128x128xf32>
      %15 = cherry.linear %12, %v_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %16 = cherry.rope %13 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %17 = cherry.rope %14 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %18 = cherry.attention %16, %17, %15 {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<16x128x128xf32>, tensor<16x128x128xf32>
      %o_proj = cherry.param_ref @model.layers.3.self_attn.o_proj.weight : tensor<128x128xf32>
      %19 = cherry.linear %18, %o_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %20 = cherry.add %arg2, %19 : tensor<16x128x128xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.3.post_attention_layernorm.weight : tensor<128xf32>
      %21 = cherry.rms_norm %20, %post_attention_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %gate_proj = cherry.param_ref @model.layers.3.mlp.gate_proj.weight : tensor<352x128xf32>
      %22 = cherry.linear %21, %gate_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %up_proj = cherry.param_ref @model.layers.3.mlp.up_proj.weight : tensor<352x128xf32>
      %23 = cherry.linear %21, %up_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %24 = cherry.swiglu %22, %23 : tensor<16x128x352xf32>
      %down_proj = cherry.param_ref @model.layers.3.mlp.down_proj.weight : tensor<128x352xf32>
      %25 = cherry.linear %24, %down_proj : tensor<16x128x352xf32>, tensor<128x352xf32> -> tensor<16x128x128xf32>
      %26 = cherry.add %20, %25 : tensor<16x128x128xf32>
      cherry.yield %26 : tensor<16x128x128xf32>
    }
    %5 = cherry.decoder_layer %4 {index = 4 : i64} : tensor<16x128x128xf32> {
    ^bb0(%arg2: tensor<16x128x128xf32>):
      %input_layernorm = cherry.param_ref @model.layers.4.input_layernorm.weight : tensor<128xf32>
      %12 = cherry.rms_norm %arg2, %input_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %q_proj = cherry.param_ref @model.layers.4.self_attn.q_proj.weight : tensor<128x128xf32>
      %13 = cherry.linear %12, %q_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %k_proj = cherry.param_ref @model.layers.4.self_attn.k_proj.weight : tensor<128x128xf32>
      %14 = cherry.linear %12, %k_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %v_proj = cherry.param_ref @model.layers.4.self_attn.v_proj.weight : tensor<128x128xf32>
      %15 = cherry.linear %12, %v_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %16 = cherry.rope %13 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %17 = cherry.rope %14 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %18 = cherry.attention %16, %17, %15 {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<16x128x128xf32>, tensor<16x128x128xf32>
      %o_proj = cherry.param_ref @model.layers.4.self_attn.o_proj.weight : tensor<128x128xf32>
      %19 = cherry.linear %18, %o_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %20 = cherry.add %arg2, %19 : tensor<16x128x128xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.4.post_attention_layernorm.weight : tensor<128xf32>
      %21 = cherry.rms_norm %20, %post_attention_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %gate_proj = cherry.param_ref @model.layers.4.mlp.gate_proj.weight : tensor<352x128xf32>
      %22 = cherry.linear %21, %gate_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %up_proj = cherry.param_ref @model.layers.4.mlp.up_proj.weight : tensor<352x128xf32>
      %23 = cherry.linear %21, %up_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %24 = cherry.swiglu %22, %23 : tensor<16x128x352xf32>
      %down_proj = cherry.param_ref @model.layers.4.mlp.down_proj.weight : tensor<128x352xf32>
      %25 = cherry.linear %24, %down_proj : tensor<16x128x352xf32>, tensor<128x352xf32> -> tensor<16x128x128xf32>
      %26 = cherry.add %20, %25 : tensor<16x128x128xf32>
      cherry.yield %26 : tensor<16x128x128xf32>
    }
    %6 = cherry.decoder_layer %5 {index = 5 : i64} : tensor<16x128x128xf32> {
    ^bb0(%arg2: tensor<16x128x128xf32>):
      %input_layernorm = cherry.param_ref @model.layers.5.input_layernorm.weight : tensor<128xf32>
      %12 = cherry.rms_norm %arg2, %input_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %q_proj = cherry.param_ref @model.layers.5.self_attn.q_proj.weight : tensor<128x128xf32>
      %13 = cherry.linear %12, %q_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %k_proj = cherry.param_ref @model.layers.5.self_attn.k_proj.weight : tensor<128x128xf32>
      %14 = cherry.linear %12, %k_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %v_proj = cherry.param_ref @model.layers.5.self_attn.v_proj.weight : tensor<128x128xf32>
      %15 = cherry.linear %12, %v_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %16 = cherry.rope %13 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %17 = cherry.rope %14 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %18 = cherry.attention %16, %17, %15 {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<16x128x128xf32>, tensor<16x128x128xf32>
      %o_proj = cherry.param_ref @model.layers.5.self_attn.o_proj.weight : tensor<128x128xf32>
      %19 = cherry.linear %18, %o_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %20 = cherry.add %arg2, %19 : tensor<16x128x128xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.5.post_attention_layernorm.weight : tensor<128xf32>
      %21 = cherry.rms_norm %20, %post_attention_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %gate_proj = cherry.param_ref @model.layers.5.mlp.gate_proj.weight : tensor<352x128xf32>
      %22 = cherry.linear %21, %gate_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %up_proj = cherry.param_ref @model.layers.5.mlp.up_proj.weight : tensor<352x128xf32>
      %23 = cherry.linear %21, %up_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %24 = cherry.swiglu %22, %23 : tensor<16x128x352xf32>
      %down_proj = cherry.param_ref @model.layers.5.mlp.down_proj.weight : tensor<128x352xf32>
      %25 = cherry.linear %24, %down_proj : tensor<16x128x352xf32>, tensor<128x352xf32> -> tensor<16x128x128xf32>
      %26 = cherry.add %20, %25 : tensor<16x128x128xf32>
      cherry.yield %26 : tensor<16x128x128xf32>
    }
    %7 = cherry.decoder_layer %6 {index = 6 : i64} : tensor<16x128x128xf32> {
    ^bb0(%arg2: tensor<16x128x128xf32>):
      %input_layernorm = cherry.param_ref @model.layers.6.input_layernorm.weight : tensor<128xf32>
      %12 = cherry.rms_norm %arg2, %input_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %q_proj = cherry.param_ref @model.layers.6.self_attn.q_proj.weight : tensor<128x128xf32>
      %13 = cherry.linear %12, %q_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %k_proj = cherry.param_ref @model.layers.6.self_attn.k_proj.weight : tensor<128x128xf32>
      %14 = cherry.linear %12, %k_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %v_proj = cherry.param_ref @model.layers.6.self_attn.v_proj.weight : tensor<128x128xf32>
      %15 = cherry.linear %12, %v_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %16 = cherry.rope %13 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %17 = cherry.rope %14 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %18 = cherry.attention %16, %17, %15 {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<16x128x128xf32>, tensor<16x128x128xf32>
      %o_proj = cherry.param_ref @model.layers.6.self_attn.o_proj.weight : tensor<128x128xf32>
      %19 = cherry.linear %18, %o_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %20 = cherry.add %arg2, %19 : tensor<16x128x128xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.6.post_attention_layernorm.weight : tensor<128xf32>
      %21 = cherry.rms_norm %20, %post_attention_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %gate_proj = cherry.param_ref @model.layers.6.mlp.gate_proj.weight : tensor<352x128xf32>
      %22 = cherry.linear %21, %gate_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %up_proj = cherry.param_ref @model.layers.6.mlp.up_proj.weight : tensor<352x128xf32>
      %23 = cherry.linear %21, %up_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %24 = cherry.swiglu %22, %23 : tensor<16x128x352xf32>
      %down_proj = cherry.param_ref @model.layers.6.mlp.down_proj.weight : tensor<128x352xf32>
      %25 = cherry.linear %24, %down_proj : tensor<16x128x352xf32>, tensor<128x352xf32> -> tensor<16x128x128xf32>
      %26 = cherry.add %20, %25 : tensor<16x128x128xf32>
      cherry.yield %26 : tensor<16x128x128xf32>
    }
    %8 = cherry.decoder_layer %7 {index = 7 : i64} : tensor<16x128x128xf32> {
    ^bb0(%arg2: tensor<16x128x128xf32>):
      %input_layernorm = cherry.param_ref @model.layers.7.input_layernorm.weight : tensor<128xf32>
      %12 = cherry.rms_norm %arg2, %input_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %q_proj = cherry.param_ref @model.layers.7.self_attn.q_proj.weight : tensor<128x128xf32>
      %13 = cherry.linear %12, %q_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %k_proj = cherry.param_ref @model.layers.7.self_attn.k_proj.weight : tensor<128x128xf32>
      %14 = cherry.linear %12, %k_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %v_proj = cherry.param_ref @model.layers.7.self_attn.v_proj.weight : tensor<128x128xf32>
      %15 = cherry.linear %12, %v_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %16 = cherry.rope %13 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %17 = cherry.rope %14 {head_dim = 32 : i64} : tensor<16x128x128xf32>
      %18 = cherry.attention %16, %17, %15 {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<16x128x128xf32>, tensor<16x128x128xf32>
      %o_proj = cherry.param_ref @model.layers.7.self_attn.o_proj.weight : tensor<128x128xf32>
      %19 = cherry.linear %18, %o_proj : tensor<16x128x128xf32>, tensor<128x128xf32> -> tensor<16x128x128xf32>
      %20 = cherry.add %arg2, %19 : tensor<16x128x128xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.7.post_attention_layernorm.weight : tensor<128xf32>
      %21 = cherry.rms_norm %20, %post_attention_layernorm : tensor<16x128x128xf32>, tensor<128xf32>
      %gate_proj = cherry.param_ref @model.layers.7.mlp.gate_proj.weight : tensor<352x128xf32>
      %22 = cherry.linear %21, %gate_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %up_proj = cherry.param_ref @model.layers.7.mlp.up_proj.weight : tensor<352x128xf32>
      %23 = cherry.linear %21, %up_proj : tensor<16x128x128xf32>, tensor<352x128xf32> -> tensor<16x128x352xf32>
      %24 = cherry.swiglu %22, %23 : tensor<16x128x352xf32>
      %down_proj = cherry.param_ref @model.layers.7.mlp.down_proj.weight : tensor<128x352xf32>
      %25 = cherry.linear %24, %down_proj : tensor<16x128x352xf32>, tensor<128x352xf32> -> tensor<16x128x128xf32>
      %26 = cherry.add %20, %25 : tensor<16x128x128xf32>
      cherry.yield %26 : tensor<16x128x128xf32>
    }
    %norm = cherry.param_ref @model.norm.weight : tensor<128xf32>
    %9 = cherry.rms_norm %8, %norm : tensor<16x128x128xf32>, tensor<128xf32>
    %10 = cherry.linear %9, %embed_tokens : tensor<16x128x128xf32>, tensor<2048x128xf32> -> tensor<16x128x2048xf32>
    %11 = cherry.cross_entropy %10, %arg1 : tensor<16x128x2048xf32>, tensor<16x128xi32>
    return %11 : tensor<f32>
  }
}
