module attributes {cherry.hf_config = "{\22architectures\22:[\22LlamaForCausalLM\22],\22attention_bias\22:false,\22bos_token_id\22:1,\22cherry\22:{\22batch\22:8,\22seq\22:1024},\22eos_token_id\22:2,\22hidden_act\22:\22silu\22,\22hidden_size\22:1280,\22initializer_range\22:0.02,\22intermediate_size\22:3456,\22max_position_embeddings\22:2048,\22mlp_bias\22:false,\22model_type\22:\22llama\22,\22num_attention_heads\22:20,\22num_hidden_layers\22:48,\22num_key_value_heads\22:20,\22rms_norm_eps\22:1.0000000000000001e-05,\22rope_scaling\22:null,\22rope_theta\22:10000,\22tie_word_embeddings\22:false,\22torch_dtype\22:\22float32\22,\22vocab_size\22:32000}"} {
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
  cherry.param @model.layers.24.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.24.self_attn.q_proj.weight")
  cherry.param @model.layers.24.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.24.self_attn.k_proj.weight")
  cherry.param @model.layers.24.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.24.self_attn.v_proj.weight")
  cherry.param @model.layers.24.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.24.self_attn.o_proj.weight")
  cherry.param @model.layers.24.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.24.mlp.gate_proj.weight")
  cherry.param @model.layers.24.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.24.mlp.up_proj.weight")
  cherry.param @model.layers.24.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.24.mlp.down_proj.weight")
  cherry.param @model.layers.24.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.24.input_layernorm.weight")
  cherry.param @model.layers.24.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.24.post_attention_layernorm.weight")
  cherry.param @model.layers.25.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.25.self_attn.q_proj.weight")
  cherry.param @model.layers.25.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.25.self_attn.k_proj.weight")
  cherry.param @model.layers.25.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.25.self_attn.v_proj.weight")
  cherry.param @model.layers.25.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.25.self_attn.o_proj.weight")
  cherry.param @model.layers.25.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.25.mlp.gate_proj.weight")
  cherry.param @model.layers.25.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.25.mlp.up_proj.weight")
  cherry.param @model.layers.25.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.25.mlp.down_proj.weight")
  cherry.param @model.layers.25.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.25.input_layernorm.weight")
  cherry.param @model.layers.25.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.25.post_attention_layernorm.weight")
  cherry.param @model.layers.26.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.26.self_attn.q_proj.weight")
  cherry.param @model.layers.26.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.26.self_attn.k_proj.weight")
  cherry.param @model.layers.26.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.26.self_attn.v_proj.weight")
  cherry.param @model.layers.26.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.26.self_attn.o_proj.weight")
  cherry.param @model.layers.26.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.26.mlp.gate_proj.weight")
  cherry.param @model.layers.26.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.26.mlp.up_proj.weight")
  cherry.param @model.layers.26.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.26.mlp.down_proj.weight")
  cherry.param @model.layers.26.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.26.input_layernorm.weight")
  cherry.param @model.layers.26.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.26.post_attention_layernorm.weight")
  cherry.param @model.layers.27.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.27.self_attn.q_proj.weight")
  cherry.param @model.layers.27.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.27.self_attn.k_proj.weight")
  cherry.param @model.layers.27.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.27.self_attn.v_proj.weight")
  cherry.param @model.layers.27.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.27.self_attn.o_proj.weight")
  cherry.param @model.layers.27.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.27.mlp.gate_proj.weight")
  cherry.param @model.layers.27.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.27.mlp.up_proj.weight")
  cherry.param @model.layers.27.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.27.mlp.down_proj.weight")
  cherry.param @model.layers.27.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.27.input_layernorm.weight")
  cherry.param @model.layers.27.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.27.post_attention_layernorm.weight")
  cherry.param @model.layers.28.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.28.self_attn.q_proj.weight")
  cherry.param @model.layers.28.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.28.self_attn.k_proj.weight")
  cherry.param @model.layers.28.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.28.self_attn.v_proj.weight")
  cherry.param @model.layers.28.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.28.self_attn.o_proj.weight")
  cherry.param @model.layers.28.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.28.mlp.gate_proj.weight")
  cherry.param @model.layers.28.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.28.mlp.up_proj.weight")
  cherry.param @model.layers.28.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.28.mlp.down_proj.weight")
  cherry.param @model.layers.28.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.28.input_layernorm.weight")
  cherry.param @model.layers.28.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.28.post_attention_layernorm.weight")
  cherry.param @model.layers.29.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.29.self_attn.q_proj.weight")
  cherry.param @model.layers.29.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.29.self_attn.k_proj.weight")
  cherry.param @model.layers.29.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.29.self_attn.v_proj.weight")
  cherry.param @model.layers.29.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.29.self_attn.o_proj.weight")
  cherry.param @model.layers.29.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.29.mlp.gate_proj.weight")
  cherry.param @model.layers.29.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.29.mlp.up_proj.weight")
  cherry.param @model.layers.29.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.29.mlp.down_proj.weight")
  cherry.param @model.layers.29.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.29.input_layernorm.weight")
  cherry.param @model.layers.29.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.29.post_attention_layernorm.weight")
  cherry.param @model.layers.30.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.30.self_attn.q_proj.weight")
  cherry.param @model.layers.30.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.30.self_attn.k_proj.weight")
  cherry.param @model.layers.30.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.30.self_attn.v_proj.weight")
  cherry.param @model.layers.30.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.30.self_attn.o_proj.weight")
  cherry.param @model.layers.30.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.30.mlp.gate_proj.weight")
  cherry.param @model.layers.30.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.30.mlp.up_proj.weight")
  cherry.param @model.layers.30.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.30.mlp.down_proj.weight")
  cherry.param @model.layers.30.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.30.input_layernorm.weight")
  cherry.param @model.layers.30.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.30.post_attention_layernorm.weight")
  cherry.param @model.layers.31.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.31.self_attn.q_proj.weight")
  cherry.param @model.layers.31.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.31.self_attn.k_proj.weight")
  cherry.param @model.layers.31.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.31.self_attn.v_proj.weight")
  cherry.param @model.layers.31.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.31.self_attn.o_proj.weight")
  cherry.param @model.layers.31.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.31.mlp.gate_proj.weight")
  cherry.param @model.layers.31.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.31.mlp.up_proj.weight")
  cherry.param @model.layers.31.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.31.mlp.down_proj.weight")
  cherry.param @model.layers.31.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.31.input_layernorm.weight")
  cherry.param @model.layers.31.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.31.post_attention_layernorm.weight")
  cherry.param @model.layers.32.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.32.self_attn.q_proj.weight")
  cherry.param @model.layers.32.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.32.self_attn.k_proj.weight")
  cherry.param @model.layers.32.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.32.self_attn.v_proj.weight")
  cherry.param @model.layers.32.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.32.self_attn.o_proj.weight")
  cherry.param @model.layers.32.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.32.mlp.gate_proj.weight")
  cherry.param @model.layers.32.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.32.mlp.up_proj.weight")
  cherry.param @model.layers.32.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.32.mlp.down_proj.weight")
  cherry.param @model.layers.32.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.32.input_layernorm.weight")
  cherry.param @model.layers.32.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.32.post_attention_layernorm.weight")
  cherry.param @model.layers.33.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.33.self_attn.q_proj.weight")
  cherry.param @model.layers.33.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.33.self_attn.k_proj.weight")
  cherry.param @model.layers.33.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.33.self_attn.v_proj.weight")
  cherry.param @model.layers.33.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.33.self_attn.o_proj.weight")
  cherry.param @model.layers.33.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.33.mlp.gate_proj.weight")
  cherry.param @model.layers.33.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.33.mlp.up_proj.weight")
  cherry.param @model.layers.33.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.33.mlp.down_proj.weight")
  cherry.param @model.layers.33.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.33.input_layernorm.weight")
  cherry.param @model.layers.33.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.33.post_attention_layernorm.weight")
  cherry.param @model.layers.34.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.34.self_attn.q_proj.weight")
  cherry.param @model.layers.34.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.34.self_attn.k_proj.weight")
  cherry.param @model.layers.34.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.34.self_attn.v_proj.weight")
  cherry.param @model.layers.34.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.34.self_attn.o_proj.weight")
  cherry.param @model.layers.34.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.34.mlp.gate_proj.weight")
  cherry.param @model.layers.34.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.34.mlp.up_proj.weight")
  cherry.param @model.layers.34.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.34.mlp.down_proj.weight")
  cherry.param @model.layers.34.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.34.input_layernorm.weight")
  cherry.param @model.layers.34.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.34.post_attention_layernorm.weight")
  cherry.param @model.layers.35.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.35.self_attn.q_proj.weight")
  cherry.param @model.layers.35.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.35.self_attn.k_proj.weight")
  cherry.param @model.layers.35.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.35.self_attn.v_proj.weight")
  cherry.param @model.layers.35.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.35.self_attn.o_proj.weight")
  cherry.param @model.layers.35.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.35.mlp.gate_proj.weight")
  cherry.param @model.layers.35.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.35.mlp.up_proj.weight")
  cherry.param @model.layers.35.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.35.mlp.down_proj.weight")
  cherry.param @model.layers.35.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.35.input_layernorm.weight")
  cherry.param @model.layers.35.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.35.post_attention_layernorm.weight")
  cherry.param @model.layers.36.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.36.self_attn.q_proj.weight")
  cherry.param @model.layers.36.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.36.self_attn.k_proj.weight")
  cherry.param @model.layers.36.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.36.self_attn.v_proj.weight")
  cherry.param @model.layers.36.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.36.self_attn.o_proj.weight")
  cherry.param @model.layers.36.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.36.mlp.gate_proj.weight")
  cherry.param @model.layers.36.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.36.mlp.up_proj.weight")
  cherry.param @model.layers.36.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.36.mlp.down_proj.weight")
  cherry.param @model.layers.36.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.36.input_layernorm.weight")
  cherry.param @model.layers.36.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.36.post_attention_layernorm.weight")
  cherry.param @model.layers.37.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.37.self_attn.q_proj.weight")
  cherry.param @model.layers.37.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.37.self_attn.k_proj.weight")
  cherry.param @model.layers.37.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.37.self_attn.v_proj.weight")
  cherry.param @model.layers.37.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.37.self_attn.o_proj.weight")
  cherry.param @model.layers.37.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.37.mlp.gate_proj.weight")
  cherry.param @model.layers.37.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.37.mlp.up_proj.weight")
  cherry.param @model.layers.37.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.37.mlp.down_proj.weight")
  cherry.param @model.layers.37.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.37.input_layernorm.weight")
  cherry.param @model.layers.37.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.37.post_attention_layernorm.weight")
  cherry.param @model.layers.38.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.38.self_attn.q_proj.weight")
  cherry.param @model.layers.38.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.38.self_attn.k_proj.weight")
  cherry.param @model.layers.38.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.38.self_attn.v_proj.weight")
  cherry.param @model.layers.38.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.38.self_attn.o_proj.weight")
  cherry.param @model.layers.38.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.38.mlp.gate_proj.weight")
  cherry.param @model.layers.38.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.38.mlp.up_proj.weight")
  cherry.param @model.layers.38.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.38.mlp.down_proj.weight")
  cherry.param @model.layers.38.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.38.input_layernorm.weight")
  cherry.param @model.layers.38.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.38.post_attention_layernorm.weight")
  cherry.param @model.layers.39.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.39.self_attn.q_proj.weight")
  cherry.param @model.layers.39.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.39.self_attn.k_proj.weight")
  cherry.param @model.layers.39.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.39.self_attn.v_proj.weight")
  cherry.param @model.layers.39.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.39.self_attn.o_proj.weight")
  cherry.param @model.layers.39.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.39.mlp.gate_proj.weight")
  cherry.param @model.layers.39.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.39.mlp.up_proj.weight")
  cherry.param @model.layers.39.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.39.mlp.down_proj.weight")
  cherry.param @model.layers.39.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.39.input_layernorm.weight")
  cherry.param @model.layers.39.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.39.post_attention_layernorm.weight")
  cherry.param @model.layers.40.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.40.self_attn.q_proj.weight")
  cherry.param @model.layers.40.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.40.self_attn.k_proj.weight")
  cherry.param @model.layers.40.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.40.self_attn.v_proj.weight")
  cherry.param @model.layers.40.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.40.self_attn.o_proj.weight")
  cherry.param @model.layers.40.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.40.mlp.gate_proj.weight")
  cherry.param @model.layers.40.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.40.mlp.up_proj.weight")
  cherry.param @model.layers.40.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.40.mlp.down_proj.weight")
  cherry.param @model.layers.40.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.40.input_layernorm.weight")
  cherry.param @model.layers.40.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.40.post_attention_layernorm.weight")
  cherry.param @model.layers.41.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.41.self_attn.q_proj.weight")
  cherry.param @model.layers.41.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.41.self_attn.k_proj.weight")
  cherry.param @model.layers.41.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.41.self_attn.v_proj.weight")
  cherry.param @model.layers.41.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.41.self_attn.o_proj.weight")
  cherry.param @model.layers.41.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.41.mlp.gate_proj.weight")
  cherry.param @model.layers.41.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.41.mlp.up_proj.weight")
  cherry.param @model.layers.41.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.41.mlp.down_proj.weight")
  cherry.param @model.layers.41.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.41.input_layernorm.weight")
  cherry.param @model.layers.41.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.41.post_attention_layernorm.weight")
  cherry.param @model.layers.42.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.42.self_attn.q_proj.weight")
  cherry.param @model.layers.42.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.42.self_attn.k_proj.weight")
  cherry.param @model.layers.42.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.42.self_attn.v_proj.weight")
  cherry.param @model.layers.42.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.42.self_attn.o_proj.weight")
  cherry.param @model.layers.42.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.42.mlp.gate_proj.weight")
  cherry.param @model.layers.42.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.42.mlp.up_proj.weight")
  cherry.param @model.layers.42.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.42.mlp.down_proj.weight")
  cherry.param @model.layers.42.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.42.input_layernorm.weight")
  cherry.param @model.layers.42.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.42.post_attention_layernorm.weight")
  cherry.param @model.layers.43.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.43.self_attn.q_proj.weight")
  cherry.param @model.layers.43.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.43.self_attn.k_proj.weight")
  cherry.param @model.layers.43.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.43.self_attn.v_proj.weight")
  cherry.param @model.layers.43.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.43.self_attn.o_proj.weight")
  cherry.param @model.layers.43.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.43.mlp.gate_proj.weight")
  cherry.param @model.layers.43.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.43.mlp.up_proj.weight")
  cherry.param @model.layers.43.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.43.mlp.down_proj.weight")
  cherry.param @model.layers.43.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.43.input_layernorm.weight")
  cherry.param @model.layers.43.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.43.post_attention_layernorm.weight")
  cherry.param @model.layers.44.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.44.self_attn.q_proj.weight")
  cherry.param @model.layers.44.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.44.self_attn.k_proj.weight")
  cherry.param @model.layers.44.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.44.self_attn.v_proj.weight")
  cherry.param @model.layers.44.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.44.self_attn.o_proj.weight")
  cherry.param @model.layers.44.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.44.mlp.gate_proj.weight")
  cherry.param @model.layers.44.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.44.mlp.up_proj.weight")
  cherry.param @model.layers.44.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.44.mlp.down_proj.weight")
  cherry.param @model.layers.44.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.44.input_layernorm.weight")
  cherry.param @model.layers.44.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.44.post_attention_layernorm.weight")
  cherry.param @model.layers.45.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.45.self_attn.q_proj.weight")
  cherry.param @model.layers.45.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.45.self_attn.k_proj.weight")
  cherry.param @model.layers.45.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.45.self_attn.v_proj.weight")
  cherry.param @model.layers.45.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.45.self_attn.o_proj.weight")
  cherry.param @model.layers.45.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.45.mlp.gate_proj.weight")
  cherry.param @model.layers.45.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.45.mlp.up_proj.weight")
  cherry.param @model.layers.45.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.45.mlp.down_proj.weight")
  cherry.param @model.layers.45.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.45.input_layernorm.weight")
  cherry.param @model.layers.45.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.45.post_attention_layernorm.weight")
  cherry.param @model.layers.46.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.46.self_attn.q_proj.weight")
  cherry.param @model.layers.46.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.46.self_attn.k_proj.weight")
  cherry.param @model.layers.46.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.46.self_attn.v_proj.weight")
  cherry.param @model.layers.46.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.46.self_attn.o_proj.weight")
  cherry.param @model.layers.46.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.46.mlp.gate_proj.weight")
  cherry.param @model.layers.46.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.46.mlp.up_proj.weight")
  cherry.param @model.layers.46.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.46.mlp.down_proj.weight")
  cherry.param @model.layers.46.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.46.input_layernorm.weight")
  cherry.param @model.layers.46.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.46.post_attention_layernorm.weight")
  cherry.param @model.layers.47.self_attn.q_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.47.self_attn.q_proj.weight")
  cherry.param @model.layers.47.self_attn.k_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.47.self_attn.k_proj.weight")
  cherry.param @model.layers.47.self_attn.v_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.47.self_attn.v_proj.weight")
  cherry.param @model.layers.47.self_attn.o_proj.weight : tensor<1280x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.47.self_attn.o_proj.weight")
  cherry.param @model.layers.47.mlp.gate_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.47.mlp.gate_proj.weight")
  cherry.param @model.layers.47.mlp.up_proj.weight : tensor<3456x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.47.mlp.up_proj.weight")
  cherry.param @model.layers.47.mlp.down_proj.weight : tensor<1280x3456xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.47.mlp.down_proj.weight")
  cherry.param @model.layers.47.input_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.47.input_layernorm.weight")
  cherry.param @model.layers.47.post_attention_layernorm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.47.post_attention_layernorm.weight")
  cherry.param @model.norm.weight : tensor<1280xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.norm.weight")
  cherry.param @lm_head.weight : tensor<32000x1280xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("lm_head.weight")
  func.func @forward(%arg0: tensor<8x1024xi32>, %arg1: tensor<8x1024xi32>) -> tensor<f32> {
    %embed_tokens = cherry.param_ref @model.embed_tokens.weight : tensor<32000x1280xf32>
    %0 = cherry.embedding %arg0, %embed_tokens : tensor<8x1024xi32>, tensor<32000x1280xf32> -> tensor<8x1024x1280xf32>
    %1 = cherry.decoder_layer %0 {index = 0 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.0.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.0.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.0.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.0.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.0.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.0.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.0.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.0.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.0.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %2 = cherry.decoder_layer %1 {index = 1 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.1.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.1.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.1.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.1.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.1.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.1.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.1.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.1.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.1.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %3 = cherry.decoder_layer %2 {index = 2 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.2.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.2.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.2.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.2.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.2.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.2.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.2.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.2.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.2.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %4 = cherry.decoder_layer %3 {index = 3 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.3.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.3.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.3.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.3.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.3.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.3.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.3.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.3.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.3.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %5 = cherry.decoder_layer %4 {index = 4 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.4.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.4.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.4.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.4.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.4.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.4.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.4.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.4.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.4.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %6 = cherry.decoder_layer %5 {index = 5 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.5.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.5.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.5.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.5.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.5.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.5.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.5.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.5.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.5.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %7 = cherry.decoder_layer %6 {index = 6 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.6.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.6.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.6.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.6.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.6.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.6.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.6.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.6.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.6.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %8 = cherry.decoder_layer %7 {index = 7 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.7.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.7.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.7.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.7.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.7.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.7.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.7.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.7.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.7.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %9 = cherry.decoder_layer %8 {index = 8 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.8.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.8.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.8.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.8.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.8.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.8.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.8.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.8.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.8.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %10 = cherry.decoder_layer %9 {index = 9 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.9.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.9.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.9.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.9.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.9.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.9.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.9.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.9.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.9.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %11 = cherry.decoder_layer %10 {index = 10 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.10.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.10.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.10.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.10.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.10.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.10.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.10.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.10.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.10.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %12 = cherry.decoder_layer %11 {index = 11 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.11.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.11.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.11.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.11.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.11.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.11.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.11.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.11.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.11.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %13 = cherry.decoder_layer %12 {index = 12 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.12.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.12.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.12.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.12.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.12.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.12.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.12.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.12.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.12.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %14 = cherry.decoder_layer %13 {index = 13 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.13.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.13.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.13.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.13.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.13.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.13.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.13.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.13.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.13.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %15 = cherry.decoder_layer %14 {index = 14 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.14.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.14.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.14.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.14.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.14.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.14.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.14.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.14.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.14.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %16 = cherry.decoder_layer %15 {index = 15 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.15.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.15.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.15.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.15.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.15.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.15.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.15.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.15.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.15.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %17 = cherry.decoder_layer %16 {index = 16 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.16.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.16.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.16.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.16.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.16.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.16.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.16.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.16.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.16.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %18 = cherry.decoder_layer %17 {index = 17 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.17.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.17.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.17.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.17.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.17.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.17.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.17.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.17.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.17.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %19 = cherry.decoder_layer %18 {index = 18 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.18.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.18.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.18.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.18.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.18.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.18.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.18.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.18.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.18.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %20 = cherry.decoder_layer %19 {index = 19 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.19.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.19.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.19.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.19.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.19.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.19.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.19.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.19.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.19.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %21 = cherry.decoder_layer %20 {index = 20 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.20.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.20.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.20.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.20.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.20.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.20.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.20.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.20.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.20.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %22 = cherry.decoder_layer %21 {index = 21 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.21.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.21.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.21.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.21.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.21.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.21.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.21.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.21.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.21.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %23 = cherry.decoder_layer %22 {index = 22 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.22.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.22.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.22.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.22.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.22.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.22.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.22.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.22.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.22.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %24 = cherry.decoder_layer %23 {index = 23 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.23.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.23.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.23.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.23.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.23.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.23.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.23.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.23.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.23.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %25 = cherry.decoder_layer %24 {index = 24 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.24.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.24.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.24.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.24.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.24.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.24.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.24.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.24.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.24.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %26 = cherry.decoder_layer %25 {index = 25 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.25.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.25.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.25.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.25.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.25.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.25.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.25.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.25.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.25.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %27 = cherry.decoder_layer %26 {index = 26 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.26.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.26.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.26.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.26.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.26.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.26.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.26.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.26.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.26.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %28 = cherry.decoder_layer %27 {index = 27 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.27.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.27.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.27.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.27.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.27.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.27.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.27.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.27.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.27.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %29 = cherry.decoder_layer %28 {index = 28 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.28.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.28.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.28.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.28.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.28.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.28.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.28.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.28.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.28.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %30 = cherry.decoder_layer %29 {index = 29 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.29.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.29.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.29.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.29.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.29.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.29.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.29.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.29.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.29.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %31 = cherry.decoder_layer %30 {index = 30 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.30.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.30.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.30.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.30.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.30.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.30.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.30.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.30.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.30.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %32 = cherry.decoder_layer %31 {index = 31 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.31.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.31.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.31.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.31.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.31.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.31.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.31.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.31.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.31.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %33 = cherry.decoder_layer %32 {index = 32 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.32.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.32.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.32.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.32.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.32.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.32.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.32.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.32.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.32.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %34 = cherry.decoder_layer %33 {index = 33 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.33.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.33.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.33.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.33.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.33.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.33.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.33.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.33.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.33.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %35 = cherry.decoder_layer %34 {index = 34 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.34.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.34.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.34.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.34.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.34.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.34.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.34.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.34.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.34.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %36 = cherry.decoder_layer %35 {index = 35 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.35.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.35.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.35.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.35.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.35.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.35.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.35.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.35.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.35.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %37 = cherry.decoder_layer %36 {index = 36 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.36.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.36.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.36.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.36.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.36.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.36.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.36.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.36.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.36.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %38 = cherry.decoder_layer %37 {index = 37 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.37.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.37.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.37.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.37.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.37.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.37.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.37.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.37.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.37.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %39 = cherry.decoder_layer %38 {index = 38 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.38.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.38.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.38.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.38.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.38.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.38.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.38.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.38.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.38.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %40 = cherry.decoder_layer %39 {index = 39 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.39.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.39.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.39.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.39.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.39.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.39.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.39.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.39.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.39.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %41 = cherry.decoder_layer %40 {index = 40 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.40.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.40.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.40.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.40.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.40.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.40.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.40.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.40.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.40.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %42 = cherry.decoder_layer %41 {index = 41 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.41.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.41.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.41.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.41.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.41.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.41.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.41.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.41.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.41.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %43 = cherry.decoder_layer %42 {index = 42 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.42.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.42.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.42.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.42.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.42.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.42.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.42.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.42.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.42.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %44 = cherry.decoder_layer %43 {index = 43 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.43.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.43.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.43.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.43.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.43.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.43.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.43.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.43.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.43.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %45 = cherry.decoder_layer %44 {index = 44 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.44.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.44.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.44.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.44.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.44.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.44.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.44.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.44.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.44.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %46 = cherry.decoder_layer %45 {index = 45 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.45.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.45.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.45.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.45.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.45.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.45.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.45.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.45.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.45.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %47 = cherry.decoder_layer %46 {index = 46 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.46.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.46.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.46.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.46.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.46.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.46.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.46.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.46.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.46.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %48 = cherry.decoder_layer %47 {index = 47 : i64} : tensor<8x1024x1280xf32> {
    ^bb0(%arg2: tensor<8x1024x1280xf32>):
      %input_layernorm = cherry.param_ref @model.layers.47.input_layernorm.weight : tensor<1280xf32>
      %52 = cherry.rms_norm %arg2, %input_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %q_proj = cherry.param_ref @model.layers.47.self_attn.q_proj.weight : tensor<1280x1280xf32>
      %53 = cherry.linear %52, %q_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %k_proj = cherry.param_ref @model.layers.47.self_attn.k_proj.weight : tensor<1280x1280xf32>
      %54 = cherry.linear %52, %k_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %v_proj = cherry.param_ref @model.layers.47.self_attn.v_proj.weight : tensor<1280x1280xf32>
      %55 = cherry.linear %52, %v_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %56 = cherry.rope %53 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %57 = cherry.rope %54 {head_dim = 64 : i64} : tensor<8x1024x1280xf32>
      %58 = cherry.attention %56, %57, %55 {num_heads = 20 : i64, num_kv_heads = 20 : i64} : tensor<8x1024x1280xf32>, tensor<8x1024x1280xf32>
      %o_proj = cherry.param_ref @model.layers.47.self_attn.o_proj.weight : tensor<1280x1280xf32>
      %59 = cherry.linear %58, %o_proj : tensor<8x1024x1280xf32>, tensor<1280x1280xf32> -> tensor<8x1024x1280xf32>
      %60 = cherry.add %arg2, %59 : tensor<8x1024x1280xf32>
      %post_attention_layernorm = cherry.param_ref @model.layers.47.post_attention_layernorm.weight : tensor<1280xf32>
      %61 = cherry.rms_norm %60, %post_attention_layernorm : tensor<8x1024x1280xf32>, tensor<1280xf32>
      %gate_proj = cherry.param_ref @model.layers.47.mlp.gate_proj.weight : tensor<3456x1280xf32>
      %62 = cherry.linear %61, %gate_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %up_proj = cherry.param_ref @model.layers.47.mlp.up_proj.weight : tensor<3456x1280xf32>
      %63 = cherry.linear %61, %up_proj : tensor<8x1024x1280xf32>, tensor<3456x1280xf32> -> tensor<8x1024x3456xf32>
      %64 = cherry.swiglu %62, %63 : tensor<8x1024x3456xf32>
      %down_proj = cherry.param_ref @model.layers.47.mlp.down_proj.weight : tensor<1280x3456xf32>
      %65 = cherry.linear %64, %down_proj : tensor<8x1024x3456xf32>, tensor<1280x3456xf32> -> tensor<8x1024x1280xf32>
      %66 = cherry.add %60, %65 : tensor<8x1024x1280xf32>
      cherry.yield %66 : tensor<8x1024x1280xf32>
    }
    %norm = cherry.param_ref @model.norm.weight : tensor<1280xf32>
    %49 = cherry.rms_norm %48, %norm : tensor<8x1024x1280xf32>, tensor<1280xf32>
    %lm_head = cherry.param_ref @lm_head.weight : tensor<32000x1280xf32>
    %50 = cherry.linear %49, %lm_head : tensor<8x1024x1280xf32>, tensor<32000x1280xf32> -> tensor<8x1024x32000xf32>
    %51 = cherry.cross_entropy %50, %arg1 : tensor<8x1024x32000xf32>, tensor<8x1024xi32>
    return %51 : tensor<f32>
  }
}
