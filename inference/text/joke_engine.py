"""From a generator to the candidates the ranker sees: over-generate, screen, top up.

The one place the pipeline (and ``demotivator eval jokes``) turns a beginning into ranked
material: the generator writes a few more rows than asked for, the candidate filter
(:mod:`inference.text.joke_filter`) drops what is no joke ending — each with its reason — and
one more, smaller round runs when fewer than ``n`` usable endings remain. With the lite
generator, real endings from the collection join (:mod:`inference.text.lite_collection`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from inference.core.i18n import tr
from inference.core.params import Candidate, GenerationParams
from inference.core.progress import Progress
from inference.core.stages import Generator
from inference.text.few_shot import derived_seed
from inference.text.joke_filter import below_standard, rows_to_request, screen

MAX_ROUNDS = 2
LITE_ROW_FACTOR = 2  # the lite generator is cheap and wrong often: twice the rows
TOP_UP_PART = 1000  # derived_seed part of a top-up round: other rows than the first


@dataclass
class Screened:
    kept: list[Candidate] = field(default_factory=list)
    dropped: list[Candidate] = field(default_factory=list)
    rows: int = 0  # rows generated in all
    warning: str = ""  # set when only endings below the standard were left


def write_screened(
    generator: Generator,
    prompt: str,
    n: int,
    params: GenerationParams,
    progress: Progress,
    lite: bool = False,
) -> Screened:
    out = Screened()
    generated: list[Candidate] = []
    if lite and hasattr(generator, "examples_per_prompt"):
        # the lite model was trained zero-shot: examples made it ramble (docs/joke-engine.md)
        generator.examples_per_prompt = 0
    for round_no in range(MAX_ROUNDS):
        missing = n - len(out.kept)
        if missing <= 0 or progress.cancelled:
            break
        rows = rows_to_request(missing) * (LITE_ROW_FACTOR if lite else 1)
        round_params = params
        if round_no and params.seed is not None:
            seed = derived_seed(params.seed, TOP_UP_PART * round_no)
            round_params = replace(params, seed=seed)
        generated += generator.generate(prompt, rows, round_params, progress)
        out.rows += rows
        out.kept, out.dropped = screen(generated, prompt, n)
    if lite:
        from inference.text.lite_collection import collection_candidates

        out.kept, out.dropped = screen([*generated, *collection_candidates(prompt)], prompt, n)
    if not any(c.meta.get("source") != "collection" for c in out.kept):
        fallback = below_standard(out.dropped, n)
        if fallback:
            out.dropped = [c for c in out.dropped if all(c is not f for f in fallback)]
            out.kept += fallback
            reasons = sorted({c.meta["below_standard"] for c in fallback})
            out.warning = tr("below_standard", "jokes", reasons=", ".join(reasons))
    return out
