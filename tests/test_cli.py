"""`demotivator make` end to end, as a user types it, plus its bad-input answers."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from demotivator.cli import main
from inference.core.params import MAX_PROMPT_CHARS

PROMPT = "Заходит как-то программист в бар"
FAST = ["--candidates", "3", "--steps", "2", "--size", "64", "--seed", "5", "--threads", "1"]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-m", "demotivator.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )


def assert_poster_layout(path: Path) -> None:
    """Black mat, a thin white frame line around the picture, white text below it."""
    poster = np.asarray(Image.open(path).convert("L")).astype(int)
    height, width = poster.shape
    assert (poster[:4, :] < 30).all() and (poster[-4:, :] < 30).all()  # black top/bottom
    assert (poster[:, :4] < 30).all() and (poster[:, -4:] < 30).all()  # black sides
    column = poster[:, width // 2]
    white_rows = np.flatnonzero(column > 225)
    assert white_rows.size, "no white frame line in the middle column"
    frame_top = white_rows[0]
    row = poster[frame_top + 1]
    # the frame is a long white horizontal line, wider than half the canvas
    assert (poster[frame_top] > 225).sum() > width * 0.6
    assert (row[: width // 20] < 30).all()
    # a text band below the picture: white pixels in the lower part, not touching edges
    below = poster[int(height * 0.62) :, :]
    assert (below > 200).sum() > 50


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_make_poster_both_backends(backend, request, tmp_path):
    suffix = "_onnx_dir" if backend == "onnx" else "_dir"
    generator, ranker, illustrator = (
        request.getfixturevalue(f"tiny_{role}{suffix}") for role in ("generator", "ranker", "sd")
    )
    out = tmp_path / "poster.png"
    proc = run_cli(
        "make", PROMPT, "-o", str(out), "--generator", str(generator), "--ranker", str(ranker),
        "--illustrator", str(illustrator), "--backend", backend, "--json", *FAST,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["prompt"] == PROMPT and data["seed"] == {"generation": 5, "image": 5}
    assert data["candidates"] and data["chosen_text"] == data["candidates"][0]["text"]
    assert data["visual_prompt"] and set(data["timings"]) >= {"generate", "rank", "draw"}
    assert data["outputs"]["poster"] == str(out)
    assert {m["backend"] for m in data["models"]} == {backend}
    assert_poster_layout(out)
    assert "генерация шуток" in proc.stderr  # progress bars on stderr, in Russian


def test_make_with_own_picture_and_captions(tiny_generator_dir, tmp_path, capsys):
    picture = tmp_path / "cat.jpg"
    Image.radial_gradient("L").convert("RGB").resize((300, 200)).save(picture)
    out = tmp_path / "poster.png"
    code = main(
        ["make", PROMPT, "-o", str(out), "--generator", str(tiny_generator_dir),
         "--backend", "torch", "--image", str(picture), "--title", "ЗАГОЛОВОК",
         "--subtitle", "подзаголовок", "--json", "--quiet", *FAST]
    )  # fmt: skip
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["title"] == "ЗАГОЛОВОК" and data["subtitle"] == "подзаголовок"
    assert data["picture_source"] == str(picture)
    assert_poster_layout(out)


def test_json_output_paths_are_absolute_for_a_relative_output(
    tiny_generator_dir, tmp_path, capsys, monkeypatch
):
    Image.new("RGB", (80, 60), (90, 140, 200)).save(tmp_path / "pic.png")
    monkeypatch.chdir(tmp_path)
    code = main(
        ["make", PROMPT, "-o", "poster.png", "--generator", str(tiny_generator_dir),
         "--image", "pic.png", "--json", "--quiet", *FAST]
    )  # fmt: skip
    assert code == 0
    outputs = json.loads(capsys.readouterr().out)["outputs"]
    assert outputs["poster"] == str(tmp_path / "poster.png")
    assert all(Path(p).is_absolute() and Path(p).is_file() for p in outputs.values())


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["make", "   ", "-o", "{tmp}/p.png"], "Пустое начало"),
        (["make", "я" * (MAX_PROMPT_CHARS + 1), "-o", "{tmp}/p.png"], str(MAX_PROMPT_CHARS)),
        (["make", PROMPT, "-o", "{tmp}/p.png", "--generator", "{tmp}/missing"], "missing"),
        (["make", PROMPT, "-o", "/proc/nope/p.png"], "/proc/nope/p.png"),
        (["make", PROMPT, "-o", "{tmp}/p.txt"], ".png"),
        (["make", PROMPT, "-o", "{tmp}/p.png", "--image", "{tmp}/nothing.jpg"], "nothing.jpg"),
        (["make", PROMPT, "-o", "{tmp}/p.png", "--candidates", "99"], "16"),
        (["make", PROMPT, "-o", "{tmp}/p.png", "--generator", "{tmp}"], "{tmp}"),
        # a typo in the folder of -o is an error, not a new folder tree
        (["make", PROMPT, "-o", "{tmp}/no/such/dir/p.png"], "{tmp}/no/such/dir"),
        (["make", PROMPT, "-o", "{tmp}/p.png", "--image", "{tmp}/text.png"], "text.png"),
        (["make", PROMPT, "-o", "{tmp}/p.png", "--image", "{tmp}/cut.jpg"], "cut.jpg"),
        (["make", "\n\t ", "-o", "{tmp}/p.png"], "Пустое начало"),
        # the flag as typed, and what was given; no internal field names
        (["make", PROMPT, "-o", "{tmp}/p.png", "--poster-width", "5"], "--poster-width: нужно"),
        (["make", PROMPT, "-o", "{tmp}/p.png", "--candidates", "99"], "дано 99"),
        (["make", PROMPT, "-o", "{tmp}"], "это папка"),  # not «недоступна для записи»
        (["make", PROMPT, "-o", "{tmp}/dir.png"], "это папка"),
    ],
)
def test_user_errors_are_one_line_and_nonzero(args, needle, tmp_path, capsys):
    (tmp_path / "text.png").write_text("not a picture")
    (tmp_path / "dir.png").mkdir()
    jpeg = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(jpeg, "JPEG")
    (tmp_path / "cut.jpg").write_bytes(jpeg.getvalue()[: len(jpeg.getvalue()) // 2])
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    assert needle.replace("{tmp}", str(tmp_path)) in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("ошибка:")
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["make", PROMPT, "--backend", "tf"],
        ["make", PROMPT, "--seed", "abc"],
        ["make"],
        ["export", "a", "b", "--kind", "picture"],
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("ошибка:") and "--help" in err


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ru", "ошибка: аргумент --backend: недопустимое значение 'tf' (можно: 'onnx', 'torch'"),
        ("en", "error: argument --backend: invalid choice: 'tf' (choose from 'onnx', 'torch'"),
    ],
)
def test_argparse_own_phrases_follow_the_language(lang, expected, capsys):
    with pytest.raises(SystemExit):
        main(["--lang", lang, "make", PROMPT, "--backend", "tf"])
    assert capsys.readouterr().err.startswith(expected)


def test_broken_model_folder_is_a_clear_error(tmp_path, capsys):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{ this is not json")
    code = main(["make", PROMPT, "-o", str(tmp_path / "p.png"), "--generator", str(broken)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "broken" in err


def test_english_messages(tmp_path, capsys):
    assert main(["--lang", "en", "make", " ", "-o", str(tmp_path / "p.png")]) == 1
    assert "error:" in capsys.readouterr().err


def test_console_script_help_lists_commands():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for command in ("make", "models", "export", "scrape", "train"):
        assert command in proc.stdout


def test_output_piped_into_a_reader_that_stops_early_is_no_error(tmp_path):
    # `demotivator models | head`: the reader closes the pipe before all is written
    # (`true` reads nothing and exits long before Python has started).
    env = {**os.environ, "DEMOTIVATOR_DATA_DIR": str(tmp_path)}
    proc = subprocess.run(
        f"{sys.executable} -m demotivator.cli models | true",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


def test_a_non_number_says_a_number_is_needed_not_a_type_name(capsys):
    with pytest.raises(SystemExit):
        main(["make", PROMPT, "--seed", "abc"])
    err = capsys.readouterr().err
    assert "нужно число" in err and "int" not in err


def test_terminal_escapes_are_stripped_and_undrawable_titles_are_said(tmp_path, capsys):
    out = tmp_path / "p.png"
    prompt = "\x1b[31mЗаходит как-то\x1b[0m программист в бар"
    code = main(["make", prompt, "--title", "שלום עולם", "-o", str(out), *FAST, "--quiet"])
    err = capsys.readouterr().err
    assert code == 0, err
    sidecar = json.loads(out.with_suffix(".json").read_text("utf-8"))
    assert sidecar["prompt"] == "Заходит как-то программист в бар"  # no "[31m" anywhere
    assert "\x1b" not in json.dumps(sidecar) and "[31m" not in json.dumps(sidecar)
    # The bundled Cyrillic serif has no Hebrew: the title is empty on the poster, and said so.
    assert "на постере эта строка пустая" in err
    assert any("шрифт" in w for w in sidecar["warnings"])


def test_ctrl_c_before_the_command_runs_ends_quietly(tmp_path):
    # A command module that is interrupted while it is imported, like a Ctrl+C in the
    # first half-second while torch & co. load: the state is made, not timed.
    code = (
        "import sys; from demotivator import cli; "
        "cli.COMMANDS['make'] = (lambda argv: __import__('tests.interrupt_on_import'), '');"
        "sys.exit(cli.main(['make']))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr and "Остановлено" in proc.stderr
    # …and during the entry point's own imports: a quiet exit 130 as well.
    code = "import os, signal; import demotivator.cli; os.kill(os.getpid(), signal.SIGINT)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 130 and "Traceback" not in proc.stderr, proc.stderr
