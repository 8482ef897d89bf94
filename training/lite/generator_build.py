"""Train the lite generator from scratch: tokenizer, a small Qwen2 model, causal-LM training.

The training loop is the project's own (:mod:`training.trainer_common`: Trainer arguments,
resume from checkpoints, Ctrl+C saves and stops); the examples are plain text plus chat
pairs (:mod:`training.lite.lm_data`). The result is a plain Hugging Face folder that
``inference.text.generator`` loads and ``export.text`` exports like any Qwen2 model.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from inference.core.progress import Progress
from training.data_files import load_split, prepare_output_dir, write_json
from training.generator_data import CompletionCollator
from training.lite.lm_data import lm_examples, split_examples
from training.lite.recipe import GeneratorRecipe, train_options
from training.lite.tokenizer_build import train_bpe_tokenizer
from training.trainer_common import (
    cancel_callback,
    finish_checkpoints,
    loss_history,
    run_training,
    save_final_model,
    set_threads,
    training_arguments,
)

REPORT_FILE = "lite_training.json"


def tokenizer_texts(jokes: list[dict[str, Any]], pairs: list[dict[str, Any]]) -> list[str]:
    """Training texts plus the chat frame (the role lines, written out without the special
    tokens, which the trainer must not split)."""
    return [j["text"] for j in jokes] + [f"user\n{p['setup']}\nassistant\n" for p in pairs]


def build_base_model(tokenizer: Any, recipe: GeneratorRecipe, dst: Path) -> Path:
    """A randomly initialised ``Qwen2ForCausalLM`` (seeded) saved with its tokenizer."""
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=recipe.hidden_size,
        intermediate_size=recipe.intermediate_size,
        num_hidden_layers=recipe.layers,
        num_attention_heads=recipe.heads,
        num_key_value_heads=recipe.kv_heads,
        max_position_embeddings=recipe.context,
        rope_theta=10000.0,
        tie_word_embeddings=True,  # the embedding is a third of the weights: share it
        attention_dropout=recipe.dropout,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        # None, as in Qwen2.5's own config: a pad id makes nn.Embedding zero that row, and
        # <|endoftext|> (the pad token) is also the document separator the model reads; a
        # zero input vector through RMSNorm blows the first layer's gradients up.
        pad_token_id=None,
        use_sliding_window=False,
    )
    torch.manual_seed(recipe.seed)
    model = Qwen2ForCausalLM(config)
    model.save_pretrained(dst, safe_serialization=True)
    tokenizer.save_pretrained(dst)
    GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id
    ).save_pretrained(dst)
    return dst


def prepare_generator_base(data_dir: Path, recipe: GeneratorRecipe, dst: Path) -> Path:
    """Tokenizer trained on the training split, and the untrained model, in ``dst``."""
    jokes, pairs = load_split(data_dir, "train"), load_split(data_dir, "train", "pairs")
    dst = prepare_output_dir(dst)
    tokenizer = train_bpe_tokenizer(
        tokenizer_texts(jokes, pairs), recipe.vocab_size, recipe.context, dst
    )
    return build_base_model(tokenizer, recipe, dst)


def train_lite_generator(
    data_dir: Path,
    base: Path,
    out: Path,
    recipe: GeneratorRecipe,
    threads: int = 0,
    show_progress: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train ``base`` (from :func:`prepare_generator_base`) into ``out``; returns the report
    also written to ``out/lite_training.json``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, enable_full_determinism

    progress = progress or Progress()
    opts = train_options(recipe, threads, show_progress, eval_batch_size=64, save_steps=500)
    set_threads(threads)
    enable_full_determinism(recipe.seed)  # also on a GPU: same inputs, same weights
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(base, local_files_only=True)
    model.config.use_cache = False
    train, stats = split_examples(tokenizer, data_dir, "train", recipe.max_length)
    val, val_stats = lm_examples(
        tokenizer, [], load_split(data_dir, "validation", "pairs"), recipe.max_length
    )
    out = prepare_output_dir(out)
    args = training_arguments(opts, out, recipe.lr, has_eval=bool(val))
    args.group_by_length = True  # batches of similar lengths: far less padding to compute
    args.lr_scheduler_type = "cosine"
    args.full_determinism = True
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train,
        eval_dataset=val or None,
        data_collator=CompletionCollator(tokenizer.pad_token_id),
        processing_class=tokenizer,
        callbacks=[cancel_callback(progress)],
    )
    result = run_training(trainer, out, opts, progress)
    trainer.accelerator.unwrap_model(trainer.model).config.use_cache = True
    save_final_model(trainer, out)
    report = {
        "recipe": asdict(recipe),
        "parameters": sum(p.numel() for p in model.parameters()),
        "examples": {"train": stats, "validation": val_stats},
        "training": {
            "steps": trainer.state.global_step,
            "epochs": trainer.state.epoch,
            "train_loss": result.training_loss,
            "runtime_s": result.metrics.get("train_runtime"),
            "device": str(trainer.args.device),
            "torch": torch.__version__,
            "history": loss_history(trainer),
        },
    }
    if trainer.is_world_process_zero():
        write_json(out / REPORT_FILE, report)
    finish_checkpoints(trainer, out, keep=False)
    return report


def cpu_throughput(
    data_dir: Path, base: Path, recipe: GeneratorRecipe, steps: int = 12, threads: int = 2
) -> dict[str, Any]:
    """Training speed of this recipe on the CPU with ``threads`` threads: a few optimiser
    steps on batches of similar lengths (as ``group_by_length`` makes them), measured after
    one warm-up step; returns tokens/s and the hours a full CPU run would take."""
    import random
    import time

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(base, local_files_only=True).to("cpu")
    model.config.use_cache = False
    examples, stats = split_examples(tokenizer, data_dir, "train", recipe.max_length)
    sample = random.Random(recipe.seed).sample(examples, (steps + 1) * recipe.batch_size)
    sample.sort(key=lambda e: len(e["input_ids"]))
    batches = [sample[i : i + recipe.batch_size] for i in range(0, len(sample), recipe.batch_size)]
    random.Random(recipe.seed).shuffle(batches)
    collate = CompletionCollator(tokenizer.pad_token_id)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr)
    tokens, started = 0, 0.0
    for i, batch in enumerate(batches):
        if i == 1:  # the first step pays for allocations
            started = time.perf_counter()
        loss = model(**collate(batch)).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if i >= 1:
            tokens += sum(len(e["input_ids"]) for e in batch)
    seconds = time.perf_counter() - started
    per_s = tokens / seconds
    return {
        "threads": threads,
        "steps": len(batches) - 1,
        "tokens_per_s": round(per_s, 1),
        "epoch_tokens": stats["tokens"],
        "estimated_hours": recipe.epochs * stats["tokens"] / per_s / 3600,
        "torch": torch.__version__,
    }
