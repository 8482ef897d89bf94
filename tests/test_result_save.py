"""Saving a poster: whoever watches the folder never finds half a file; two runs saving at
once (real processes) leave a whole, matching set; killed runs leave no debris behind."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from inference.core.errors import OutputError
from inference.core.params import Candidate
from inference.runs.output_files import companion_paths, new_part
from inference.runs.result import Result


def make_result(colour: tuple[int, int, int] = (0, 0, 0), picture: bool = True) -> Result:
    result = Result(prompt="Заходит как-то", candidates=[Candidate(" в бар")])
    if picture:
        result.picture = Image.new("RGB", (40, 30), (200, 10, 10))
    result.poster = Image.new("RGB", (90, 120), colour)
    return result


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_matching_set(poster: Path) -> dict:
    """The poster opens, and its sidecar describes exactly this poster file."""
    with Image.open(poster) as image:
        image.load()
    sidecar = json.loads(companion_paths(poster)[1].read_text("utf-8"))
    assert sidecar["outputs"]["poster"] == str(poster)
    assert sidecar["poster_sha256"] == sha256(poster)
    if "picture" in sidecar["outputs"]:
        assert Path(sidecar["outputs"]["picture"]).is_file()
    return sidecar


@pytest.mark.parametrize(("name", "fmt"), [("p.png", "PNG"), ("p.jpg", "JPEG"), ("p.webp", "WEBP")])
def test_the_poster_is_written_through_a_temporary_file(tmp_path, monkeypatch, name, fmt):
    result = make_result()
    target = tmp_path / name
    seen: list[tuple[str, bool]] = []
    original = Image.Image.save

    def watched_save(image, fp, *args, **kwargs):
        # What a watcher sees at the moment each image file is being written.
        written = os.readlink(f"/proc/self/fd/{fp.fileno()}")  # the file really written
        seen.append((written, target.exists()))
        return original(image, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", watched_save)
    path = result.save(target)
    assert path == target
    assert len(seen) == 2 and all(not exists for _, exists in seen)
    assert all(Path(written).name.endswith(".part") for written, _ in seen)  # never in place
    with Image.open(target) as saved:
        assert saved.format == fmt and saved.size == (90, 120)
    assert_matching_set(target)
    picture, sidecar = companion_paths(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [name, sidecar.name, picture.name]
    )  # no temporary file left behind
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_jpg_and_webp_of_one_name_keep_their_own_sidecars(tmp_path):
    make_result((10, 10, 10)).save(tmp_path / "x.jpg")
    make_result((250, 250, 250)).save(tmp_path / "x.webp")
    make_result((90, 90, 90)).save(tmp_path / "x.png")
    for name in ("x.jpg", "x.webp", "x.png"):
        assert_matching_set(tmp_path / name)
    assert {p.name for p in tmp_path.glob("*.json")} == {"x.jpg.json", "x.webp.json", "x.json"}


def test_an_automatic_name_never_replaces_an_existing_poster(tmp_path):
    first = make_result((10, 10, 10)).save(tmp_path / "joke.png", unique=True)
    second = make_result((20, 20, 20)).save(tmp_path / "joke.png", unique=True)
    (tmp_path / "other.json").write_text("{}")  # a stray sidecar also blocks its name
    third = make_result((30, 30, 30)).save(tmp_path / "other.png", unique=True)
    assert (first.name, second.name, third.name) == ("joke.png", "joke-2.png", "other-2.png")
    for path in (first, second, third):
        assert_matching_set(path)
    assert assert_matching_set(first)["poster_sha256"] != sha256(second)


def test_an_explicit_name_is_replaced_as_a_whole_set(tmp_path):
    target = tmp_path / "p.png"
    make_result((10, 10, 10)).save(target)
    make_result((20, 20, 20), picture=False).save(target)
    sidecar = assert_matching_set(target)
    assert "picture" not in sidecar["outputs"]
    assert not companion_paths(target)[0].exists()  # the old run's picture is not left as ours


def test_a_folder_as_output_is_called_a_folder(tmp_path):
    with pytest.raises(OutputError, match="папка"):
        make_result().save(tmp_path)


# A process that opens a temporary file the way a save does, says so, and then waits.
_HOLDER = """
import sys
from pathlib import Path
from inference.runs.output_files import new_part
part = new_part(Path(sys.argv[1]))
print(part.path, flush=True)
sys.stdin.read()
"""


def test_temporary_files_of_killed_runs_are_removed_and_live_ones_kept(tmp_path):
    target = tmp_path / "p.png"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(target)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    killed, alive = procs
    try:
        killed_part, alive_part = (Path(p.stdout.readline().strip()) for p in procs)
        assert killed_part.is_file() and alive_part.is_file()
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        make_result().save(target)
        assert not killed_part.exists()  # debris of a dead process: cleaned
        assert alive_part.exists()  # a running save's file: untouched
        assert_matching_set(target)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
            proc.stdout.close()
            proc.stdin.close()


def test_an_own_temporary_file_is_never_the_target(tmp_path):
    part = new_part(tmp_path / "p.png")
    try:
        assert part.path.name.startswith(".p.png.") and part.path.suffix == ".part"
        assert not (tmp_path / "p.png").exists()
    finally:
        part.discard()
    assert not part.path.exists()


def _make(*args: str) -> subprocess.Popen:
    """``demotivator make`` with the bundled lite models, as a user runs it."""
    return subprocess.Popen(
        [sys.executable, "-m", "demotivator.cli", "make", *args, "--quiet", "--threads", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )


def _finish(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err


ROUNDS = 3


def test_two_runs_writing_one_poster_leave_one_whole_matching_set(tmp_path):
    target = tmp_path / "same.png"
    for round_no in range(ROUNDS):
        prompts = (f"Заходит как-то мужик в бар {round_no}", f"Купил мужик шляпу {round_no}")
        procs = [
            _make(prompt, "-o", str(target), "--seed", str(i)) for i, prompt in enumerate(prompts)
        ]
        _finish(procs)
        sidecar = assert_matching_set(target)
        assert sidecar["prompt"] in prompts  # one of the two runs, poster and sidecar alike
        assert not list(tmp_path.glob(".*.part")) and not list(tmp_path.glob("*.part"))


def test_two_runs_with_automatic_names_keep_both_posters(tmp_path, isolated_dirs):
    config, _ = isolated_dirs
    config.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "posters"
    (config / "settings.json").write_text(json.dumps({"output_dir": str(out)}), "utf-8")
    for round_no in range(2):
        _finish([_make("Заходит как-то мужик в бар", "--seed", str(i)) for i in range(2)])
        posters = sorted(
            p for p in out.iterdir() if p.suffix == ".png" and ".picture" not in p.name
        )
        assert len(posters) == 2 * (round_no + 1)
        for poster in posters:
            assert_matching_set(poster)


def test_a_name_near_the_file_system_limit_still_saves(tmp_path):
    target = tmp_path / ("я" * 118 + ".png")  # 240 bytes of the 255 a name may have
    assert make_result().save(target) == target
    assert_matching_set(target)
