"""Token-by-token generation on :class:`~inference.text.ort_models.OnnxCausalLM` in numpy, with
the semantics of transformers' ``generate`` as :mod:`inference.text.generation_hooks` sets it up:

- processors in transformers' order and arithmetic: repetition penalty over the whole row
  (prompt included), then — when sampling — temperature, top-k, top-p; greedy is argmax;
- sampled rows are the prompt repeated ``n`` times (greedy: one row); a row is finished when
  it meets a stop id or when ``row_done`` says its text is complete (end of turn, two
  sentences: :func:`inference.text.token_rows.row_end`); finished rows leave the batch (their
  KV cache is dropped, so later tokens cost only the rows still writing) and are padded
  with the pad token; the loop ends when every row is finished or after ``max_new_tokens``;
- log-probabilities of the chosen tokens from the raw (unprocessed) log-softmax, as
  ``RawLogprobRecorder`` records them;
- one ``progress.advance()`` per token and a cancel honoured within one token.

Random numbers come from ``numpy.random.default_rng(params.seed)``, so a seed reproduces a
batch on this backend (not the torch backend's tokens: the generators differ). One draw per
original row per step, used or not, so a row's tokens do not depend on when others finish.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from inference.core.params import GenerationParams
from inference.core.progress import Progress
from inference.text.ort_models import OnnxCausalLM
from inference.text.token_rows import is_greedy


@dataclass
class Generated:
    ids: np.ndarray  # (rows, steps) new tokens only
    logprobs: np.ndarray  # (rows, steps) raw log-probabilities of those tokens
    steps: int


def log_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def repetition_penalty(scores: np.ndarray, ids: np.ndarray, penalty: float) -> np.ndarray:
    """transformers' RepetitionPenaltyLogitsProcessor: every token already in the row has its
    logit divided by ``penalty`` when positive, multiplied when negative."""
    seen = np.take_along_axis(scores, ids, axis=1)
    seen = np.where(seen < 0, seen * penalty, seen / penalty)
    out = scores.copy()
    np.put_along_axis(out, ids, seen, axis=1)
    return out


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Keep the ``k`` best logits (ties with the k-th included, like TopKLogitsWarper)."""
    k = min(max(k, 1), scores.shape[-1])
    kth = np.partition(scores, -k, axis=-1)[:, -k, None]
    return np.where(scores < kth, -np.inf, scores)


def top_p(scores: np.ndarray, p: float) -> np.ndarray:
    """TopPLogitsWarper: drop the least likely tokens whose total probability stays within
    ``1 - p``; the most likely token is always kept."""
    out = np.full_like(scores, -np.inf)
    for row, (values, keep) in enumerate(_finite_rows(scores)):
        order = np.argsort(values, kind="stable")
        ascending = values[order]
        cumulative = np.cumsum(np.exp(log_softmax(ascending[None, :])[0]))
        remove = cumulative <= (1 - p)
        remove[-1] = False
        kept = np.sort(order[~remove])
        out[row, keep[kept]] = values[kept]
    return out


def _finite_rows(scores: np.ndarray):
    """(finite values, their indices) per row. After top-k only k of the ~150k logits of a
    real vocabulary are finite: sorting and sampling only those is the same arithmetic (an
    -inf logit has probability 0 and sorts first) and several times cheaper per token."""
    for row in scores:
        keep = np.flatnonzero(np.isfinite(row))
        yield row[keep], keep


def sample(
    scores: np.ndarray, rng: np.random.Generator, draws: np.ndarray | None = None
) -> np.ndarray:
    """One draw per row from softmax(scores), by inverting the cumulative distribution
    (``draws``: the uniform numbers to use, one per row; drawn from ``rng`` when None)."""
    if draws is None:
        draws = rng.random((scores.shape[0], 1))[:, 0]
    tokens = np.empty(scores.shape[0], dtype=np.int64)
    for row, (values, keep) in enumerate(_finite_rows(scores)):
        probs = np.exp(log_softmax(values.astype(np.float64)[None, :])[0])
        cumulative = np.cumsum(probs)
        tokens[row] = keep[(cumulative > draws[row] * cumulative[-1]).argmax()]
    return tokens


def choose(
    logits: np.ndarray,
    ids: np.ndarray,
    params: GenerationParams,
    rng: np.random.Generator,
    draws: np.ndarray | None = None,
) -> np.ndarray:
    """The next token of every row."""
    scores = logits.astype(np.float32)
    if params.repetition_penalty and params.repetition_penalty != 1.0:
        scores = repetition_penalty(scores, ids, params.repetition_penalty)
    if is_greedy(params):
        return scores.argmax(axis=-1)
    if params.temperature != 1.0:
        scores = scores / np.float32(params.temperature)
    if params.top_k and params.top_k > 0:
        scores = top_k(scores, params.top_k)
    if params.top_p is not None and params.top_p < 1.0:
        scores = top_p(scores, params.top_p)
    return sample(scores, rng, draws)


def generate(
    model: OnnxCausalLM,
    prompt_ids: np.ndarray,
    prompt_mask: np.ndarray,
    params: GenerationParams,
    n: int,
    stop_ids: set[int],
    pad_id: int,
    progress: Progress,
    row_done: Callable[[list[int]], bool] | None = None,
    on_step: Callable[[np.ndarray], None] | None = None,
    read: tuple[int, list[np.ndarray] | None] = (0, None),
) -> Generated:
    """New tokens for each prompt row, repeated ``n`` times when sampling. Stops early
    (without raising) when ``progress`` is cancelled: the caller decides what that means.
    ``row_done(new_ids)`` is asked after each token of an unfinished row; ``on_step`` gets
    every row's new tokens so far (finished rows padded) after each step (streaming).
    ``read``: how many leading prompt tokens a cache already holds, and that cache
    (:class:`inference.text.prefix_cache.PrefixCache`); only the rest of the prompt is read."""
    rows = 1 if is_greedy(params) else max(1, n)
    rng = np.random.default_rng(params.seed)
    stops = np.array(sorted(stop_ids), dtype=np.int64)
    # the prompt is read once per distinct row; its cache is then shared by the copies
    done_ids, past = read
    logits, cache = model.step(prompt_ids[:, done_ids:], prompt_mask, past)
    last = np.repeat(logits[:, -1, :], rows, axis=0)
    cache = None if cache is None else [np.repeat(c, rows, axis=0) for c in cache]
    ids = np.repeat(prompt_ids, rows, axis=0)
    mask = np.repeat(prompt_mask, rows, axis=0)
    total = ids.shape[0]
    active = np.arange(total)  # original row index of each row still in the batch
    out_ids = np.full((total, params.max_new_tokens), pad_id, dtype=np.int64)
    out_lp = np.zeros((total, params.max_new_tokens), dtype=np.float32)
    steps = 0
    for step in range(params.max_new_tokens):
        if step:
            if cache is None:  # no KV cache in the graph: the whole sequence again
                logits, _ = model.step(ids, mask, None)
            else:
                logits, cache = model.step(ids[:, -1:], mask, cache)
            last = logits[:, -1, :]
        raw = log_softmax(last.astype(np.float32))
        draws = None if is_greedy(params) else rng.random(total)[active]
        token = choose(last, ids, params, rng, draws).astype(np.int64)
        out_lp[active, step] = np.take_along_axis(raw, token[:, None], axis=1)[:, 0]
        out_ids[active, step] = token
        steps = step + 1
        ids = np.concatenate([ids, token[:, None]], axis=1)
        mask = np.concatenate([mask, np.ones_like(token)[:, None]], axis=1)
        progress.advance()
        if on_step is not None:
            on_step(out_ids[:, :steps])
        done = np.isin(token, stops)
        if row_done is not None:
            for i in np.flatnonzero(~done):
                done[i] = row_done(out_ids[active[i], :steps].tolist())
        if progress.cancelled or done.all():
            break
        if done.any():  # finished rows leave the batch: later steps cost only the rest
            keep = np.flatnonzero(~done)
            active, ids, mask = active[keep], ids[keep], mask[keep]
            cache = None if cache is None else [c[keep] for c in cache]
    return Generated(ids=out_ids[:, :steps], logprobs=out_lp[:, :steps], steps=steps)
