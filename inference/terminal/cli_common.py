"""What every ``demotivator`` sub-command shares: one-line user errors and Ctrl+C."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from inference.core.errors import Cancelled, DemotivatorError
from inference.core.i18n import tr
from inference.core.progress import Progress

EXIT_USER_ERROR = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 130


def report_user_errors(body: Callable[[], int]) -> int:
    """Run ``body``; a DemotivatorError becomes one clear line on stderr, not a traceback."""
    try:
        return body()
    except DemotivatorError as exc:
        print(tr("cli.error", message=str(exc)), file=sys.stderr)
        return EXIT_USER_ERROR
    except (Cancelled, KeyboardInterrupt):
        print(tr("cli.cancelled"), file=sys.stderr)
        return EXIT_CANCELLED


@contextmanager
def cancel_on_sigint(progress: Progress, notice: str = "") -> Iterator[None]:
    """First Ctrl+C asks the running stage to stop (within one token/step), printing
    ``notice`` if given; a second one interrupts at once."""

    def handler(signum: int, frame: object) -> None:
        if progress.cancelled:
            raise KeyboardInterrupt
        progress.cancel()
        if notice:
            print(notice, file=sys.stderr, flush=True)

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _argparse_text(message: str) -> str:
    """argparse's own phrases ("invalid choice: …", "usage: ") in the CLI's language; a
    phrase without a translation stays as argparse wrote it."""
    return tr(message, "argparse")


class ArgumentParser(argparse.ArgumentParser):
    """argparse whose usage errors are one translated line and exit code 2 (the full usage
    is one ``--help`` away; a screen of it would hide the line that says what is wrong)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        # argparse looks its texts up through the module-level gettext alias ``_`` at
        # the moment it writes them, so pointing it at our catalogue translates them all.
        argparse._ = _argparse_text  # type: ignore[attr-defined]
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> None:  # type: ignore[override]
        print(tr("cli.usage_error", message=message, prog=self.prog), file=sys.stderr)
        raise SystemExit(EXIT_USAGE)
