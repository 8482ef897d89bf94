"""The CLI's stderr progress bars: one bar per stage, however often a stage says it ended."""

from __future__ import annotations

from inference.core.progress import Progress
from inference.terminal.cli_progress import StderrProgressBars


def test_a_stage_finished_twice_draws_one_bar(capsys) -> None:
    bars = StderrProgressBars()
    progress = Progress(bars)
    # What the pipeline and the generator do: both announce and both finish the stage.
    progress.stage("generate", 4)
    progress.stage("generate", 4)
    for _ in range(2):
        progress.advance()
    progress.finish()
    progress.finish()
    progress.stage("rank", 3)
    progress.finish()
    bars.close()
    err = capsys.readouterr().err
    finished_bars = [line for line in err.split("\n") if line.strip()]
    assert len(finished_bars) == 2  # one line left behind per stage
    assert "4/4" in finished_bars[0] and "3/3" in finished_bars[1]


def test_disabled_bars_print_nothing(capsys) -> None:
    progress = Progress(StderrProgressBars(enabled=False))
    progress.stage("draw", 2)
    progress.advance()
    progress.finish()
    assert capsys.readouterr().err == ""
