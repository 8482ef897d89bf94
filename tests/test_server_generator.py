"""The ``server`` generator backend against a real llama.cpp server on 127.0.0.1 (serving the
tiny test GGUF) and, for the fault cases only, a small local HTTP server: refused
connections, silence, HTTP 500, a broken stream, a server that ignores ``n``, and Stop
closing the connection."""

from __future__ import annotations

import socket
import threading

import pytest

from inference.core.errors import Cancelled, ModelError
from inference.core.params import GenerationParams
from inference.core.progress import Progress
from inference.text.server_generator import ServerGenerator, check_server, is_server_url
from tests.fixtures_gguf import llama_server, tiny_gguf  # noqa: F401  (fixtures)
from tests.llm_fault_server import FaultServer

pytest.importorskip("xllamacpp")

PROMPT = "Встречаются два программиста"
HOT = GenerationParams(temperature=1.0, top_p=1.0, top_k=0, max_new_tokens=12, seed=21)


def free_port() -> int:
    """A port nothing listens on (bound, then closed: connecting is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_url_recognition() -> None:
    assert is_server_url("http://127.0.0.1:8080/v1") and is_server_url(" HTTPS://host")
    assert not is_server_url("/models/qwen.gguf") and not is_server_url("qwen")


def test_real_llama_server_gives_n_choices_in_one_request(llama_server: str) -> None:  # noqa: F811
    endpoint, models = check_server(llama_server)  # the «Проверить» button's question
    assert endpoint.api == "openai" and endpoint.base.endswith("/v1") and models
    gen = ServerGenerator(llama_server + "/v1")
    assert gen.model_id == models[0]  # default: the first model the server lists
    events = []
    candidates = gen.generate(PROMPT, 8, HOT, Progress(events.append))
    assert gen.supports_n is True  # llama.cpp's server answered n with n choices
    assert len(candidates) == 8  # one per row; the pipeline's joke filter judges them
    assert [c.meta["group"] for c in candidates] == [0] * 4 + [1] * 4  # own few-shot sets
    assert candidates[0].meta["examples"] != candidates[4].meta["examples"]
    for c in candidates:
        assert c.meta["backend"] == "server" and c.meta["source"] == "generated"
        if c.text.strip():
            assert c.logprob is not None  # ranking by likelihood works through the server
    assert events[0].stage == "generate" and events[0].total == 2 * HOT.max_new_tokens  # 2 groups
    assert sum(1 for e in events if e.done > 0 and not e.finished) >= 2  # token progress
    again = [c.text for c in gen.generate(PROMPT, 8, HOT, Progress())]
    assert again == [c.text for c in candidates]  # the seed is honoured
    scene = gen.describe_scene("Кот сидит на окне.", HOT, Progress())
    assert scene.strip()


def test_cancel_mid_stream_on_the_real_server(llama_server: str) -> None:  # noqa: F811
    gen = ServerGenerator(llama_server)  # a bare root: the API is found by asking
    seen = []

    def listener(event) -> None:
        seen.append(event)
        if event.done >= 2:
            progress.cancel()

    progress = Progress(listener)
    params = GenerationParams(**{**HOT.__dict__, "max_new_tokens": 200})
    with pytest.raises(Cancelled):
        gen.generate(PROMPT, 4, params, progress)
    assert max(e.done for e in seen) < 200
    assert gen.generate(PROMPT, 2, HOT, Progress())  # the server is still fine


def test_unknown_model_names_the_ones_there_are(llama_server: str) -> None:  # noqa: F811
    with pytest.raises(ModelError, match="нет модели «no-such»") as err:
        ServerGenerator(llama_server + "/v1", model="no-such")
    assert "tiny-qwen" in str(err.value)


def test_refused_connection_is_one_translated_line() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(ModelError) as err:
        ServerGenerator(url)
    text = str(err.value)
    assert text.startswith(f"Сервер {url} не отвечает:") and "Connection refused" in text
    assert "\n" not in text


def test_silent_server_times_out() -> None:
    with FaultServer("silent") as server:
        gen = ServerGenerator(server.url, model="fault-model")
        gen.read_timeout = 0.5
        with pytest.raises(ModelError, match=r"не отвечает: timed out"):
            gen.generate(PROMPT, 2, HOT, Progress())


def test_http_500_and_broken_streams_say_what_the_server_said() -> None:
    with FaultServer("500") as server:
        gen = ServerGenerator(server.url)
        with pytest.raises(ModelError, match=r"ответил ошибкой: HTTP 500: boom: out of memory"):
            gen.generate(PROMPT, 2, HOT, Progress())
        server.mode = "garbage"
        with pytest.raises(ModelError, match=r"ответил ошибкой: malformed stream"):
            gen.generate(PROMPT, 2, HOT, Progress())


def test_server_without_n_gets_parallel_requests_with_their_own_seeds() -> None:
    with FaultServer("no_n") as server:
        gen = ServerGenerator(server.url)
        assert gen.model_id == "fault-model"
        rows = gen.raw_batch(PROMPT, 4, HOT, Progress())
        assert gen.supports_n is False
        assert len(rows) == 4
        # the first request asked for n=4 and got one choice; the other three went in
        # parallel with seeds seed+1.. so that they differ
        assert [r["n"] for r in server.requests] == [4, 1, 1, 1]
        assert sorted(r["seed"] for r in server.requests[1:]) == [22, 23, 24]
        assert len({r["text"] for r in rows}) == 4
        server.requests.clear()
        gen.raw_batch(PROMPT, 3, HOT, Progress())  # now known: parallel from the start
        assert [r["n"] for r in server.requests] == [1, 1, 1]


def test_stop_closes_the_connection() -> None:
    with FaultServer("stall") as server:
        gen = ServerGenerator(server.url)
        progress = Progress()
        failure: list[BaseException] = []

        def run() -> None:
            try:
                gen.generate(PROMPT, 1, HOT, progress)
            except BaseException as exc:  # noqa: BLE001  (checked below)
                failure.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        assert server.received.wait(30)
        progress.cancel()
        assert server.hung_up.wait(30)  # the server saw the socket close
        worker.join(30)
        assert len(failure) == 1 and isinstance(failure[0], Cancelled)


def test_api_key_goes_in_the_header_only(monkeypatch) -> None:
    monkeypatch.setenv("DEMOTIVATOR_API_KEY", "sk-secret-123")
    with FaultServer("500") as server:
        gen = ServerGenerator(server.url.replace("http://", "http://user:pw@"))
        with pytest.raises(ModelError) as err:
            gen.generate(PROMPT, 1, HOT, Progress())
        assert server.auth[-1] == "Bearer sk-secret-123"
        for text in (str(err.value), gen.name, repr(gen)):
            assert "sk-secret" not in text and "pw@" not in text


def test_ollama_native_api() -> None:
    with FaultServer("ollama") as server:
        root = server.url.removesuffix("/v1")
        gen = ServerGenerator(root)  # a bare root that answers /api/tags: ollama's own API
        assert gen.endpoint.api == "ollama" and gen.model_id == "qwen3:0.6b"
        assert gen.supports_n is False  # ollama ignores n: parallel requests from the start
        rows = gen.raw_batch(PROMPT, 3, HOT, Progress())
        assert sorted(r["text"] for r in rows) == [f"Ответ{s} и точка." for s in (21, 22, 23)]
        assert all(r["finished"] for r in rows)
        body = server.requests[0]
        assert body["model"] == "qwen3:0.6b" and body["think"] is False and body["stream"]
        assert body["messages"][-1] == {"role": "user", "content": PROMPT}
        options = body["options"]
        assert options["top_k"] == HOT.top_k and options["repeat_penalty"] == HOT.repetition_penalty
        assert options["num_predict"] == HOT.max_new_tokens
