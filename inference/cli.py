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

import importlib  # noqa: E402
import os  # noqa: E402

import inference  # noqa: E402, F401  (sets OMP_WAIT_POLICY before anything imports torch)
from inference.i18n import set_language, tr  # noqa: E402

# command -> (module with ``main(argv) -> int``, help key in resources/i18n/core.json)
COMMANDS: dict[str, tuple[str, str]] = {
    "make": ("inference.cli_make", "cli.help.make"),
    "eval": ("inference.cli_eval", "cli.help.eval"),
    "models": ("export.models_command", "cli.help.models"),  # the store + conversion
    "export": ("export.cli", "cli.help.export"),
    "scrape": ("scraper.cli", "cli.help.scrape"),
    "train": ("training.cli", "cli.help.train"),
    "bench": ("bench.cli", "cli.help.bench"),
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
    module_name = COMMANDS[command][0]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            print(tr("cli.not_available", command=command), file=sys.stderr)
            return 2
        raise
    try:
        return int(module.main(rest) or 0)
    except BrokenPipeError:
        # The reader went away (``demotivator models | head``): not an error of ours.
        # Point stdout at /dev/null so the interpreter's final flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
