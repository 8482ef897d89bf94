"""A Qwen2/Qwen3 Hugging Face folder → one GGUF file for the ``llamacpp`` generator backend.

llama.cpp's own converter script is not on PyPI; the ``gguf`` package (its writer) is. The
tensors are mapped to llama.cpp's names by hand, the byte-level BPE vocabulary, merges,
special ids and chat template stored the way llama.cpp reads them. ``f32``/``f16`` keep the
weights; ``q8_0`` quantizes the 2-D matrices with gguf's reference quantizer (numpy; norms
and biases stay f32, as in llama.cpp's files). The benchmark uses this to put a GGUF of the
very same model beside its ONNX exports; the tests use it for their tiny GGUF.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PRECISIONS = ("f32", "f16", "q8_0")
ARCHITECTURES = ("qwen2", "qwen3")

# HF name inside each layer → llama.cpp name
_LAYER_TENSORS = {
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.q_proj.bias": "attn_q.bias",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.k_proj.bias": "attn_k.bias",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.v_proj.bias": "attn_v.bias",
    "self_attn.o_proj.weight": "attn_output.weight",
    "self_attn.q_norm.weight": "attn_q_norm.weight",  # Qwen3
    "self_attn.k_norm.weight": "attn_k_norm.weight",  # Qwen3
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}
_TOP_TENSORS = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
}


def tensor_name(hf_name: str) -> str | None:
    """llama.cpp's name for a Qwen2/Qwen3 tensor; None for one llama.cpp does not read."""
    if hf_name in _TOP_TENSORS:
        return _TOP_TENSORS[hf_name]
    parts = hf_name.split(".")
    if parts[:2] == ["model", "layers"]:
        inner = _LAYER_TENSORS.get(".".join(parts[3:]))
        return f"blk.{parts[2]}.{inner}" if inner else None
    return None


def _pre_tokenizer(tok: dict[str, Any]) -> str:
    """llama.cpp's pre-tokenizer name: Qwen's split regex, or GPT-2's plain byte level."""
    pre = tok.get("pre_tokenizer") or {}
    return "qwen2" if pre.get("type") == "Sequence" else "default"


def _add_vocab(writer: Any, src: Path, config: dict[str, Any]) -> None:
    import gguf

    tok = json.loads((src / "tokenizer.json").read_text(encoding="utf-8"))
    tok_config = json.loads((src / "tokenizer_config.json").read_text(encoding="utf-8"))
    vocab: dict[str, int] = dict(tok["model"]["vocab"])
    specials = set()
    for added in tok.get("added_tokens", []):
        vocab[added["content"]] = added["id"]
        if added.get("special"):
            specials.add(added["content"])
    size = max(config["vocab_size"], max(vocab.values()) + 1)
    tokens = [f"[PAD{i}]" for i in range(size)]
    types = [gguf.TokenType.UNUSED] * size
    for text, i in vocab.items():
        tokens[i] = text
        types[i] = gguf.TokenType.CONTROL if text in specials else gguf.TokenType.NORMAL
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(_pre_tokenizer(tok))
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(
        [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]
    )
    eos = config.get("eos_token_id")
    if isinstance(eos, list):
        eos = eos[0] if eos else None
    if isinstance(eos, int):
        writer.add_eos_token_id(eos)
    pad = vocab.get(tok_config.get("pad_token") or "", config.get("pad_token_id"))
    if isinstance(pad, int):
        writer.add_pad_token_id(pad)
    writer.add_add_bos_token(False)
    # transformers saves the template as chat_template.jinja (older: in tokenizer_config)
    template_file = src / "chat_template.jinja"
    template = tok_config.get("chat_template") or (
        template_file.read_text(encoding="utf-8") if template_file.is_file() else ""
    )
    if template:
        writer.add_chat_template(template)


def _weights(src: Path) -> Any:
    """(name, float32 array) of every safetensors shard, one tensor at a time."""
    import numpy as np
    from safetensors import safe_open

    for shard in sorted(src.glob("*.safetensors")):
        with safe_open(str(shard), framework="pt") as f:
            for name in f.keys():  # noqa: SIM118  (safe_open is not a mapping)
                yield name, f.get_tensor(name).float().numpy().astype(np.float32)


def export_gguf(src: str | Path, dst: str | Path, precision: str = "q8_0") -> Path:
    """Write ``dst`` from the Qwen2/Qwen3 folder ``src``; returns ``dst``."""
    import gguf
    import numpy as np

    if precision not in PRECISIONS:
        raise ValueError(precision)
    src, dst = Path(src), Path(dst)
    config = json.loads((src / "config.json").read_text(encoding="utf-8"))
    arch = config.get("model_type")
    if arch not in ARCHITECTURES:
        raise ValueError(f"{arch}: only {', '.join(ARCHITECTURES)} folders convert")
    file_types = {
        "f32": gguf.LlamaFileType.ALL_F32,
        "f16": gguf.LlamaFileType.MOSTLY_F16,
        "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
    }
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".part")
    writer = gguf.GGUFWriter(str(tmp), arch)
    writer.add_name(src.name)
    writer.add_file_type(file_types[precision])
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_head_count_kv(config["num_key_value_heads"])
    if config.get("head_dim"):
        writer.add_key_length(config["head_dim"])
        writer.add_value_length(config["head_dim"])
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    writer.add_rope_freq_base(config.get("rope_theta", 10000.0))
    _add_vocab(writer, src, config)

    for hf_name, array in _weights(src):
        target = tensor_name(hf_name)
        if target is None:
            continue
        if precision == "f32" or array.ndim < 2:
            writer.add_tensor(target, np.ascontiguousarray(array))
        elif precision == "f16":
            writer.add_tensor(target, array.astype(np.float16))
        else:
            kind = gguf.GGMLQuantizationType.Q8_0
            data = gguf.quants.quantize(array, kind)
            writer.add_tensor(target, data, raw_shape=data.shape, raw_dtype=kind)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(dst)
    return dst
