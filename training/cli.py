"""``demotivator train …`` (also ``python -m training …`` and
``accelerate launch -m training …``): dispatches to one module per sub-command, lazily, so
``train prepare`` never imports torch.

Each sub-command module exposes ``main(argv: list[str]) -> int``. A new sub-command (e.g.
``train lite``) is one more line in :data:`SUBCOMMANDS` and a module of its own.
"""

from __future__ import annotations

import importlib
import sys

import inference  # noqa: F401  (sets OMP_WAIT_POLICY before anything imports torch)
from inference.core.i18n import tr
from inference.terminal.cli_common import EXIT_USAGE

DOMAIN = "training"

# sub-command -> (module with ``main(argv) -> int``, help key in resources/i18n/training.json)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "prepare": ("training.cli_prepare", "cli.help.prepare"),
    "generator": ("training.cli_generator", "cli.help.generator"),
    "ranker": ("training.cli_ranker", "cli.help.ranker"),
    "lite": ("training.lite.cli", "cli.help.lite"),
    "ranker-from-anekdot": ("training.cli_ranker_flow", "cli.help.ranker_flow"),
}


def usage() -> str:
    lines = [tr("cli.usage", DOMAIN), ""]
    lines += [f"  {name:<20} {tr(key, DOMAIN)}" for name, (_, key) in SUBCOMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if args else EXIT_USAGE
    name, rest = args[0], args[1:]
    if name not in SUBCOMMANDS:
        print(tr("cli.unknown", DOMAIN, name=name), file=sys.stderr)
        print(usage(), file=sys.stderr)
        return EXIT_USAGE
    module = importlib.import_module(SUBCOMMANDS[name][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
