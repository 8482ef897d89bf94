"""Tiny real-architecture text models for offline tests (random weights, fixed seed).

No model hub is reachable, so the tests build their own Qwen2 generator and BERT regressor:
real ``transformers`` classes with tiny configs and tokenizers trained here, on the short
Russian corpus below, with ``tokenizers``. The weights are random, so the models write
gibberish — the tests check plumbing (batching, sampling, progress, cancel, export parity),
never the quality of the jokes.
"""

from __future__ import annotations

import itertools
from pathlib import Path

# Written for these tests: joke-shaped Russian lines (plus a little English for the visual
# prompt) so that the tokenizers learn Cyrillic merges, dashes, quotes and dialogue turns.
_LINES = """\
Приходит мужик в библиотеку и просит книгу о паранойе.
— А вы уверены, что вам её можно? — шепчет библиотекарь.
Встречаются два программиста. Один говорит: «У меня всё работает».
Второй отвечает: «Значит, ты ещё не запускал тесты».
Жена говорит мужу: сходи в магазин, купи батон, а если будут яйца — возьми десяток.
Муж вернулся с десятью батонами: яйца были.
Учитель спрашивает Вовочку, почему он опоздал.
— Так ведь знак висит: «Школа, сбавьте скорость»!
Кот сидит на окне и смотрит на птиц с видом философа.
Начальник сказал, что премии не будет, зато будет корпоратив.
Корпоратив тоже отменили, но осталась надежда.
Понедельник начался в субботу, а закончился только к пятнице.
Врач говорит пациенту: у меня для вас две новости, хорошая и странная.
Пациент выбирает странную и сразу жалеет об этом.
Старый рыбак поймал золотую рыбку и попросил тишины.
Рыбка три дня молчала, а потом подала в суд.
Студент перед экзаменом спит на учебнике, надеясь на осмос.
Осмос не сработал, зато выспался.
В Одессе спрашивают: вы не знаете, где тут почта?
— А зачем вам почта, если есть я?
Сосед сверлит стену каждое утро ровно в семь.
Однажды он перестал, и весь дом проснулся от тишины.
Бабушка связала внуку свитер на вырост до пенсии.
Внук вырос, свитер тоже, а пенсию опять перенесли.
Мотивация — это когда дедлайн завтра, а ты только открыл ноутбук.
Успех — это девяносто девять процентов кофе и один процент паники.
Оптимист верит, что понедельник закончится. Пессимист знает, что наступит следующий.
Ёжик шёл по лесу и думал о вечном, пока не наступил на шишку.
Директор зоопарка отпустил слона в отпуск, слон вернулся с загаром.
Штирлиц долго смотрел в одну точку. Потом в другую. Двоеточие, догадался Штирлиц.
Чукча купил холодильник, теперь у него две тундры.
Приходит улитка в бар, а бармен её выгоняет.
Через неделю улитка возвращается: «Ну и зачем ты это сделал?»
Вопрос: почему программисты путают Хэллоуин и Рождество?
Ответ: потому что тридцать один в восьмеричной равно двадцати пяти в десятичной.
Вопрос: что сказал ноль восьмёрке? Ответ: классный ремень!
Муж приходит домой поздно и говорит: я был в библиотеке.
Жена смотрит на часы и отвечает: библиотека закрылась шесть часов назад.
Кошка уронила чашку, посмотрела на хозяина и уронила вторую.
Собака съела домашнее задание и получила пятёрку.
Кондуктор просит оплатить проезд, а пассажир показывает на облака.
Таксист спрашивает: куда едем? Пассажир отвечает: в светлое будущее.
Таксист включает счётчик и говорит: это надолго.
Сын спрашивает отца: папа, а что такое ирония?
Отец отвечает: это когда пожарная часть сгорела.
Программист ставит на тумбочку два стакана: с водой, если захочет пить, и пустой, если не захочет.
Мужик купил лотерейный билет и выиграл ещё один лотерейный билет.
Депрессия — это когда даже кот не хочет с тобой спорить.
Доверяй, но проверяй, сказал бухгалтер и пересчитал зарплату дважды.
На собеседовании спрашивают: ваша главная слабость?
— Честность. — Не думаю, что это слабость. — Мне плевать, что вы думаете.
Вечером в деревне выключили свет, и все наконец увидели звёзды.
Утро добрым не бывает, но кофе делает его терпимым.
Медведь зашёл в магазин, и продавец сразу предложил скидку.
Диета — это когда ешь то же самое, но с чувством вины.
Лень — двигатель прогресса: человек изобрёл пульт, чтобы не вставать с дивана.
Дед Мороз принёс подарки, а налоговая уже ждала у ёлки.
Инженер, физик и математик едут в поезде по Шотландии.
Математик говорит: в Шотландии есть хотя бы одна овца, чёрная хотя бы с одной стороны.
Гаишник останавливает машину и говорит: поздравляю, вы миллионный водитель.
Водитель отвечает: а я ещё и без прав!
Встретились как-то русский, немец и француз, и каждый заказал чай.
Холодильник открыли восемь раз, еды не прибавилось.
Я не опаздываю, я просто живу в своём часовом поясе.
Будильник прозвенел, но сон был сильнее.
Демотиватор: чёрная рамка, белые буквы и горькая правда жизни.
Пессимист видит тёмный туннель, оптимист — свет в конце, машинист — двух идиотов на рельсах.
Не откладывай на завтра то, что можно отложить на послезавтра.
Зима близко, а отопление всё ещё далеко.
Лучше поздно, чем в понедельник.
Жизнь — как зебра: белая полоса, чёрная полоса, а потом задница.
Если долго смотреть на работу, она не сделается сама.
Хотел как лучше, а получилось как всегда.
Ничто так не бодрит с утра, как случайно открытый рабочий чат.
Когда всё идёт по плану, значит, ты что-то не заметил.
Мама сказала взять шапку, и она оказалась права.
Кот учёный ходит по цепи и всё время сбивается.
Кефир просрочен, но я верю в его лучшие качества.
Собрание могло быть письмом, письмо могло быть тишиной.
Вовочка, назови три вещи, которые содержат молоко. — Масло, сыр и корова!
Ёлка стоит до марта, потому что так уютнее.
Автобус пришёл вовремя, и никто не поверил.
Солнце светит, птицы поют, а отчёт так и не написан.
Алиса спросила у кота дорогу, кот спросил у Алисы бутерброд.
Если вы проснулись в понедельник и вам хорошо — проверьте, не суббота ли сегодня.
A cat sits on a windowsill looking at the rain, photo, soft light.
An old fisherman holds a tiny golden fish, watercolor painting.
A man standing in an empty library, cinematic lighting.
A dog sleeping on a pile of homework, cozy room, digital art.
Two programmers staring at a monitor at night, dramatic shadows.
A snowy village under a starry sky, no people, wide shot.
"""

CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
# Qwen3's template in short: it thinks first (<think>…</think>) unless the caller renders it
# with enable_thinking=False, which puts an empty think block in the prompt instead.
QWEN3_CHAT_TEMPLATE = CHAT_TEMPLATE.replace(
    "{{- '<|im_start|>assistant\\n' }}",
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}"
    "{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}",
)
THINK_TOKENS = ["<think>", "</think>"]  # added, not special (decoded text keeps them)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
SEED = 1234


def corpus() -> list[str]:
    """A few hundred training lines: the lines above, pairs of them as dialogue turns and
    ChatML-wrapped turns (so role names and markers get merges of their own)."""
    lines = [line for line in _LINES.splitlines() if line.strip()]
    pairs = [f"Q: {a}\nA: {b}" for a, b in itertools.pairwise(lines)]
    chats = [
        f"<|im_start|>user\n{a}<|im_end|>\n<|im_start|>assistant\n{b}<|im_end|>"
        for a, b in zip(lines[::2], lines[1::2], strict=False)
    ]
    return lines + pairs + chats


def _train_bpe(vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus(), trainer=trainer)
    return tok


def build_tiny_qwen(
    dst: Path, chat_template: bool = True, vocab_size: int = 640, qwen3: bool = False
) -> Path:
    """A real ``Qwen2ForCausalLM`` (2 layers, hidden 32, GQA 4/2 heads) with a byte-level BPE
    tokenizer; ``chat_template`` adds a ChatML template and makes ``<|im_end|>`` the EOS, like
    Qwen2.5-Instruct. Saved with ``save_pretrained`` (safetensors). ``qwen3``: a
    ``Qwen3ForCausalLM`` (q/k norms, explicit head_dim) with Qwen3's thinking template and
    ``<think>``/``</think>`` tokens, the <think> logit raised so that some rows start one."""
    import torch
    from transformers import (
        GenerationConfig,
        Qwen2Config,
        Qwen2ForCausalLM,
        Qwen2TokenizerFast,
        Qwen3Config,
        Qwen3ForCausalLM,
    )

    dst = Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    eos = "<|im_end|>" if chat_template else "<|endoftext|>"
    # padding_side must go to the constructor: setting the attribute later is not saved.
    tokenizer = Qwen2TokenizerFast(
        tokenizer_object=_train_bpe(vocab_size),
        eos_token=eos,
        pad_token="<|endoftext|>",
        unk_token=None,
        padding_side="left",
        model_max_length=512,
        chat_template=(QWEN3_CHAT_TEMPLATE if qwen3 else CHAT_TEMPLATE) if chat_template else None,
    )
    if qwen3:
        tokenizer.add_tokens(THINK_TOKENS)
    tokenizer.save_pretrained(dst)

    config = (Qwen3Config if qwen3 else Qwen2Config)(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=True,  # like the small Qwen2.5 models: exercises the export dedup
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        use_sliding_window=False,
        # 10x the usual init: logits spread enough that greedy decoding does not repeat one
        # token forever and sampled rows differ (0.02 gives an almost uniform softmax)
        initializer_range=0.2,
        **({"head_dim": 8} if qwen3 else {}),  # Qwen3 does not derive it from hidden/heads
    )
    torch.manual_seed(SEED)
    model = (Qwen3ForCausalLM if qwen3 else Qwen2ForCausalLM)(config).eval()
    with torch.no_grad():
        # Random weights rarely pick one token out of ~600; a louder EOS row makes about
        # half the sampled rows end on EOS within 24 tokens while others run to the limit.
        model.get_output_embeddings().weight[tokenizer.eos_token_id] *= 3.5
        if qwen3:
            think = tokenizer.convert_tokens_to_ids("<think>")
            model.get_output_embeddings().weight[think] *= 4.0
    model.save_pretrained(dst, safe_serialization=True)
    # Deliberately "wrong" defaults: the generator must never let them leak in.
    GenerationConfig(
        do_sample=True,
        temperature=0.01,
        top_k=1,
        max_new_tokens=2,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    ).save_pretrained(dst)
    return dst


def build_tiny_bert_ranker(dst: Path, num_labels: int = 1, vocab_size: int = 800) -> Path:
    """A real ``BertForSequenceClassification`` regressor (num_labels=1, problem_type
    "regression") with a WordPiece tokenizer trained here. ``num_labels`` other than 1 builds
    the wrong kind of head on purpose (the loader must reject it)."""
    import torch
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    dst = Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=specials, show_progress=False
    )
    tok.train_from_iterator(corpus(), trainer=trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer = BertTokenizerFast(tokenizer_object=tok, model_max_length=128)
    tokenizer.save_pretrained(dst)

    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=num_labels,
        problem_type="regression" if num_labels == 1 else "single_label_classification",
        pad_token_id=tokenizer.pad_token_id,
        initializer_range=0.2,  # scores that differ visibly between texts
    )
    torch.manual_seed(SEED)
    BertForSequenceClassification(config).eval().save_pretrained(dst, safe_serialization=True)
    return dst
