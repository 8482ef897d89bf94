"""``demotivator train ranker-from-anekdot`` with the same arguments, stopped inside a step
for the test to kill: the flow's own progress listener (the one the Models dialog gets)
waits forever once the step reports a given point, after saying so in a file. The kill
then lands where the flow said it was, a state the test waits for, never a time.

    python -m tests.training.flow_pause STAGE DONE MARKER -- <ranker-from-anekdot arguments>

STAGE and DONE: the first progress event of STAGE with at least DONE units done (e.g.
``prepare_write 1``: the first prepared file is written; ``import 1``: the first bytes are
copied into the model store). MARKER: the file written once there.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from inference.core.progress import Progress, ProgressEvent
from training.cli_ranker_flow import build_parser, config_from_args
from training.ranker_flow import Flow


def main(argv: list[str]) -> int:
    stage, done, marker = argv[0], int(argv[1]), Path(argv[2])
    args = build_parser().parse_args(argv[argv.index("--") + 1 :])

    def listener(event: ProgressEvent) -> None:
        if event.stage == stage and event.done >= done and not event.finished:
            marker.write_text(f"{event.stage} {event.done}/{event.total}\n", encoding="utf-8")
            threading.Event().wait()  # here until the test's SIGKILL

    Flow(config_from_args(args), Progress(listener)).run()
    print(f"the run ended without reaching {stage} {done}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
