"""A model folder's chat template is untrusted code (issue 15, item 3): a sandbox escape is
one translated line, and a template that loops for ever or writes without end is stopped by
the renderer's bounds (inference.text.chat_render) instead of hanging the app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from inference.core.errors import ModelError
from inference.text.chat import render_generation_prompt
from inference.text.chat_render import MAX_OUTPUT, render_chat_template
from inference.text.fast_tokenizer import load_fast_tokenizer
from inference.text.model_folders import inspect_folder

ROOT = Path(__file__).resolve().parents[1]
ESCAPE = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
NESTED = (
    "{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}"
    "{% endfor %}{% endfor %}{% endfor %}done"
)
HOSTILE = {
    "escape": (ESCAPE, "песочниц"),
    "globals_escape": ("{{ cycler.__init__.__globals__.os.system('id') }}", "песочниц"),
    "nested_loops": (NESTED, "слишком долго"),
    "endless_text": ("{% for a in range(100000) %}{{ 'x' * 100000 }}{% endfor %}", "длинный"),
    "huge_repeat": ("{{ 'x' * 1000000000 }}", "слишком большую"),
    "huge_power": ("{{ 10 ** 100000000 }}", "слишком большую"),
    "huge_padding": ("{{ 'x'.center(1000000000) }}", "слишком большую"),
    "huge_filter": ("{{ 'x' | indent(1000000000, true) }}", "слишком большую"),
    "syntax": ("{% for m in messages %}", "ошибку в строке"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_templates_end_in_one_translated_line(case):
    template, words = HOSTILE[case]
    with pytest.raises(ModelError) as err:
        render_chat_template(template, messages=[{"role": "user", "content": "x"}])
    text = str(err.value)
    assert words in text and len(text.splitlines()) == 1, text
    assert "Traceback" not in text and "jinja2" not in text


def test_ordinary_templates_render_as_before():
    template = (
        "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] | trim }}\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>{% endif %}{{ messages | tojson }}"
    )
    msgs = [{"role": "user", "content": " Заходит улитка в бар "}]
    text = render_chat_template(template, messages=msgs, add_generation_prompt=True)
    assert text == (
        '<|user|>Заходит улитка в бар\n<|assistant|>[{"role": "user", "content": '
        '" Заходит улитка в бар "}]'
    )
    assert len(render_chat_template("{{ 'x' * n }}", n=MAX_OUTPUT)) == MAX_OUTPUT


def test_a_models_hostile_template_stops_generation_prompt_building(tiny_generator_onnx_dir):
    """Through the app's own tokenizer and prompt builder, in a child process so that a
    renderer without bounds fails this test instead of hanging the suite."""
    script = (
        "import sys, json\n"
        "from inference.text.chat import render_generation_prompt\n"
        "from inference.text.fast_tokenizer import load_fast_tokenizer\n"
        "from inference.text.model_folders import inspect_folder\n"
        "from inference.core.errors import ModelError\n"
        "tok = load_fast_tokenizer(inspect_folder(sys.argv[1]))\n"
        "tok.chat_template = json.loads(sys.argv[2])\n"
        "try:\n"
        "    render_generation_prompt(tok, 'Заходит улитка в бар')\n"
        "except ModelError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(1)\n"
    )
    args = [sys.executable, "-c", script, str(tiny_generator_onnx_dir), json.dumps(NESTED)]
    # the limit only keeps a broken build from hanging the suite; the bound is in steps
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "слишком долго" in proc.stdout and "Traceback" not in proc.stderr


def test_the_system_role_fallback_still_sees_the_templates_own_message(tiny_generator_onnx_dir):
    tok = load_fast_tokenizer(inspect_folder(tiny_generator_onnx_dir))
    tok.chat_template = (
        "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not "
        "supported') }}{% endif %}{% for m in messages %}[{{ m['content'] }}]{% endfor %}"
    )
    text = render_generation_prompt(tok, "Заходит улитка в бар")
    assert text.startswith("[") and text.endswith("Заходит улитка в бар]")
