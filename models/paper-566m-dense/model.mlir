module attributes {cherry.hf_config = "{\22architectures\22:[\22LlamaForCausalLM\22],\22attention_bias\22:false,\22bos_token_id\22:1,\22cherry\22:{\22batch\22:8,\22seq\22:1024},\22eos_token_id\22:2,\22hidden_act\22:\22silu\22,\22hidden_size\22:1280,\22initializer_range\22:0.02,\22intermediate_size\22:3456,\22max_position_embeddings\22:2048,\22mlp_bias\22:false,\22model_type\22:\22llama\22,\22num_attention_heads\22:20,\22num_hidden_layers\22:24,\22num_key_value_heads\22:20,\22rms_norm_eps\22:1.0000000000000001e-05,\22rope_scaling\22:null,\22rope_theta\22:10000,\22tie_word_embeddings\22:false,\22torch_dtype\22:\22float32\22,\22vocab_size\22:32000}"} {
  cherry.param @model.embed_tokens.weight : tensor<32000x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.embed_tokens.weight")
  cherry.param @model.layers.0.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.0.self_attn.q_proj.weight")
  cherry.param @model.layers.0.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.0.self_attn.k_proj.weight")
  cherry.param @model.layers.0.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.0.self_attn.v_proj.weight")
  cherry.param @model.layers.0.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.0.self_attn.o_proj.weight")
  cherry.param @model.layers.0.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.0.mlp.gate_proj.weight")
  cherry.param @model.layers.0.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.0.mlp.up_proj.weight")
  cherry.param @model.layers.0.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.0.mlp.down_proj.weight")
  cherry.param @model.layers.0.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.0.input_layernorm.weight")
  cherry.param @model.layers.0.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.0.post_attention_layernorm.weight")
  cherry.param @model.layers.1.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.1.self_attn.q_proj.weight")
  cherry.param @model.layers.1.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.1.self_attn.k_proj.weight")
  cherry.param @model.layers.1.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.1.self_attn.v_proj.weight")
  cherry.param @model.layers.1.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.1.self_attn.o_proj.weight")
  cherry.param @model.layers.1.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.1.mlp.gate_proj.weight")
  cherry.param @model.layers.1.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.1.mlp.up_proj.weight")
  cherry.param @model.layers.1.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.1.mlp.down_proj.weight")
  cherry.param @model.layers.1.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.1.input_layernorm.weight")
  cherry.param @model.layers.1.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.1.post_attention_layernorm.weight")
  cherry.param @model.layers.2.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.2.self_attn.q_proj.weight")
  cherry.param @model.layers.2.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.2.self_attn.k_proj.weight")
  cherry.param @model.layers.2.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.2.self_attn.v_proj.weight")
  cherry.param @model.layers.2.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.2.self_attn.o_proj.weight")
  cherry.param @model.layers.2.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.2.mlp.gate_proj.weight")
  cherry.param @model.layers.2.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.2.mlp.up_proj.weight")
  cherry.param @model.layers.2.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.2.mlp.down_proj.weight")
  cherry.param @model.layers.2.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.2.input_layernorm.weight")
  cherry.param @model.layers.2.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.2.post_attention_layernorm.weight")
  cherry.param @model.layers.3.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.self_attn.q_proj.weight")
  cherry.param @model.layers.3.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.self_attn.k_proj.weight")
  cherry.param @model.layers.3.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.self_attn.v_proj.weight")
  cherry.param @model.layers.3.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.self_attn.o_proj.weight")
  cherry.param @model.layers.3.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.mlp.gate_proj.weight")
  cherry.param @model.layers.3.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.mlp.up_proj.weight")
  cherry.param @model.layers.3.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.mlp.down_proj.weight")
  cherry.param @model.layers.3.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.3.input_layernorm.weight")
  cherry.param @model.layers.3.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.3.post_attention_layernorm.weight")
  cherry.param @model.layers.4.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.4.self_attn.q_proj.weight")
  cherry.param @model.layers.4.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.4.self_attn.k_proj.weight")
  cherry.param @model.layers.4.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.4.self_attn.v_proj.weight")
  cherry.param @model.layers.4.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.4.self_attn.o_proj.weight")
  cherry.param @model.layers.4.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.4.mlp.gate_proj.weight")
  cherry.param @model.layers.4.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.4.mlp.up_proj.weight")
  cherry.param @model.layers.4.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.4.mlp.down_proj.weight")
  cherry.param @model.layers.4.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.4.input_layernorm.weight")
  cherry.param @model.layers.4.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.4.post_attention_layernorm.weight")
  cherry.param @model.layers.5.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.5.self_attn.q_proj.weight")
  cherry.param @model.layers.5.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.5.self_attn.k_proj.weight")
  cherry.param @model.layers.5.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.5.self_attn.v_proj.weight")
  cherry.param @model.layers.5.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.5.self_attn.o_proj.weight")
  cherry.param @model.layers.5.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.5.mlp.gate_proj.weight")
  cherry.param @model.layers.5.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.5.mlp.up_proj.weight")
  cherry.param @model.layers.5.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.5.mlp.down_proj.weight")
  cherry.param @model.layers.5.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.5.input_layernorm.weight")
  cherry.param @model.layers.5.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.5.post_attention_layernorm.weight")
  cherry.param @model.layers.6.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.6.self_attn.q_proj.weight")
  cherry.param @model.layers.6.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.6.self_attn.k_proj.weight")
  cherry.param @model.layers.6.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.6.self_attn.v_proj.weight")
  cherry.param @model.layers.6.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.6.self_attn.o_proj.weight")
  cherry.param @model.layers.6.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.6.mlp.gate_proj.weight")
  cherry.param @model.layers.6.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.6.mlp.up_proj.weight")
  cherry.param @model.layers.6.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.6.mlp.down_proj.weight")
  cherry.param @model.layers.6.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.6.input_layernorm.weight")
  cherry.param @model.layers.6.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.6.post_attention_layernorm.weight")
  cherry.param @model.layers.7.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.7.self_attn.q_proj.weight")
  cherry.param @model.layers.7.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.7.self_attn.k_proj.weight")
  cherry.param @model.layers.7.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.7.self_attn.v_proj.weight")
  cherry.param @model.layers.7.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.7.self_attn.o_proj.weight")
  cherry.param @model.layers.7.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.7.mlp.gate_proj.weight")
  cherry.param @model.layers.7.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.7.mlp.up_proj.weight")
  cherry.param @model.layers.7.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.7.mlp.down_proj.weight")
  cherry.param @model.layers.7.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.7.input_layernorm.weight")
  cherry.param @model.layers.7.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.7.post_attention_layernorm.weight")
  cherry.param @model.layers.8.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.8.self_attn.q_proj.weight")
  cherry.param @model.layers.8.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.8.self_attn.k_proj.weight")
  cherry.param @model.layers.8.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.8.self_attn.v_proj.weight")
  cherry.param @model.layers.8.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.8.self_attn.o_proj.weight")
  cherry.param @model.layers.8.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.8.mlp.gate_proj.weight")
  cherry.param @model.layers.8.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.8.mlp.up_proj.weight")
  cherry.param @model.layers.8.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.8.mlp.down_proj.weight")
  cherry.param @model.layers.8.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.8.input_layernorm.weight")
  cherry.param @model.layers.8.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.8.post_attention_layernorm.weight")
  cherry.param @model.layers.9.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.9.self_attn.q_proj.weight")
  cherry.param @model.layers.9.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.9.self_attn.k_proj.weight")
  cherry.param @model.layers.9.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.9.self_attn.v_proj.weight")
  cherry.param @model.layers.9.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.9.self_attn.o_proj.weight")
  cherry.param @model.layers.9.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.9.mlp.gate_proj.weight")
  cherry.param @model.layers.9.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.9.mlp.up_proj.weight")
  cherry.param @model.layers.9.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.9.mlp.down_proj.weight")
  cherry.param @model.layers.9.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.9.input_layernorm.weight")
  cherry.param @model.layers.9.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.9.post_attention_layernorm.weight")
  cherry.param @model.layers.10.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.10.self_attn.q_proj.weight")
  cherry.param @model.layers.10.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.10.self_attn.k_proj.weight")
  cherry.param @model.layers.10.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.10.self_attn.v_proj.weight")
  cherry.param @model.layers.10.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.10.self_attn.o_proj.weight")
  cherry.param @model.layers.10.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.10.mlp.gate_proj.weight")
  cherry.param @model.layers.10.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.10.mlp.up_proj.weight")
  cherry.param @model.layers.10.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.10.mlp.down_proj.weight")
  cherry.param @model.layers.10.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.10.input_layernorm.weight")
  cherry.param @model.layers.10.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.10.post_attention_layernorm.weight")
  cherry.param @model.layers.11.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.11.self_attn.q_proj.weight")
  cherry.param @model.layers.11.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.11.self_attn.k_proj.weight")
  cherry.param @model.layers.11.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.11.self_attn.v_proj.weight")
  cherry.param @model.layers.11.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.11.self_attn.o_proj.weight")
  cherry.param @model.layers.11.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.11.mlp.gate_proj.weight")
  cherry.param @model.layers.11.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.11.mlp.up_proj.weight")
  cherry.param @model.layers.11.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.11.mlp.down_proj.weight")
  cherry.param @model.layers.11.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.11.input_layernorm.weight")
  cherry.param @model.layers.11.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.11.post_attention_layernorm.weight")
  cherry.param @model.layers.12.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.12.self_attn.q_proj.weight")
  cherry.param @model.layers.12.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.12.self_attn.k_proj.weight")
  cherry.param @model.layers.12.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.12.self_attn.v_proj.weight")
  cherry.param @model.layers.12.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.12.self_attn.o_proj.weight")
  cherry.param @model.layers.12.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.12.mlp.gate_proj.weight")
  cherry.param @model.layers.12.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.12.mlp.up_proj.weight")
  cherry.param @model.layers.12.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.12.mlp.down_proj.weight")
  cherry.param @model.layers.12.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.12.input_layernorm.weight")
  cherry.param @model.layers.12.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.12.post_attention_layernorm.weight")
  cherry.param @model.layers.13.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.13.self_attn.q_proj.weight")
  cherry.param @model.layers.13.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.13.self_attn.k_proj.weight")
  cherry.param @model.layers.13.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.13.self_attn.v_proj.weight")
  cherry.param @model.layers.13.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.13.self_attn.o_proj.weight")
  cherry.param @model.layers.13.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.13.mlp.gate_proj.weight")
  cherry.param @model.layers.13.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.13.mlp.up_proj.weight")
  cherry.param @model.layers.13.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.13.mlp.down_proj.weight")
  cherry.param @model.layers.13.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.13.input_layernorm.weight")
  cherry.param @model.layers.13.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.13.post_attention_layernorm.weight")
  cherry.param @model.layers.14.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.14.self_attn.q_proj.weight")
  cherry.param @model.layers.14.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.14.self_attn.k_proj.weight")
  cherry.param @model.layers.14.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.14.self_attn.v_proj.weight")
  cherry.param @model.layers.14.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.14.self_attn.o_proj.weight")
  cherry.param @model.layers.14.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.14.mlp.gate_proj.weight")
  cherry.param @model.layers.14.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.14.mlp.up_proj.weight")
  cherry.param @model.layers.14.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.14.mlp.down_proj.weight")
  cherry.param @model.layers.14.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.14.input_layernorm.weight")
  cherry.param @model.layers.14.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.14.post_attention_layernorm.weight")
  cherry.param @model.layers.15.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.15.self_attn.q_proj.weight")
  cherry.param @model.layers.15.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.15.self_attn.k_proj.weight")
  cherry.param @model.layers.15.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.15.self_attn.v_proj.weight")
  cherry.param @model.layers.15.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.15.self_attn.o_proj.weight")
  cherry.param @model.layers.15.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.15.mlp.gate_proj.weight")
  cherry.param @model.layers.15.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.15.mlp.up_proj.weight")
  cherry.param @model.layers.15.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.15.mlp.down_proj.weight")
  cherry.param @model.layers.15.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.15.input_layernorm.weight")
  cherry.param @model.layers.15.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.15.post_attention_layernorm.weight")
  cherry.param @model.layers.16.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.16.self_attn.q_proj.weight")
  cherry.param @model.layers.16.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.16.self_attn.k_proj.weight")
  cherry.param @model.layers.16.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.16.self_attn.v_proj.weight")
  cherry.param @model.layers.16.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.16.self_attn.o_proj.weight")
  cherry.param @model.layers.16.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.16.mlp.gate_proj.weight")
  cherry.param @model.layers.16.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.16.mlp.up_proj.weight")
  cherry.param @model.layers.16.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.16.mlp.down_proj.weight")
  cherry.param @model.layers.16.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.16.input_layernorm.weight")
  cherry.param @model.layers.16.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.16.post_attention_layernorm.weight")
  cherry.param @model.layers.17.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.17.self_attn.q_proj.weight")
  cherry.param @model.layers.17.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.17.self_attn.k_proj.weight")
  cherry.param @model.layers.17.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.17.self_attn.v_proj.weight")
  cherry.param @model.layers.17.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.17.self_attn.o_proj.weight")
  cherry.param @model.layers.17.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.17.mlp.gate_proj.weight")
  cherry.param @model.layers.17.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.17.mlp.up_proj.weight")
  cherry.param @model.layers.17.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.17.mlp.down_proj.weight")
  cherry.param @model.layers.17.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.17.input_layernorm.weight")
  cherry.param @model.layers.17.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.17.post_attention_layernorm.weight")
  cherry.param @model.layers.18.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.18.self_attn.q_proj.weight")
  cherry.param @model.layers.18.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.18.self_attn.k_proj.weight")
  cherry.param @model.layers.18.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.18.self_attn.v_proj.weight")
  cherry.param @model.layers.18.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.18.self_attn.o_proj.weight")
  cherry.param @model.layers.18.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.18.mlp.gate_proj.weight")
  cherry.param @model.layers.18.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.18.mlp.up_proj.weight")
  cherry.param @model.layers.18.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.18.mlp.down_proj.weight")
  cherry.param @model.layers.18.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.18.input_layernorm.weight")
  cherry.param @model.layers.18.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.18.post_attention_layernorm.weight")
  cherry.param @model.layers.19.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.19.self_attn.q_proj.weight")
  cherry.param @model.layers.19.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.19.self_attn.k_proj.weight")
  cherry.param @model.layers.19.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.19.self_attn.v_proj.weight")
  cherry.param @model.layers.19.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.19.self_attn.o_proj.weight")
  cherry.param @model.layers.19.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.19.mlp.gate_proj.weight")
  cherry.param @model.layers.19.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.19.mlp.up_proj.weight")
  cherry.param @model.layers.19.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.19.mlp.down_proj.weight")
  cherry.param @model.layers.19.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.19.input_layernorm.weight")
  cherry.param @model.layers.19.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.19.post_attention_layernorm.weight")
  cherry.param @model.layers.20.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.20.self_attn.q_proj.weight")
  cherry.param @model.layers.20.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.20.self_attn.k_proj.weight")
  cherry.param @model.layers.20.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.20.self_attn.v_proj.weight")
  cherry.param @model.layers.20.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.20.self_attn.o_proj.weight")
  cherry.param @model.layers.20.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.20.mlp.gate_proj.weight")
  cherry.param @model.layers.20.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.20.mlp.up_proj.weight")
  cherry.param @model.layers.20.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.20.mlp.down_proj.weight")
  cherry.param @model.layers.20.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.20.input_layernorm.weight")
  cherry.param @model.layers.20.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.20.post_attention_layernorm.weight")
  cherry.param @model.layers.21.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.21.self_attn.q_proj.weight")
  cherry.param @model.layers.21.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.21.self_attn.k_proj.weight")
  cherry.param @model.layers.21.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.21.self_attn.v_proj.weight")
  cherry.param @model.layers.21.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.21.self_attn.o_proj.weight")
  cherry.param @model.layers.21.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.21.mlp.gate_proj.weight")
  cherry.param @model.layers.21.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.21.mlp.up_proj.weight")
  cherry.param @model.layers.21.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.21.mlp.down_proj.weight")
  cherry.param @model.layers.21.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.21.input_layernorm.weight")
  cherry.param @model.layers.21.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.21.post_attention_layernorm.weight")
  cherry.param @model.layers.22.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.22.self_attn.q_proj.weight")
  cherry.param @model.layers.22.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.22.self_attn.k_proj.weight")
  cherry.param @model.layers.22.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.22.self_attn.v_proj.weight")
  cherry.param @model.layers.22.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.22.self_attn.o_proj.weight")
  cherry.param @model.layers.22.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.22.mlp.gate_proj.weight")
  cherry.param @model.layers.22.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.22.mlp.up_proj.weight")
  cherry.param @model.layers.22.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.22.mlp.down_proj.weight")
  cherry.param @model.layers.22.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.22.input_layernorm.weight")
  cherry.param @model.layers.22.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.22.post_attention_layernorm.weight")
  cherry.param @model.layers.23.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.23.self_attn.q_proj.weight")
  cherry.param @model.layers.23.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.23.self_attn.k_proj.weight")
  cherry.param @model.layers.23.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.23.self_attn.v_proj.weight")
  cherry.param @model.layers.23.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.23.self_attn.o_proj.weight")
  cherry.param @model.layers.23.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.23.mlp.gate_proj.weight")
  cherry.param @model.layers.23.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.23.mlp.up_proj.weight")
  cherry.param @model.layers.23.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.23.mlp.down_proj.weight")
  cherry.param @model.layers.23.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.23.input_layernorm.weight")
  cherry.param @model.layers.23.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.23.post_attention_layernorm.weight")
  cherry.param @model.norm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.norm.weight")
  cherry.param @lm_head.weight : tensor<32000x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("lm_head.weight")
  func.func @forward(%arg0: tensor<8x1024xi32>, %arg1: tensor<8x1024xi32>) -> tensor<f32> {
    %embed_tokens = cherry.param_ref @model.embed_tokens.weight : tensor<32000x1280xf32>
    %0 = cherry.embedding %arg0, %embed_tokens : tensor<8x1024xi32>, tensor<32000x1280xf32> -> tensor<8x1024x1280xf32>
    %1 = cherry.decoder_layer %0 {index = 0 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.0.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.0.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.0.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.0.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.0.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.0.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.0.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.0.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.0.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %2 = cherry.decoder_layer %1 {index = 1 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.1.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.1.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.1.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.1.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.1.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.1.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.1.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.1.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.1.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %3 = cherry.decoder_layer %2 {index = 2 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.2.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.2.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.2.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.2.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.2.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.2.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.2.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.2.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.2.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %4 = cherry.decoder_layer %3 {index = 3 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.3.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.3.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.3.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.3.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.3.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.3.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.3.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.3.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.3.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %5 = cherry.decoder_layer %4 {index = 4 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.4.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.4.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.4.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.4.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.4.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.4.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.4.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.4.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.4.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %6 = cherry.decoder_layer %5 {index = 5 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.5.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.5.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.5.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.5.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.5.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.5.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.5.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.5.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.5.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %7 = cherry.decoder_layer %6 {index = 6 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.6.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.6.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.6.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.6.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.6.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.6.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.6.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.6.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.6.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %8 = cherry.decoder_layer %7 {index = 7 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.7.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.7.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.7.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.7.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.7.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.7.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.7.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.7.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.7.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %9 = cherry.decoder_layer %8 {index = 8 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.8.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.8.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.8.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.8.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.8.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.8.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.8.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.8.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.8.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %10 = cherry.decoder_layer %9 {index = 9 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.9.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.9.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.9.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.9.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.9.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.9.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.9.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.9.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.9.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %11 = cherry.decoder_layer %10 {index = 10 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.10.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.10.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.10.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.10.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.10.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.10.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.10.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.10.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.10.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %12 = cherry.decoder_layer %11 {index = 11 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.11.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.11.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.11.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.11.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.11.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.11.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.11.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.11.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.11.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %13 = cherry.decoder_layer %12 {index = 12 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.12.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.12.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.12.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.12.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.12.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.12.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.12.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.12.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.12.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %14 = cherry.decoder_layer %13 {index = 13 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.13.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.13.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.13.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.13.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.13.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.13.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.13.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.13.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.13.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %15 = cherry.decoder_layer %14 {index = 14 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.14.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.14.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.14.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.14.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.14.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.14.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.14.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.14.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.14.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %16 = cherry.decoder_layer %15 {index = 15 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.15.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.15.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.15.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.15.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.15.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.15.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.15.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.15.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.15.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %17 = cherry.decoder_layer %16 {index = 16 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.16.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.16.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.16.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.16.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.16.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.16.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.16.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.16.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.16.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %18 = cherry.decoder_layer %17 {index = 17 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.17.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.17.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.17.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.17.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.17.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.17.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.17.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.17.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.17.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %19 = cherry.decoder_layer %18 {index = 18 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.18.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.18.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.18.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.18.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.18.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.18.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.18.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.18.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.18.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %20 = cherry.decoder_layer %19 {index = 19 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.19.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.19.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.19.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.19.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.19.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.19.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.19.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.19.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.19.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %21 = cherry.decoder_layer %20 {index = 20 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.20.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.20.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.20.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.20.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.20.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.20.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.20.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.20.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.20.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %22 = cherry.decoder_layer %21 {index = 21 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.21.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.21.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.21.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.21.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.21.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.21.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.21.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.21.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.21.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %23 = cherry.decoder_layer %22 {index = 22 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.22.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.22.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.22.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.22.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.22.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.22.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.22.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.22.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.22.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %24 = cherry.decoder_layer %23 {index = 23 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.23.input_layernorm.weight : tensor<1280xf32>
      %28 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.23.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %29 = cherry.linear %28, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.23.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %30 = cherry.linear %28, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.23.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %31 = cherry.linear %28, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %32 = cherry.rope %29 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %33 = cherry.rope %30 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %34 = cherry.attention %32, %33, %31 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.23.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %35 = cherry.linear %34, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %36 = cherry.add %arg2, %35 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.23.post_attention_layernorm.weight : tensor<1280xf32>
      %37 = cherry.rms_norm %36, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.23.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %38 = cherry.linear %37, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.23.mlp.up_proj.weight : tensor<3456x1280xf32>
      %39 = cherry.linear %37, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %40 = cherry.swiglu %38, %39 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.23.mlp.down_proj.weight : tensor<1280x3456xf32>
      %41 = cherry.linear %40, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %42 = cherry.add %36, %41 : tensor<8x1024x1280xf32>
      cherry.yield %42 : tensor<8x1024x1280xf32>
    }
    %norm = cherry.param_ref @model.norm.weight : tensor<1280xf32>
    %25 = cherry.rms_norm %24, %norm : tensor<8x1024x1280xf32>, tensor<1280xf32>
    %lm_head = cherry.param_ref @lm_head.weight : tensor<32000x1280xf32>
    %26 = cherry.linear %25, %lm_head : tensor<8x1024x1280xf32>, tensor<32000x1280xf32> -> tensor<8x1024x32000xf32>
    %27 = cherry.cross_entropy %26, %arg1 : tensor<8x1024x32000xf32>, tensor<8x1024xi32>
    return %27 : tensor<f32>
  }
}
