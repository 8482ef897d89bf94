"""What the generator and ranker trainers share: Trainer arguments, resume from the last
checkpoint, a clean stop on Ctrl+C, threads, and the rank-0-only rule for writing files.

Distribution is entirely the Trainer's (accelerate underneath): started by
``accelerate launch -m training ...`` or ``torchrun -m training ...`` the same code runs
data-parallel on every GPU/node; started plainly it runs on one device (GPU if any, else CPU).
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.core.errors import Cancelled
from inference.core.i18n import tr
from inference.core.progress import Progress

DOMAIN = "training"
CHECKPOINT_DIR = "checkpoints"


@dataclass
class TrainOptions:
    """Flags shared by ``train generator`` and ``train ranker`` (see training/cli_args.py)."""

    epochs: float = 3.0
    max_steps: int = -1  # > 0 overrides epochs
    lr: float | None = None  # None: the trainer's own default for its mode
    batch_size: int = 8
    eval_batch_size: int = 16
    grad_accum: int = 1
    warmup_ratio: float = 0.0
    weight_decay: float = 0.0
    seed: int = 42
    logging_steps: int = 10
    save_steps: int = 200
    eval_steps: int = 0  # 0: evaluate once per epoch
    resume: bool = True  # continue from OUT/checkpoints when there is one
    keep_checkpoints: bool = False
    threads: int = 0  # CPU threads for torch (0: automatic)
    bf16: bool = False  # bfloat16 mixed precision (GPUs that have it)
    gradient_checkpointing: bool = False
    show_progress: bool = True


def set_threads(threads: int) -> None:
    import torch

    from inference.text.text_backends import resolve_threads

    torch.set_num_threads(resolve_threads(threads))


def training_arguments(opts: TrainOptions, out: Path, lr: float, has_eval: bool) -> Any:
    import torch
    from transformers import TrainingArguments

    eval_strategy = "no"
    if has_eval:
        eval_strategy = "steps" if opts.eval_steps > 0 else "epoch"
    return TrainingArguments(
        output_dir=str(out / CHECKPOINT_DIR),
        num_train_epochs=opts.epochs,
        max_steps=opts.max_steps if opts.max_steps > 0 else -1,
        learning_rate=lr,
        per_device_train_batch_size=opts.batch_size,
        per_device_eval_batch_size=opts.eval_batch_size,
        gradient_accumulation_steps=opts.grad_accum,
        warmup_ratio=opts.warmup_ratio,
        weight_decay=opts.weight_decay,
        seed=opts.seed,
        data_seed=opts.seed,
        logging_steps=opts.logging_steps,
        logging_first_step=True,
        save_strategy="steps",
        save_steps=opts.save_steps,
        save_total_limit=2,
        eval_strategy=eval_strategy,
        eval_steps=opts.eval_steps if opts.eval_steps > 0 else None,
        bf16=opts.bf16,
        gradient_checkpointing=opts.gradient_checkpointing,
        report_to="none",
        disable_tqdm=not opts.show_progress,
        remove_unused_columns=False,  # the collators need their own fields (e.g. "day")
        dataloader_num_workers=0,
        dataloader_pin_memory=torch.cuda.is_available(),  # pinning only helps a GPU
        ddp_find_unused_parameters=False,
        save_safetensors=True,
    )


def last_checkpoint(out: Path) -> str | None:
    """The newest *complete* checkpoint: a process killed while writing one leaves a folder
    without trainer_state.json (the Trainer writes it last), which cannot be resumed."""
    folder = out / CHECKPOINT_DIR
    done = [
        (int(p.name.split("-")[-1]), p)
        for p in folder.glob("checkpoint-*")
        if p.name.split("-")[-1].isdigit() and (p / "trainer_state.json").is_file()
    ]
    return str(max(done)[1]) if done else None


def cancel_callback(progress: Progress) -> Any:
    """A TrainerCallback that turns a cancel request (first Ctrl+C) into "save a checkpoint
    and stop" at the end of the current optimiser step."""
    from transformers import TrainerCallback

    class _Cancel(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001 - Trainer API
            if progress.cancelled:
                control.should_save = True
                control.should_training_stop = True
            return control

    return _Cancel()


def run_training(trainer: Any, out: Path, opts: TrainOptions, progress: Progress) -> Any:
    """``trainer.train()``, resuming from the last checkpoint in OUT when asked; on cancel the
    checkpoint is saved and :class:`Cancelled` raised after saying how to resume."""
    if not opts.show_progress:
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)  # --quiet: no per-step log lines either
    resume = last_checkpoint(out) if opts.resume else None
    if resume and trainer.is_world_process_zero():
        print(tr("train.resuming", DOMAIN, checkpoint=resume), file=sys.stderr)
    result = trainer.train(resume_from_checkpoint=resume)
    # Mixed precision is for the training steps only: restore the model's own forward so the
    # final metrics come from the weights as saved (what inference/ and export/ run) and the
    # before/after measurements compare like with like.
    trainer.accelerator.unwrap_model(trainer.model_wrapped, keep_fp32_wrapper=False)
    if progress.cancelled:
        if trainer.is_world_process_zero():
            print(tr("train.stopped", DOMAIN, out=str(out)), file=sys.stderr)
        raise Cancelled()
    return result


def finish_checkpoints(trainer: Any, out: Path, keep: bool) -> None:
    """After a successful run the checkpoints are only a resume aid: remove them so OUT is a
    plain model folder (unless asked to keep them)."""
    trainer.accelerator.wait_for_everyone()
    if not keep and trainer.is_world_process_zero():
        shutil.rmtree(out / CHECKPOINT_DIR, ignore_errors=True)


def save_final_model(trainer: Any, out: Path) -> None:
    """The trained weights and tokenizer into OUT, by rank 0 only (the Trainer's own rule),
    without the pickled TrainingArguments: the JSON report records the options instead."""
    trainer.save_model(str(out))
    if trainer.is_world_process_zero():
        (out / "training_args.bin").unlink(missing_ok=True)


def loss_history(trainer: Any) -> list[dict[str, Any]]:
    """The logged losses, compact enough for a JSON report."""
    keep = ("step", "epoch", "loss", "eval_loss", "learning_rate", "grad_norm")
    return [{k: e[k] for k in keep if k in e} for e in trainer.state.log_history]
