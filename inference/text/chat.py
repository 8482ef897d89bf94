"""The one place where a joke beginning becomes model input text.

Generation (``inference.text.generator``) and fine-tuning (``training/``) both build their text
here, so a model is trained on exactly the format it is later prompted with: the system
instruction, optional few-shot pairs, the beginning as the user turn and the punchline as
the assistant turn. A tokenizer without a chat template gets plain continuation text.
"""

from __future__ import annotations

from typing import Any

from inference.core.params import full_joke
from inference.text.chat_render import apply_chat_template

SYSTEM_PROMPT_RU = (
    "Ты — остроумный автор анекдотов и демотиваторов. Пользователь пишет начало шутки, "
    "а ты дописываешь к нему одну короткую смешную концовку. Пиши по-русски, без пояснений, "
    "без кавычек и не повторяй начало."
)
# Plain (non-chat) models see examples separated by blank lines; generation stops at one.
PLAIN_EXAMPLE_SEPARATOR = "\n\n"

Message = dict[str, str]


def build_generation_messages(
    prompt: str, few_shot: list[tuple[str, str]] | None = None
) -> list[Message]:
    """System instruction, then each (beginning, ending) example as a user/assistant pair,
    then the user's beginning as the last user turn."""
    messages: list[Message] = [{"role": "system", "content": SYSTEM_PROMPT_RU}]
    for setup, punchline in few_shot or []:
        messages.append({"role": "user", "content": setup.strip()})
        messages.append({"role": "assistant", "content": punchline.strip()})
    messages.append({"role": "user", "content": prompt.strip()})
    return messages


def has_chat_template(tokenizer: Any) -> bool:
    return bool(getattr(tokenizer, "chat_template", None))


# Extra template variables: Qwen3-family templates think first unless told not to (a joke
# ending wants no reasoning, and it would eat the token budget); others ignore the flag.
TEMPLATE_OPTIONS: dict[str, Any] = {"enable_thinking": False}


def _apply_template(tokenizer: Any, messages: list[Message], add_generation_prompt: bool) -> str:
    try:
        return apply_chat_template(  # bounded: the template is the model's code
            tokenizer,
            messages,
            tokenize=False,
            add_generation_prompt=add_generation_prompt,
            **TEMPLATE_OPTIONS,
        )
    except Exception as exc:  # jinja raises TemplateError for e.g. "system role not supported"
        if messages[0]["role"] != "system" or "system" not in str(exc).lower():
            raise
        # Gemma-style templates reject a system turn: fold it into the first user turn.
        system, first, *rest = messages
        merged = {"role": "user", "content": f"{system['content']}\n\n{first['content']}"}
        return apply_chat_template(  # bounded: the template is the model's code
            tokenizer,
            [merged, *rest],
            tokenize=False,
            add_generation_prompt=add_generation_prompt,
            **TEMPLATE_OPTIONS,
        )


def render_plain_prompt(prompt: str, few_shot: list[tuple[str, str]] | None = None) -> str:
    """Continuation text for base models: examples as finished jokes, then the beginning."""
    examples = [full_joke(setup, punchline) for setup, punchline in few_shot or []]
    return PLAIN_EXAMPLE_SEPARATOR.join([*examples, prompt.strip()])


def render_generation_prompt(
    tokenizer: Any, prompt: str, few_shot: list[tuple[str, str]] | None = None
) -> str:
    """The text the model continues: the chat template with ``add_generation_prompt=True``
    when the tokenizer has one, otherwise plain continuation text."""
    if has_chat_template(tokenizer):
        return _apply_template(tokenizer, build_generation_messages(prompt, few_shot), True)
    return render_plain_prompt(prompt, few_shot)


def render_scene_prompt(tokenizer: Any, joke: str) -> str:
    """The request for a picture description (:mod:`inference.text.visual_prompt`), rendered like
    the joke prompt (bounded template, thinking off); the caller checks for a template."""
    from inference.text.visual_prompt import build_scene_messages

    return _apply_template(tokenizer, build_scene_messages(joke), True)


def render_training_example(
    tokenizer: Any, setup: str, punchline: str, few_shot: list[tuple[str, str]] | None = None
) -> tuple[str, str]:
    """``(prompt_text, completion_text)`` for fine-tuning: the prompt is exactly what
    :func:`render_generation_prompt` produces (with the same few-shot examples, when a
    trainer draws them like :mod:`inference.text.few_shot`), the completion is the punchline
    plus the end marker the generator stops at (the template's end of turn, or EOS for
    plain models), so the loss can be masked to the completion."""
    prompt_text = render_generation_prompt(tokenizer, setup, few_shot)
    punchline = punchline.strip()
    if has_chat_template(tokenizer):
        messages = build_generation_messages(setup, few_shot)
        full = _apply_template(
            tokenizer, [*messages, {"role": "assistant", "content": punchline}], False
        )
        if full.startswith(prompt_text):
            # the template's own end-of-turn (e.g. "<|im_end|>\n") is kept
            return prompt_text, full[len(prompt_text) :].rstrip("\n")
        return prompt_text, punchline + (tokenizer.eos_token or "")
    joke = full_joke(prompt_text, punchline)
    return prompt_text, joke[len(prompt_text) :] + (tokenizer.eos_token or "")
