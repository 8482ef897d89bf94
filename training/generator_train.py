"""``train generator``: fine-tune a causal LM on setup → punchline pairs.

Full fine-tuning (small bases) or LoRA via peft (``--lora``, for large bases; the adapter is
merged into the weights at the end, so OUT is a plain folder). The loss covers the punchline
and its end marker only (:mod:`training.generator_data`). Validation perplexity on the
punchlines is measured before and after training and written to ``OUT/training_report.json``
with the loss curve (``training_curve.png``).
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from inference.core.errors import InputError
from inference.core.i18n import tr
from inference.core.progress import Progress
from inference.text.generator import SUPPORTED_MODEL_TYPES
from training import plots
from training.base_models import check_base_folder, load_pretrained, usable_length
from training.data_files import check_data_dir, load_split, prepare_output_dir, write_json
from training.generator_data import CompletionCollator, encode_pairs, punchline_nll
from training.trainer_common import (
    DOMAIN,
    TrainOptions,
    cancel_callback,
    finish_checkpoints,
    loss_history,
    run_training,
    save_final_model,
    set_threads,
    training_arguments,
)

DEFAULT_LR_FULL = 2e-5
DEFAULT_LR_LORA = 2e-4
REPORT_FILE = "training_report.json"
DTYPES = ("float32", "bfloat16", "float16")


@dataclass
class GeneratorConfig:
    data_dir: Path
    base: Path
    out: Path
    lora: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_targets: str = "all-linear"  # or a comma-separated list of module names
    max_length: int = 256
    dtype: str = "float32"  # weights as loaded; bfloat16 halves memory for LoRA on GPUs
    train: TrainOptions = field(default_factory=TrainOptions)


def _load_base(cfg: GeneratorConfig) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    info = check_base_folder(cfg.base, "causal-lm")
    if info.model_type not in SUPPORTED_MODEL_TYPES:
        # trainable, but the app would refuse the result: say so before the hours of training
        print(
            tr(
                "generator.not_for_app",
                DOMAIN,
                kind=info.model_type,
                supported=", ".join(SUPPORTED_MODEL_TYPES),
            ),
            file=sys.stderr,
        )
    tokenizer = load_pretrained(AutoTokenizer, info)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = load_pretrained(AutoModelForCausalLM, info, dtype=getattr(torch, cfg.dtype))
    model.config.use_cache = False  # the KV cache is useless while training and costs memory
    return model, tokenizer


def _wrap_lora(model: Any, cfg: GeneratorConfig) -> Any:
    from peft import LoraConfig, get_peft_model

    targets: str | list[str] = cfg.lora_targets
    if targets != "all-linear":
        targets = [t.strip() for t in targets.split(",") if t.strip()]
    config = LoraConfig(
        task_type="CAUSAL_LM",
        r=cfg.lora_r,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules=targets,
    )
    if cfg.train.gradient_checkpointing:
        model.enable_input_require_grads()  # frozen embeddings would cut the graph
    return get_peft_model(model, config)


def punchline_perplexity(trainer: Any, dataset: list[dict[str, Any]]) -> dict[str, float] | None:
    """exp(mean NLL per punchline token) over ``dataset``, token-weighted, gathered across
    processes (each example counted once even under data parallelism)."""
    import torch

    if not dataset:
        return None
    model = trainer.model
    was_training = model.training
    model.eval()
    total, tokens = 0.0, 0
    with torch.no_grad(), trainer.autocast_smart_context_manager():
        for batch in trainer.get_eval_dataloader(dataset):
            batch = {k: v.to(trainer.args.device) for k, v in batch.items()}
            nll, count = punchline_nll(model, batch)
            nll, count = trainer.accelerator.gather_for_metrics((nll, count))
            total += float(nll.sum())
            tokens += int(count.sum())
    model.train(was_training)
    mean = total / max(tokens, 1)
    return {"perplexity": math.exp(min(mean, 50.0)), "nll_per_token": mean, "tokens": tokens}


def train_generator(cfg: GeneratorConfig, progress: Progress | None = None) -> dict[str, Any]:
    """Train and save OUT (weights + tokenizer + generation config + report); returns the
    report."""
    from transformers import Trainer, set_seed

    progress = progress or Progress()
    data_dir = check_data_dir(cfg.data_dir)
    if cfg.dtype not in DTYPES:
        raise InputError(
            tr("generator.bad_dtype", DOMAIN, dtype=cfg.dtype, choices=", ".join(DTYPES))
        )
    pairs = {s: load_split(data_dir, s, "pairs") for s in ("train", "validation")}
    if not pairs["train"]:
        raise InputError(tr("generator.no_pairs", DOMAIN, path=str(data_dir)))
    out = prepare_output_dir(cfg.out)
    set_threads(cfg.train.threads)
    set_seed(cfg.train.seed)
    model, tokenizer = _load_base(cfg)
    max_length = usable_length(cfg.max_length, tokenizer, model.config)
    train_set, skipped_train = encode_pairs(tokenizer, pairs["train"], max_length)
    val_set, skipped_val = encode_pairs(tokenizer, pairs["validation"], max_length)
    if not train_set:
        raise InputError(tr("generator.nothing_fits", DOMAIN, max_length=max_length))
    if cfg.lora:
        model = _wrap_lora(model, cfg)
    lr = cfg.train.lr or (DEFAULT_LR_LORA if cfg.lora else DEFAULT_LR_FULL)
    trainer = Trainer(
        model=model,
        args=training_arguments(cfg.train, out, lr, has_eval=bool(val_set)),
        train_dataset=train_set,
        eval_dataset=val_set or None,
        data_collator=CompletionCollator(tokenizer.pad_token_id),
        processing_class=tokenizer,
        callbacks=[cancel_callback(progress)],
    )
    before = punchline_perplexity(trainer, val_set)
    result = run_training(trainer, out, cfg.train, progress)
    after = punchline_perplexity(trainer, val_set)

    report = {
        "base": str(Path(cfg.base).resolve()),
        "data": str(data_dir.resolve()),
        "mode": "lora" if cfg.lora else "full",
        "lora": {
            "r": cfg.lora_r,
            "alpha": cfg.lora_alpha,
            "dropout": cfg.lora_dropout,
            "targets": cfg.lora_targets,
        }
        if cfg.lora
        else None,
        "examples": {
            "train": len(train_set),
            "validation": len(val_set),
            "skipped_too_long": skipped_train + skipped_val,
        },
        "validation_perplexity": {"before": before, "after": after},
        "training": {
            "steps": trainer.state.global_step,
            "epochs": trainer.state.epoch,
            "learning_rate": lr,
            "train_loss": result.training_loss,
            "runtime_s": result.metrics.get("train_runtime"),
            "options": asdict(cfg.train),
            "history": loss_history(trainer),
        },
    }
    _save(trainer, tokenizer, out, cfg.lora)
    if trainer.is_world_process_zero():
        report["plots"] = {
            "training_curve": plots.training_curve(
                out / "training_curve.png", "generator", trainer.state.log_history
            ).name
        }
        write_json(out / REPORT_FILE, report)
        print(generator_summary(report), file=sys.stdout)
    finish_checkpoints(trainer, out, cfg.train.keep_checkpoints)
    return report


def _save(trainer: Any, tokenizer: Any, out: Path, lora: bool) -> None:
    """A plain folder either way: LoRA adapters are merged into the base weights first."""
    if not lora:
        trainer.accelerator.unwrap_model(trainer.model).config.use_cache = True
        save_final_model(trainer, out)
        return
    trainer.accelerator.wait_for_everyone()
    if trainer.is_world_process_zero():
        merged = trainer.accelerator.unwrap_model(trainer.model).merge_and_unload()
        merged.config.use_cache = True
        merged.save_pretrained(out, safe_serialization=True)
        tokenizer.save_pretrained(out)


def generator_summary(report: dict[str, Any]) -> str:
    ppl = report["validation_perplexity"]

    def fmt(entry: dict[str, float] | None) -> str:
        return f"{entry['perplexity']:.3f}" if entry else "—"

    return tr(
        "generator.summary",
        DOMAIN,
        mode=report["mode"],
        train=report["examples"]["train"],
        steps=report["training"]["steps"],
        before=fmt(ppl["before"]),
        after=fmt(ppl["after"]),
    )
