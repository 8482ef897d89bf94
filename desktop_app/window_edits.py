"""What the window keeps of the user's own work: «Ещё варианты» adds endings to the list
(the earlier ones stay) and leaves the chosen ending and the captions - typed or not - as
they were, so the poster only changes when the user picks a new ending; an error about the
prompt goes away once the prompt is fixed."""

from __future__ import annotations

from dataclasses import dataclass

from inference.core.errors import DemotivatorError
from inference.core.params import Candidate
from inference.runs.pipeline import validate_prompt
from inference.runs.result import Result


@dataclass
class KeptForMore:
    result: Result
    candidates: list[Candidate]
    chosen_text: str
    captions: tuple[str, str]


class WindowEditsMixin:
    """Mixed into MainWindow (``result``, ``messages``, ``prompt``)."""

    _kept_for_more: KeptForMore | None = None

    def keep_for_more(self, result: Result) -> None:
        chosen = result.candidates[result.chosen_index].text if result.candidates else ""
        captions = (result.title, result.subtitle)
        self._kept_for_more = KeptForMore(result, list(result.candidates), chosen, captions)

    def merge_more(self, result: Result) -> bool:
        """Put the earlier endings back among the new ones (best first by score, no
        duplicates); keep the chosen ending and the captions. True when it merged (once per
        «Ещё варианты»)."""
        kept = self._kept_for_more
        if kept is None or kept.result is not result:
            return False
        self._kept_for_more = None
        texts = {c.text.strip() for c in result.candidates}
        merged = list(result.candidates) + [
            c for c in kept.candidates if c.text.strip() not in texts
        ]
        merged.sort(key=lambda c: c.score if c.score is not None else float("-inf"), reverse=True)
        result.candidates = merged
        chosen = kept.chosen_text.strip()
        result.chosen_index = next((i for i, c in enumerate(merged) if c.text.strip() == chosen), 0)
        result.title, result.subtitle = kept.captions
        return True

    def _prompt_changed(self) -> None:
        if not self._prompt_error:
            return
        try:
            validate_prompt(self.prompt.text())
        except DemotivatorError:
            return
        self._prompt_error = False
        if self.messages.level == "error":
            self.messages.dismiss()
