"""Raw generated rows → the candidates a ranker sees: the one code path every generator
backend (ONNX Runtime, PyTorch, llama.cpp, a local LLM server) goes through once its raw
texts exist, so the clean-up, the filter and the likelihood used for ranking are the same.
"""

from __future__ import annotations

from typing import Any

from inference.params import Candidate
from inference.postprocess import clean_ending, select_candidates, strip_prompt_echo


def candidates_from_rows(rows: list[dict[str, Any]], prompt: str, backend: str) -> list[Candidate]:
    """``rows`` hold ``text`` (cut at the joke's end by ``find_end``), ``logprob``,
    ``tokens``, ``generated_tokens`` and ``finished``; empty, echoed and duplicate endings
    are dropped (never raises for that)."""
    endings = [clean_ending(strip_prompt_echo(clean_ending(r["text"]), prompt)) for r in rows]
    return [
        Candidate(
            text=endings[i],
            logprob=rows[i]["logprob"],
            meta={
                "tokens": rows[i]["tokens"],
                "generated_tokens": rows[i]["generated_tokens"],
                "finished": rows[i]["finished"],
                "row": i,
                "backend": backend,
            },
        )
        for i in select_candidates(endings, prompt)
    ]
