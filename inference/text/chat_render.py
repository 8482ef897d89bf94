"""Chat templates come with the model folder, so they are untrusted code: rendered here in
transformers' own sandboxed Jinja environment (same whitespace rules, filters and globals, so
the text is byte-identical), with bounds on what a template may cost.

Jinja's sandbox stops attribute tricks but not work: ``range(100000)`` nested twice loops 10¹⁰
times, and a render that never returns cannot be cancelled. Here every line the compiled
template runs is counted (a trace function on the template's own frames only), the output and
any repetition (``'x' * n``, ``.center(n)``) are capped, and each failure is one translated
line instead of a Jinja traceback.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from datetime import datetime
from types import FrameType
from typing import Any

from inference.core.errors import ModelError
from inference.core.i18n import tr

DOMAIN = "models"
MAX_STEPS = 1_000_000  # template lines run; real chat templates need a few thousand
MAX_SECONDS = 10.0  # backstop for a very slow machine; the step count stops loops first
MAX_OUTPUT = 1_000_000  # characters of rendered text (a prompt is a few thousand)
_TEMPLATE_FILE = "<template>"  # the file name Jinja gives code compiled from a string


class TemplateLimit(Exception):
    """A template went past one of the bounds above (``what``: steps | output | size)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _too_big(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_OUTPUT


def _bounded(func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that refuses sizes (``center(10**9)``, ``indent(10**9)``) past the caps."""

    @functools.wraps(func)  # keeps Jinja's pass_context/pass_eval_context marks
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if any(_too_big(a) for a in (*args, *kwargs.values())):
            raise TemplateLimit("size")
        return func(*args, **kwargs)

    return wrapper


@functools.cache
def _environment() -> Any:
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class BoundedSandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "**" and isinstance(right, int) and abs(right) > 64:
                raise TemplateLimit("size")
            if operator == "*":
                for seq, times in ((left, right), (right, left)):
                    sized = isinstance(seq, (str, list, tuple)) and isinstance(times, int)
                    if sized and len(seq) * times > MAX_OUTPUT:
                        raise TemplateLimit("size")
            return super().call_binop(context, operator, left, right)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
            if any(_too_big(a) for a in (*args, *kwargs.values())):
                raise TemplateLimit("size")
            return super().call(__context, __obj, *args, **kwargs)

    class GenerationTag(jinja2.ext.Extension):
        # ``{% generation %}…{% endgeneration %}`` marks assistant text for training masks;
        # rendering only needs the body
        tags = {"generation"}

        def parse(self, parser: Any) -> Any:
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            call = self.call_method("_body")
            return jinja2.nodes.CallBlock(call, [], [], body).set_lineno(lineno)

        def _body(self, caller: Any) -> str:
            return caller()

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x: Any, ensure_ascii=False, indent=None, separators=None, sort_keys=False) -> str:
        # like transformers: no HTML escaping, unlike Jinja's built-in tojson
        return json.dumps(
            x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
        )

    def strftime_now(fmt: str) -> str:
        return datetime.now().strftime(fmt)

    env = BoundedSandbox(
        trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.filters = {name: _bounded(f) for name, f in env.filters.items()}
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


@functools.lru_cache(maxsize=16)
def compile_chat_template(template: str) -> Any:
    """The compiled template; a syntax error is one translated line."""
    import jinja2

    try:
        return _environment().from_string(template)
    except jinja2.TemplateSyntaxError as exc:
        line, err = exc.lineno, exc.message
        raise ModelError(tr("chat_template.syntax", DOMAIN, err=err, line=line)) from None


def render_chat_template(template: str, **variables: Any) -> str:
    """``template`` rendered with ``variables`` within the bounds; raises ModelError (its text
    keeps the template's own message, e.g. "System role not supported")."""
    import jinja2

    compiled = compile_chat_template(template)
    try:
        return _run_bounded(compiled, variables)
    except TemplateLimit as exc:
        raise ModelError(tr(f"chat_template.limit_{exc.what}", DOMAIN)) from None
    except jinja2.exceptions.SecurityError as exc:
        raise ModelError(tr("chat_template.unsafe", DOMAIN, err=str(exc)[:200])) from None
    except (jinja2.TemplateError, TypeError, ValueError, LookupError, AttributeError) as exc:
        raise ModelError(tr("chat_template.failed", DOMAIN, err=str(exc)[:200])) from None


def _run_bounded(compiled: Any, variables: dict[str, Any]) -> str:
    steps, deadline = 0, time.monotonic() + MAX_SECONDS

    def count(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal steps
        if event == "line":
            steps += 1
            if steps > MAX_STEPS or (steps % 4096 == 0 and time.monotonic() > deadline):
                raise TemplateLimit("steps")
        return count

    def only_templates(frame: FrameType, event: str, arg: Any) -> Any:
        return count if frame.f_code.co_filename == _TEMPLATE_FILE else None

    previous = sys.gettrace()
    sys.settrace(only_templates)
    try:
        parts, size = [], 0
        for chunk in compiled.generate(**variables):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateLimit("output")
            parts.append(chunk)
        return "".join(parts)
    finally:
        sys.settrace(previous)


def apply_chat_template(
    tokenizer: Any,
    messages: list[dict[str, Any]],
    tokenize: bool = False,
    add_generation_prompt: bool = False,
    **kwargs: Any,
) -> Any:
    """``tokenizer.apply_chat_template`` for any tokenizer (transformers' or the app's own),
    rendered here: the same variables transformers passes (the messages,
    ``add_generation_prompt``, the special tokens, any extra keyword)."""
    template = tokenizer.chat_template
    if isinstance(template, dict):  # named templates: the "default" one is used
        template = template.get("default")
    if not isinstance(template, str) or not template:
        raise ValueError("this tokenizer has no chat template")
    text = render_chat_template(
        template,
        messages=messages,
        tools=kwargs.pop("tools", None),
        documents=kwargs.pop("documents", None),
        add_generation_prompt=add_generation_prompt,
        **{**tokenizer.special_tokens_map, **kwargs},
    )
    if not tokenize:
        return text
    return tokenizer(text, add_special_tokens=False)["input_ids"]
