"""``demotivator`` console script: dispatches to each package's own sub-command, lazily,
so ``demotivator make`` never pays for importing the training or scraping stack."""

from __future__ import annotations

import contextlib
import signal
import sys

EXIT_CANCELLED = 130


def _quiet_exit(signum: int, frame: object) -> None:
    raise SystemExit(EXIT_CANCELLED)


# First thing: a Ctrl+C while the modules below load ends quietly (exit 130), not with a
# KeyboardInterrupt traceback; main() takes over once the messages can be translated.
with contextlib.suppress(ValueError):  # ValueError: imported off the main thread
    signal.signal(signal.SIGINT, _quiet_exit)

import os  # noqa: E402
from collections.abc import Callable  # noqa: E402

import inference  # noqa: E402, F401  (sets OMP_WAIT_POLICY before anything imports torch)
from inference.core.i18n import set_language, tr  # noqa: E402

Command = Callable[[list[str]], int]


# Each command is imported only when it runs, so ``demotivator make`` never pays for the
# training or scraping stack; plain imports keep the arrows visible to readers and linters.
def _make(argv: list[str]) -> int:
    from demotivator.make import main

    return main(argv)


def _eval(argv: list[str]) -> int:
    from demotivator.eval_jokes import main

    return main(argv)


def _models(argv: list[str]) -> int:
    from demotivator.models_command import main

    return main(argv)


def _export(argv: list[str]) -> int:
    from export.cli import main

    return main(argv)


def _scrape(argv: list[str]) -> int:
    from scraper.cli import main

    return main(argv)


def _train(argv: list[str]) -> int:
    from training.cli import main

    return main(argv)


def _bench(argv: list[str]) -> int:
    from bench.cli import main

    return main(argv)


# command -> (its main, help key in resources/i18n/core.json)
COMMANDS: dict[str, tuple[Command, str]] = {
    "make": (_make, "cli.help.make"),
    "eval": (_eval, "cli.help.eval"),
    "models": (_models, "cli.help.models"),  # the store + conversion
    "export": (_export, "cli.help.export"),
    "scrape": (_scrape, "cli.help.scrape"),
    "train": (_train, "cli.help.train"),
    "bench": (_bench, "cli.help.bench"),
}


def _usage() -> str:
    lines = [tr("cli.usage"), ""]
    lines += [f"  {name:<8} {tr(key)}" for name, (_, key) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    try:
        if signal.getsignal(signal.SIGINT) is _quiet_exit:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        return _dispatch(argv)
    except KeyboardInterrupt:  # before a command's own handler (e.g. importing torch)
        print(tr("cli.cancelled"), file=sys.stderr)
        return EXIT_CANCELLED


def _dispatch(argv: list[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) >= 2 and args[0] == "--lang":
        set_language(args[1])
        os.environ["DEMOTIVATOR_LANG"] = args[1]  # wins over the settings file
        args = args[2:]
    if not args or args[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(tr("cli.unknown_command", command=command), file=sys.stderr)
        print(_usage(), file=sys.stderr)
        return 2
    run = COMMANDS[command][0]
    try:
        return int(run(rest) or 0)
    except ModuleNotFoundError as exc:
        # a package left out of this installation (e.g. training/ in a slim build)
        if exc.name and exc.name.split(".")[0] in ("export", "scraper", "training", "bench"):
            print(tr("cli.not_available", command=command), file=sys.stderr)
            return 2
        raise
    except BrokenPipeError:
        # The reader went away (``demotivator models | head``): not an error of ours.
        # Point stdout at /dev/null so the interpreter's final flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
