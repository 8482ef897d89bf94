"""``demotivator make`` with a GGUF file and with a local LLM server URL, as a user runs it:
8 candidates in the JSON, the backend chosen from what ``--generator`` points at, Ctrl+C
closing the server connection, and a refused connection as one translated line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures_gguf import llama_server, tiny_gguf  # noqa: F401  (fixtures)
from tests.llm_fault_server import FaultServer
from tests.test_server_generator import free_port

pytest.importorskip("xllamacpp")

PROMPT = "Приходит мужик в библиотеку"


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "demotivator.cli", "make", PROMPT, *args]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(cli(*args), capture_output=True, text=True, timeout=600)


def _check_poster(proc: subprocess.CompletedProcess, out: Path, backend: str) -> dict:
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["candidates"]) == 8
    generator = next(m for m in data["models"] if m["role"] == "generator")
    assert generator["backend"] == backend
    assert out.is_file() and out.with_suffix(".json").is_file()
    assert "генерация" in proc.stderr  # per-token progress bar
    return generator


@pytest.mark.slow
def test_make_with_a_gguf_file(tmp_path: Path, tiny_gguf: Path) -> None:  # noqa: F811
    out = tmp_path / "p.png"
    proc = run("-o", str(out), "--generator", str(tiny_gguf), "--candidates", "8", "--json")
    generator = _check_poster(proc, out, "llamacpp")
    assert generator["path"] == str(tiny_gguf)


@pytest.mark.slow
def test_make_with_a_server_url(tmp_path: Path, llama_server: str) -> None:  # noqa: F811
    out = tmp_path / "p.png"
    url = llama_server + "/v1"
    proc = run("-o", str(out), "--generator", url, "--candidates", "8", "--json")
    generator = _check_poster(proc, out, "server")
    assert generator["path"] == url
    sidecar = out.with_suffix(".json").read_text(encoding="utf-8")
    assert url in sidecar


def test_refused_server_is_one_line_and_exit_1(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    proc = run("-o", str(tmp_path / "p.png"), "--generator", url, "--quiet")
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == [f"ошибка: Сервер {url} не отвечает: [Errno 111] Connection refused"]
    assert not (tmp_path / "p.png").exists()


def test_ctrl_c_stops_and_closes_the_connection(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DEMOTIVATOR_API_KEY", "sk-never-printed")
    with FaultServer("stall") as server:
        proc = subprocess.Popen(
            cli("-o", str(tmp_path / "p.png"), "--generator", server.url, "--quiet"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        try:
            assert server.received.wait(120)  # the request is in and one token went out
            proc.send_signal(signal.SIGINT)
            assert server.hung_up.wait(60)  # the CLI closed the connection
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 130
    assert "sk-never-printed" not in err
    assert set(server.auth) == {"Bearer sk-never-printed"}
    assert not (tmp_path / "p.png").exists()
