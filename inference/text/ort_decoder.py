"""Token-by-token generation on :class:`~inference.text.ort_models.OnnxCausalLM` in numpy, with
the semantics of transformers' ``generate`` as :mod:`inference.text.generation_hooks` sets it up:

- processors in transformers' order and arithmetic: repetition penalty over the whole row
  (prompt included), then — when sampling — temperature, top-k, top-p; greedy is argmax;
- sampled rows are the prompt repeated ``n`` times (greedy: one row), and several prompts
  (groups with their own few-shot examples and seeds) decode in one batch, the shorter ones
  padded on the left and masked out; a row is finished when
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


@dataclass
class Group:
    """One prompt and how many rows continue it (a group of rows that share few-shot
    examples and a seed)."""

    ids: np.ndarray  # (1, prompt length)
    rows: int
    seed: int | None
    read: tuple[int, list[np.ndarray] | None] = (0, None)  # a cached fixed beginning
    mask: np.ndarray | None = None  # (1, prompt length); None: every token real


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
    """New tokens for one prompt row, repeated ``n`` times when sampling (see
    :func:`generate_groups`)."""
    group = Group(prompt_ids, n, params.seed, read, prompt_mask)
    return generate_groups(
        model, [group], params, stop_ids, pad_id, progress, row_done, on_step
    )[0]


def _left_pad(values: np.ndarray, width: int, axis: int, fill: np.ndarray | int) -> np.ndarray:
    missing = width - values.shape[axis]
    if missing <= 0:
        return values
    shape = list(values.shape)
    shape[axis] = missing
    return np.concatenate([np.broadcast_to(fill, shape).astype(values.dtype), values], axis=axis)


def _batch(groups: list[Group], counts: list[int], parts: list[np.ndarray], axis: int,
           fill: list[np.ndarray | int]) -> np.ndarray:  # fmt: skip
    """Each group's part left-padded to the longest prompt, repeated for its rows, stacked."""
    width = max(g.ids.shape[1] for g in groups)
    return np.concatenate(
        [
            np.repeat(_left_pad(part, width, axis, pad), count, axis=0)
            for part, count, pad in zip(parts, counts, fill, strict=True)
        ]
    )


def generate_groups(
    model: OnnxCausalLM,
    groups: list[Group],
    params: GenerationParams,
    stop_ids: set[int],
    pad_id: int,
    progress: Progress,
    row_done: Callable[[list[int]], bool] | None = None,
    on_step: Callable[[np.ndarray], None] | None = None,
) -> list[Generated]:
    """New tokens for the rows of every group, decoded together in one batch: each prompt
    is read once (from its cached fixed beginning, ``Group.read``), its KV cache shared by
    its rows, and shorter prompts are padded on the left (masked out), so one step serves
    every row — one batch of 10 costs about 1.4× a batch of 5, not 2× (issue 18). Stops
    early (without raising) when ``progress`` is cancelled: the caller decides what that
    means. ``row_done(new_ids)`` is asked after each token of an unfinished row;
    ``on_step`` gets every row's new tokens so far (finished rows padded) after each step
    (streaming). Each group draws its random numbers from its own seed, one per row per
    step, so its rows are those it would write alone."""
    greedy = is_greedy(params)
    counts = [1 if greedy else max(1, g.rows) for g in groups]
    masks = [np.ones_like(g.ids) if g.mask is None else g.mask for g in groups]
    lasts, caches = [], []
    for group, mask in zip(groups, masks, strict=True):
        done_ids, past = group.read
        logits, cache = model.step(group.ids[:, done_ids:], mask, past)
        lasts.append(logits[:, -1, :].copy())  # not a view: the prompt's logits can go
        caches.append(cache)
        del logits
    last = np.concatenate([np.repeat(x, c, axis=0) for x, c in zip(lasts, counts, strict=True)])
    cache = None
    if caches[0] is not None:  # KV tensors: (batch, kv heads, tokens, head size)
        zeros = [0] * len(groups)
        cache = [
            _batch(groups, counts, [c[layer] for c in caches], 2, zeros)
            for layer in range(len(caches[0]))
        ]
    # padding repeats a row's first token: the repetition penalty sees nothing new
    ids = _batch(groups, counts, [g.ids for g in groups], 1, [g.ids[:, :1] for g in groups])
    mask = _batch(groups, counts, masks, 1, [0] * len(groups))
    del lasts, caches  # the batch holds its own copies
    rngs = [np.random.default_rng(g.seed) for g in groups]
    total = ids.shape[0]
    stops = np.array(sorted(stop_ids), dtype=np.int64)
    active = np.arange(total)  # original row index of each row still in the batch
    out_ids = np.full((total, params.max_new_tokens), pad_id, dtype=np.int64)
    out_lp = np.zeros((total, params.max_new_tokens), dtype=np.float32)
    written = np.zeros(total, dtype=np.int64)  # steps each row took part in
    steps = 0
    for step in range(params.max_new_tokens):
        if step:
            if cache is None:  # no KV cache in the graph: the whole sequence again
                logits, _ = model.step(ids, mask, None)
            else:
                logits, cache = model.step(ids[:, -1:], mask, cache)
            last = logits[:, -1, :]
        raw = log_softmax(last.astype(np.float32))
        draws = None
        if not greedy:
            draws = np.concatenate([rng.random(c) for rng, c in zip(rngs, counts, strict=True)])
            draws = draws[active]
        token = choose(last, ids, params, rngs[0], draws).astype(np.int64)
        out_lp[active, step] = np.take_along_axis(raw, token[:, None], axis=1)[:, 0]
        out_ids[active, step] = token
        written[active] = step + 1
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
    results, start = [], 0
    for count in counts:
        rows = slice(start, start + count)
        start += count
        # a group's steps: until its last row ended (the loop's count when alone)
        own = steps if progress.cancelled else int(written[rows].max(initial=0))
        results.append(Generated(out_ids[rows, :own], out_lp[rows, :own], own))
    return results
