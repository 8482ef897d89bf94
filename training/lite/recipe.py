"""The lite models' recipe: sizes, tokenizers and training settings in one place, with
fixed seeds. The model cards print these values; changing one changes the bundle.

Sizes are chosen for the bundle (≤ 40 MB with the illustrator's font), for training on
2 CPU cores in about an hour or two (minutes on a GPU), and for 8 candidates × ~40 tokens
in well under a second with ONNX Runtime on a laptop CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEED = 20240601


@dataclass(frozen=True)
class GeneratorRecipe:
    vocab_size: int = 8000
    hidden_size: int = 256
    intermediate_size: int = 768
    layers: int = 6
    heads: int = 4  # head size 64
    kv_heads: int = 2  # grouped-query attention, as in Qwen2.5: a smaller KV cache
    context: int = 512  # max_position_embeddings / tokenizer model_max_length
    max_length: int = 192  # tokens per training example (longer examples are cut/skipped)
    epochs: float = 6.0
    lr: float = 2.5e-3
    batch_size: int = 64
    warmup_ratio: float = 0.03
    weight_decay: float = 0.1
    dropout: float = 0.0
    seed: int = SEED
    # int8 halves the ONNX file (the tied embedding stays fp32) at no measurable cost in
    # perplexity or speed; see the model card's comparison (--compare-quantization)
    quantize: str = "int8"


@dataclass(frozen=True)
class RankerRecipe:
    vocab_size: int = 8000
    hidden_size: int = 128
    intermediate_size: int = 384
    layers: int = 2
    heads: int = 2  # head size 64
    context: int = 128  # max_position_embeddings / tokenizer model_max_length
    max_length: int = 128
    # mse on the 0/1 label: one scale for all texts, which the gate's threshold needs
    # (pairwise RankNet only orders the texts of a group)
    objective: str = "mse"
    epochs: float = 2.0
    lr: float = 5e-4
    batch_size: int = 32
    warmup_ratio: float = 0.05
    weight_decay: float = 0.01
    seed: int = SEED
    # groups (a real joke + its degraded versions, see training/lite/degrade.py) drawn from
    # the training split; validation and test use all of theirs
    train_groups: int = 3000
    generated_per_joke: int = 1  # lite-generator endings per group
    # fp32: int8 saved only ~3 MB here (the embedding stays fp32) and scored slower
    quantize: str = "none"


@dataclass(frozen=True)
class Recipe:
    generator: GeneratorRecipe = field(default_factory=GeneratorRecipe)
    ranker: RankerRecipe = field(default_factory=RankerRecipe)


def train_options(
    recipe: GeneratorRecipe | RankerRecipe, threads: int, show_progress: bool, **extra: Any
) -> Any:
    """The project's :class:`training.trainer_common.TrainOptions` for a recipe."""
    from training.trainer_common import TrainOptions

    return TrainOptions(
        epochs=recipe.epochs,
        lr=recipe.lr,
        batch_size=recipe.batch_size,
        warmup_ratio=recipe.warmup_ratio,
        weight_decay=recipe.weight_decay,
        seed=recipe.seed,
        logging_steps=50,
        threads=threads,
        show_progress=show_progress,
        **extra,
    )
