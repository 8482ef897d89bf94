"""``demotivator-studio`` / ``python -m desktop_app``: open the main window.

Only Qt and the light core modules are imported here; torch, transformers, diffusers and
onnxruntime load on the pipeline thread the first time a model is needed.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before any import of ours: the first-window time counts them

import contextlib  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import inference  # noqa: E402, F401 - sets OMP_WAIT_POLICY & co. before anything heavy

# `demotivator bench` starts the app with this set: print the time to the first shown
# window (``first_window_s=…``), then quit.
EXIT_AFTER_FIRST_WINDOW = "DEMOTIVATOR_EXIT_AFTER_FIRST_WINDOW"
FIRST_WINDOW_MARK = "first_window_s="


def _preflight(argv: list[str]) -> int | None:
    """``--help`` and a screen Qt cannot use, answered in one translated line before Qt
    starts (Qt itself would open the window, or abort naming a library)."""
    from desktop_app.startup_checks import display_problem, help_text

    if any(arg in ("-h", "--help") for arg in argv[1:]):
        with contextlib.suppress(BrokenPipeError):  # demotivator-studio --help | head
            print(help_text(), flush=True)
        return 0
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return None


def main(argv: list[str] | None = None) -> int:
    argv = argv if argv is not None else sys.argv
    early = _preflight(argv)
    if early is not None:
        return early
    from desktop_app.application import create_application
    from desktop_app.main_window import MainWindow

    app = create_application(argv)
    window = MainWindow()
    window.show()
    if os.environ.get(EXIT_AFTER_FIRST_WINDOW) == "1":
        _quit_once_shown(app, window)
    window.offer_first_run()  # only lite models and never answered: offer real ones
    code = app.exec()
    window.shutdown()
    if not window.threads_stopped:
        os._exit(code)  # a model was still loading: skip destroying its running thread
    return code


def _quit_once_shown(app, window) -> None:
    from PySide6.QtCore import QTimer

    def shown() -> None:  # the first turn of the event loop: the window is on screen
        print(f"{FIRST_WINDOW_MARK}{time.perf_counter() - STARTED:.4f}", flush=True)
        window.close()
        app.quit()

    QTimer.singleShot(0, shown)


if __name__ == "__main__":
    sys.exit(main())
