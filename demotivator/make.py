"""``demotivator make "PROMPT" -o poster.png`` — the main job, from the terminal."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from inference.core.errors import InputError, OutputError
from inference.core.i18n import adopt_settings_language, tr
from inference.core.params import MAX_PROMPT_CHARS
from inference.core.progress import Progress
from inference.core.registry import ROLES, URL, backend_for_location, backend_names, location_kind
from inference.core.settings import RANGES, Settings, load_settings
from inference.core.user_text import clean_user_text
from inference.terminal.cli_common import ArgumentParser, cancel_on_sigint, report_user_errors
from inference.terminal.cli_progress import StderrProgressBars


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog="demotivator make", description=tr("cli.help.make"))
    p.add_argument("prompt", help=tr("cli.make.prompt", limit=MAX_PROMPT_CHARS))
    p.add_argument("-o", "--output", help=tr("cli.make.output"))
    p.add_argument("--generator", metavar="DIR|FILE.gguf|URL", help=tr("cli.make.generator"))
    p.add_argument("--generator-model", metavar="NAME", help=tr("cli.make.generator_model", "llm"))
    p.add_argument("--ranker", metavar="DIR", help=tr("cli.make.ranker"))
    p.add_argument("--illustrator", metavar="DIR", help=tr("cli.make.illustrator"))
    p.add_argument("--image", metavar="FILE", help=tr("cli.make.image"))
    p.add_argument("--title", help=tr("cli.make.title"))
    p.add_argument("--subtitle", help=tr("cli.make.subtitle"))
    p.add_argument("--candidates", type=int, metavar="N", help=tr("cli.make.candidates"))
    p.add_argument("--seed", type=int, help=tr("cli.make.seed"))
    p.add_argument("--backend", choices=backend_names(), help=tr("cli.make.backend"))
    p.add_argument("--steps", type=int, help=tr("cli.make.steps"))
    p.add_argument("--size", type=int, metavar="PX", help=tr("cli.make.size"))
    p.add_argument("--poster-width", type=int, metavar="PX", help=tr("cli.make.poster_width"))
    p.add_argument("--threads", type=int, help=tr("cli.make.threads"))
    p.add_argument("--json", action="store_true", help=tr("cli.make.json"))
    p.add_argument("--quiet", action="store_true", help=tr("cli.make.quiet"))
    return p


# Range-checked flags and the settings key whose range (settings.RANGES) they share.
RANGE_FLAGS = (
    ("candidates", "n_candidates"),
    ("steps", "image.steps"),
    ("size", "image.width"),
    ("poster_width", "poster_width"),
    ("threads", "threads"),
    ("seed", "generation.seed"),
)


def apply_overrides(settings: Settings, args) -> None:
    """Command-line flags win over the settings file (range-checked like the settings)."""
    models = settings.models
    for role in ROLES:
        value = getattr(args, role)
        if value:
            # a folder, a model file or a server URL (a Path would fold the URL's "//")
            kind = location_kind(value)
            setattr(models, f"{role}_dir", value if kind == URL else str(Path(value).expanduser()))
            current = getattr(models, f"{role}_backend")
            setattr(models, f"{role}_backend", backend_for_location(role, value, current))
        if args.backend in backend_names(role):
            setattr(models, f"{role}_backend", args.backend)  # every stage that has it
    for name, key in RANGE_FLAGS:
        value, (lo, hi) = getattr(args, name), RANGES[key]
        if value is not None and not lo <= value <= hi:
            flag = "--" + name.replace("_", "-")  # what the user typed, not our field name
            raise InputError(tr("cli.make.out_of_range", name=flag, lo=lo, hi=hi, value=value))
    if args.generator_model:
        models.generator_model = args.generator_model
    if args.candidates:
        settings.n_candidates = args.candidates
    if args.steps:
        settings.image.steps = args.steps
    if args.size:
        settings.image.width = settings.image.height = args.size
    if args.poster_width:
        settings.poster_width = args.poster_width
    if args.threads is not None:
        settings.threads = args.threads
    if args.seed is not None:
        settings.generation.seed = settings.image.seed = args.seed


def check_output_path(path: Path, create_folder: bool = False) -> None:
    """Fail before any model runs if the poster could not be written there (a real probe:
    permission bits lie to root and on some mounts). A missing folder of an explicit ``-o``
    is an error, like in other tools (a typo must not scatter new folders); the default
    posters folder is created."""
    if path.is_dir():  # before the suffix: "-o posters" means a folder, not a file type
        raise OutputError(tr("output.is_folder", path=str(path)))
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".webp"):
        raise OutputError(tr("cli.make.bad_extension", path=str(path)))
    if not create_folder and not path.parent.is_dir():
        raise OutputError(tr("output.no_folder", path=str(path), folder=str(path.parent)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as exc:
        raise OutputError(tr("output.not_writable", path=str(path))) from exc


def make(args) -> int:
    from inference.core.naming import poster_file_name
    from inference.image.pictures import load_picture
    from inference.runs.pipeline import MakeRequest, Pipeline, validate_prompt

    settings, warnings = load_settings()
    adopt_settings_language(settings.language)
    for warning in warnings:
        print(tr("cli.warning", message=warning), file=sys.stderr)
    apply_overrides(settings, args)
    prompt = validate_prompt(clean_user_text(args.prompt))  # no ESC[31m in the title
    if args.output:
        output = Path(args.output).expanduser().absolute()  # --json reports usable paths
        check_output_path(output)
    else:
        output = settings.output_path() / poster_file_name(prompt)
        check_output_path(output, create_folder=True)
    picture = load_picture(args.image) if args.image else None

    pipeline = Pipeline(settings)
    pipeline.preflight(draw=picture is None)
    bars = StderrProgressBars(enabled=not args.quiet)
    progress = Progress(bars)
    title = None if args.title is None else clean_user_text(args.title)
    subtitle = None if args.subtitle is None else clean_user_text(args.subtitle)
    request = MakeRequest(prompt, picture=picture, title=title, subtitle=subtitle)
    try:
        with cancel_on_sigint(progress):
            result = pipeline.run(request, progress)
    finally:
        bars.close()
    if args.image:
        result.picture_source = str(Path(args.image))
    output = result.save(output, unique=not args.output)  # an automatic name never replaces
    for warning in result.warnings:
        print(tr("cli.warning", message=warning), file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_json_dict(), ensure_ascii=False))
    else:
        print(tr("cli.make.saved", path=str(output)), file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    return report_user_errors(lambda: make(args))
