"""What the window keeps of the user's own work: an error about the prompt goes away once
the prompt is fixed. («Ещё варианты» keeping the earlier endings, the chosen one and typed
captions is the core's :meth:`inference.runs.pipeline.Pipeline.more_endings`.)"""

from __future__ import annotations

from inference.core.errors import DemotivatorError
from inference.runs.pipeline import validate_prompt


class WindowEditsMixin:
    """Mixed into MainWindow (``result``, ``messages``, ``prompt``)."""

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
