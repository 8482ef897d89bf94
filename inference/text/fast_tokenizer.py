"""A transformers-free tokenizer for the ``onnx`` backend: ``tokenizers`` + ``jinja2`` only.

Importing transformers costs seconds; the app needs only a small part of its tokenizer API,
rebuilt here over ``tokenizer.json`` and the small JSON/Jinja files next to it, with the
same behaviour as transformers' fast tokenizers (the tests compare ids and chat text with
transformers itself): special tokens from tokenizer_config.json / special_tokens_map.json,
padding and truncation through the Rust tokenizer exactly as ``PreTrainedTokenizerFast``
sets them, and chat templates rendered in the same sandboxed Jinja environment
(:mod:`inference.text.chat_render`, with bounds on time and size).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inference.core.jsonfiles import read_json_file
from inference.text.chat_render import apply_chat_template
from inference.text.model_folders import FolderInfo

SPECIAL_KEYS = (
    "bos_token",
    "eos_token",
    "unk_token",
    "sep_token",
    "pad_token",
    "cls_token",
    "mask_token",
)
# transformers' classes that feed token_type_ids to the model (BertTokenizerFast et al.)
_TYPE_ID_CLASSES = (
    "BertTokenizer",
    "BertTokenizerFast",
    "ElectraTokenizer",
    "ElectraTokenizerFast",
)
_HUGE = 1_000_000  # transformers' "no limit" sentinel is ~1e30


def _token_text(value: Any) -> str | None:
    """A special token as saved: a plain string or an AddedToken dict."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


def _clean_up_spaces(text: str) -> str:
    """transformers' ``clean_up_tokenization`` (spaces before punctuation, English clitics)."""
    for old, new in (
        (" .", "."),
        (" ?", "?"),
        (" !", "!"),
        (" ,", ","),
        (" ' ", "'"),
        (" n't", "n't"),
        (" 'm", "'m"),
        (" 's", "'s"),
        (" 've", "'ve"),
        (" 're", "'re"),
    ):
        text = text.replace(old, new)
    return text


class FastTokenizer:
    """The subset of transformers' ``PreTrainedTokenizerFast`` that the app uses."""

    def __init__(self, folder: Path, chat_template: str | None = None) -> None:
        from tokenizers import Tokenizer

        folder = Path(folder)
        self._tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        config = read_json_file(folder / "tokenizer_config.json") or {}
        special_map = read_json_file(folder / "special_tokens_map.json") or {}
        self.tokenizer_class = str(config.get("tokenizer_class") or "")
        self._fix_bert_normalizer(config)
        self._special: dict[str, str | None] = {
            key: _token_text(special_map.get(key, config.get(key))) for key in SPECIAL_KEYS
        }
        self.padding_side = str(config.get("padding_side", "right"))
        self.truncation_side = str(config.get("truncation_side", "right"))
        limit = config.get("model_max_length")
        self.model_max_length = int(limit) if isinstance(limit, int | float) else int(1e30)
        self.clean_up_tokenization_spaces = bool(config.get("clean_up_tokenization_spaces", False))
        self.model_input_names = ["input_ids", "attention_mask"]
        if self.tokenizer_class in _TYPE_ID_CLASSES:
            self.model_input_names.insert(1, "token_type_ids")
        self.chat_template = chat_template

    def _fix_bert_normalizer(self, config: dict[str, Any]) -> None:
        """BertTokenizerFast rebuilds the normaliser when tokenizer_config.json disagrees with
        tokenizer.json (e.g. ``strip_accents: false`` keeps "й" whole); so must we."""
        if not self.tokenizer_class.startswith("BertTokenizer") or self._tok.normalizer is None:
            return
        from tokenizers import normalizers

        state = json.loads(self._tok.normalizer.__getstate__())
        if state.get("type") != "BertNormalizer":
            return
        wanted = {
            "lowercase": config.get("do_lower_case", True),
            "strip_accents": config.get("strip_accents"),
            "handle_chinese_chars": config.get("tokenize_chinese_chars", True),
        }
        if any(state.get(k, v) != v for k, v in wanted.items()):
            state.pop("type")
            state.update(wanted)
            self._tok.normalizer = normalizers.BertNormalizer(**state)

    # --- special tokens ----------------------------------------------------------------
    def _id(self, token: str | None) -> int | None:
        return None if token is None else self._tok.token_to_id(token)

    @property
    def eos_token(self) -> str | None:
        return self._special["eos_token"]

    @property
    def pad_token(self) -> str | None:
        return self._special["pad_token"]

    @pad_token.setter
    def pad_token(self, value: str | None) -> None:
        self._special["pad_token"] = value

    @property
    def bos_token(self) -> str | None:
        return self._special["bos_token"]

    @property
    def eos_token_id(self) -> int | None:
        return self._id(self.eos_token)

    @property
    def pad_token_id(self) -> int | None:
        return self._id(self.pad_token)

    @property
    def bos_token_id(self) -> int | None:
        return self._id(self.bos_token)

    @property
    def special_tokens_map(self) -> dict[str, str]:
        return {k: v for k, v in self._special.items() if v is not None}

    def get_vocab(self) -> dict[str, int]:
        return self._tok.get_vocab(with_added_tokens=True)

    def __len__(self) -> int:
        return self._tok.get_vocab_size(with_added_tokens=True)

    def convert_tokens_to_ids(self, token: str) -> int | None:
        return self._tok.token_to_id(token)

    def tokenize(self, text: str) -> list[str]:
        return self._tok.encode(text, add_special_tokens=False).tokens

    # --- encoding ----------------------------------------------------------------------
    def __call__(
        self,
        text: str | list[str],
        add_special_tokens: bool = True,
        padding: bool | str = False,
        truncation: bool = False,
        max_length: int | None = None,
        return_tensors: str | None = None,
    ) -> dict[str, Any]:
        """``{"input_ids", "attention_mask"[, "token_type_ids"]}`` as lists (one string → one
        row, not nested), or as ``"np"`` / ``"pt"`` arrays."""
        single = isinstance(text, str)
        batch = [text] if single else list(text)
        self._configure(padding, truncation, max_length)
        encodings = self._tok.encode_batch(batch, add_special_tokens=add_special_tokens)
        columns = {
            "input_ids": [e.ids for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
        }
        out = {name: columns[name] for name in self.model_input_names}
        if return_tensors is None:
            return {k: v[0] for k, v in out.items()} if single else out
        import numpy as np

        arrays = {k: np.asarray(v, dtype=np.int64) for k, v in out.items()}
        if return_tensors == "np":
            return arrays
        if return_tensors == "pt":  # callers that still hold torch (export parity, bench)
            import torch

            return {k: torch.from_numpy(v) for k, v in arrays.items()}
        raise ValueError(f"return_tensors={return_tensors!r} is not supported")

    def _configure(self, padding: bool | str, truncation: bool, max_length: int | None) -> None:
        """Padding and truncation set on the Rust tokenizer for this call, as transformers'
        ``set_truncation_and_padding`` does (a setting saved in tokenizer.json is dropped)."""
        if truncation:
            limit = max_length if max_length is not None else self.model_max_length
            if limit < _HUGE:
                self._tok.enable_truncation(
                    limit, stride=0, strategy="longest_first", direction=self.truncation_side
                )
            else:
                self._tok.no_truncation()
        else:
            self._tok.no_truncation()
        if padding and padding != "do_not_pad":
            if self.pad_token_id is None:
                raise ValueError("padding needs a pad token")
            length = max_length if padding == "max_length" else None
            self._tok.enable_padding(
                direction=self.padding_side,
                pad_id=self.pad_token_id,
                pad_type_id=0,
                pad_token=self.pad_token,
                length=length,
            )
        else:
            self._tok.no_padding()

    def decode(self, ids: Any, skip_special_tokens: bool = False) -> str:
        ids = [int(ids)] if isinstance(ids, int) else [int(i) for i in ids]
        text = self._tok.decode(ids, skip_special_tokens=skip_special_tokens)
        return _clean_up_spaces(text) if self.clean_up_tokenization_spaces else text

    # --- chat --------------------------------------------------------------------------
    def apply_chat_template(
        self,
        messages: list[dict[str, Any]],
        tokenize: bool = True,
        add_generation_prompt: bool = False,
        **kwargs: Any,
    ) -> str | list[int]:
        """Rendered like transformers: variables are the messages, ``add_generation_prompt``,
        the special tokens (``eos_token``…) and any extra keyword."""
        return apply_chat_template(self, messages, tokenize, add_generation_prompt, **kwargs)


def load_fast_tokenizer(info: FolderInfo) -> FastTokenizer:
    """Raises FileNotFoundError without tokenizer.json (slow-only folders need transformers)."""
    if not (info.path / "tokenizer.json").is_file():
        raise FileNotFoundError(str(info.path / "tokenizer.json"))
    return FastTokenizer(info.path, info.chat_template)
