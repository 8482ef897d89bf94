"""A tiny Qwen2 GGUF for the llama.cpp tests, written from the tiny test model's own weights.

llama.cpp's converter script is not part of the ``gguf`` package, so the tensors of
:func:`tests.tiny_text_models.build_tiny_qwen` are mapped here by hand to llama.cpp's names
(``blk.N.attn_q`` …), with the byte-level BPE vocabulary, merges, special ids and the chat
template stored the way llama.cpp reads them. f32 throughout: the file is a few hundred KiB.
"""

from __future__ import annotations

import json
from pathlib import Path

# HF name inside each layer → llama.cpp name (gguf.constants.MODEL_TENSOR for qwen2)
_LAYER_TENSORS = {
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.q_proj.bias": "attn_q.bias",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.k_proj.bias": "attn_k.bias",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.v_proj.bias": "attn_v.bias",
    "self_attn.o_proj.weight": "attn_output.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}


def _tensor_name(hf_name: str) -> str | None:
    if hf_name == "model.embed_tokens.weight":
        return "token_embd.weight"
    if hf_name == "model.norm.weight":
        return "output_norm.weight"
    if hf_name == "lm_head.weight":
        return "output.weight"
    parts = hf_name.split(".")
    if parts[:2] == ["model", "layers"]:
        return f"blk.{parts[2]}.{_LAYER_TENSORS['.'.join(parts[3:])]}"
    return None


def write_gguf_from_folder(src: Path, dst: Path, name: str = "tiny-qwen") -> Path:
    """Write ``dst`` (a .gguf file) from a Qwen2 folder saved by ``build_tiny_qwen``."""
    import gguf
    import numpy as np
    from safetensors.numpy import load_file

    src, dst = Path(src), Path(dst)
    config = json.loads((src / "config.json").read_text(encoding="utf-8"))
    tok = json.loads((src / "tokenizer.json").read_text(encoding="utf-8"))
    tok_config = json.loads((src / "tokenizer_config.json").read_text(encoding="utf-8"))

    writer = gguf.GGUFWriter(str(dst), "qwen2")
    writer.add_name(name)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_head_count_kv(config["num_key_value_heads"])
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    writer.add_rope_freq_base(config.get("rope_theta", 10000.0))

    vocab: dict[str, int] = dict(tok["model"]["vocab"])
    for added in tok.get("added_tokens", []):
        vocab[added["content"]] = added["id"]
    specials = {a["content"] for a in tok.get("added_tokens", []) if a.get("special")}
    size = config["vocab_size"]
    tokens = [f"[PAD{i}]" for i in range(size)]
    types = [gguf.TokenType.UNUSED] * size
    for text, i in vocab.items():
        if i < size:
            tokens[i] = text
            types[i] = gguf.TokenType.CONTROL if text in specials else gguf.TokenType.NORMAL
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")  # the GPT-2 split regex our ByteLevel BPE was trained with
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_eos_token_id(config["eos_token_id"])
    writer.add_pad_token_id(config["pad_token_id"])
    writer.add_add_bos_token(False)
    # transformers saves the template as chat_template.jinja (older: in tokenizer_config)
    template_file = src / "chat_template.jinja"
    template = tok_config.get("chat_template") or (
        template_file.read_text(encoding="utf-8") if template_file.is_file() else ""
    )
    if template:
        writer.add_chat_template(template)

    for hf_name, array in load_file(str(src / "model.safetensors")).items():
        target = _tensor_name(hf_name)
        if target is None:
            continue
        writer.add_tensor(target, np.ascontiguousarray(array, dtype=np.float32))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return dst
