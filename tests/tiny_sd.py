"""Tiny Stable Diffusion folders for tests: real diffusers architectures, random weights.

Shaped like diffusers' own fast tests, but with a latent scale factor of 8 like real SD
(four VAE levels) so that size rounding is exercised as users meet it. Everything is built
locally — the CLIP tokenizer's BPE is trained here with ``tokenizers`` on a small English
corpus — so no hub access is ever needed.

Layout written by :func:`build_tiny_sd` (plain ``save_pretrained`` output)::

    model_index.json  unet/  vae/  text_encoder/  tokenizer/  scheduler/
    vae_tiny/                   optional AutoencoderTiny (TAESD-style) decoder, our convention
    safety_checker/ feature_extractor/   optional, only when asked for

:func:`build_tiny_sdxs` writes the SDXS layout instead: ``vae/`` is the AutoencoderTiny
(model_index.json ``"vae": ["diffusers", "AutoencoderTiny"]``), with no full VAE anywhere.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import regex
import torch
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import (
    CLIPConfig,
    CLIPImageProcessor,
    CLIPTextConfig,
    CLIPTextModel,
    CLIPTokenizer,
)
from transformers.models.clip.tokenization_clip import bytes_to_unicode

SEED = 1234
BOS, EOS = "<|startoftext|>", "<|endoftext|>"
# CLIP's own pre-tokenisation pattern (tokenization_clip.py), so trained merges match use.
_CLIP_PATTERN = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""", regex.IGNORECASE
)

# Scene descriptions like the ones the generator writes for the illustrator.
CORPUS = """\
a tired office worker staring at a broken coffee machine, dramatic lighting
a cat sitting on a laptop keyboard in a dark room, cinematic photo
an old man fishing alone on a frozen lake at dawn, muted colors
a giant pile of paperwork on a desk, a small plant next to it
a dog wearing sunglasses on a beach, bright summer day
a lonely bicycle in the rain under a street lamp at night
a student sleeping on a stack of books in a library
a rocket launching over a quiet village, long exposure photograph
a man in a suit running after a bus in the snow
two penguins arguing on an ice floe, wildlife photography
a robot painting a portrait of a sad clown, oil painting
an empty fridge with one lemon inside, harsh light
a grandmother knitting a very long scarf across the whole room
a traffic jam of horses and carts in a medieval town
a programmer looking at a screen full of red errors at midnight
a teacher writing an impossible equation on a blackboard
a bear riding a tricycle in a circus tent, vintage poster
a sunflower field under a stormy sky, wide angle
a mountain climber reaching the top and finding a vending machine
a queue of people waiting in front of a closed door, black and white
a small boat in a huge ocean wave, dramatic, high contrast
a chef looking at a burnt cake with disappointment
a parrot reading a newspaper on a park bench
a spaceship parked in a supermarket car parking lot
a house of cards on a shaking table, close up
a soldier of toy bricks guarding a sandwich
a cow looking at the moon over a wooden fence, night
a crowded tram in winter, fogged windows, warm light
a clock melting over a tree branch, surreal painting
a hedgehog carrying an apple through autumn leaves
"""


def train_clip_tokenizer(dst: Path, vocab_size: int = 600) -> CLIPTokenizer:
    """Train byte-level BPE merges on :data:`CORPUS` and save a real ``CLIPTokenizer``.

    The vocabulary is laid out exactly like OpenAI CLIP's: the 256 byte symbols, the same
    with the ``</w>`` end-of-word suffix, one entry per merge, then the two special tokens.
    """
    byte_encoder = bytes_to_unicode()
    words = []
    for line in CORPUS.lower().splitlines():
        for token in _CLIP_PATTERN.findall(line):
            words.append("".join(byte_encoder[b] for b in token.encode("utf-8")))

    bpe = Tokenizer(models.BPE(end_of_word_suffix="</w>"))
    bpe.pre_tokenizer = pre_tokenizers.WhitespaceSplit()  # words are already split above
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=list(byte_encoder.values()),
        end_of_word_suffix="</w>",
        show_progress=False,
    )
    bpe.train_from_iterator([" ".join(words)], trainer=trainer)
    with tempfile.TemporaryDirectory() as tmp:
        bpe.model.save(tmp)
        merge_lines = Path(tmp, "merges.txt").read_text(encoding="utf-8").splitlines()
    merges = [tuple(line.split()) for line in merge_lines if line and not line.startswith("#")]

    base = list(byte_encoder.values())
    vocab = base + [b + "</w>" for b in base] + ["".join(m) for m in merges] + [BOS, EOS]
    dst.mkdir(parents=True, exist_ok=True)
    (dst / "vocab.json").write_text(
        json.dumps({tok: i for i, tok in enumerate(vocab)}, ensure_ascii=False), encoding="utf-8"
    )
    (dst / "merges.txt").write_text(
        "#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n", encoding="utf-8"
    )
    tokenizer = CLIPTokenizer(str(dst / "vocab.json"), str(dst / "merges.txt"), model_max_length=77)
    return tokenizer


def _text_encoder(tokenizer: CLIPTokenizer) -> CLIPTextModel:
    config = CLIPTextConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=77,
        projection_dim=32,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return CLIPTextModel(config).eval()


def _unet():
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=8,  # latent side at 64 px with a scale factor of 8
        in_channels=4,
        out_channels=4,
        block_out_channels=(32, 64),
        layers_per_block=1,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=8,
        norm_num_groups=8,
    ).eval()


def _vae():
    from diffusers import AutoencoderKL

    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        block_out_channels=(16, 16, 16, 16),  # four levels: scale factor 8 like SD
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        layers_per_block=1,
        latent_channels=4,
        norm_num_groups=8,
        sample_size=64,
    ).eval()
    _calibrate_output(vae.decoder.conv_out, lambda z: vae.decode(z).sample, 1.0, 0.0)
    return vae


def _vae_tiny():
    from diffusers import AutoencoderTiny

    # TAESD's shape (four levels, relu, latent magnitude 3) with narrow channels.
    vae = AutoencoderTiny(
        encoder_block_out_channels=(16, 16, 16, 16),
        decoder_block_out_channels=(16, 16, 16, 16),
        num_encoder_blocks=(1, 1, 1, 1),
        num_decoder_blocks=(1, 1, 1, 1),
        latent_channels=4,
    ).eval()
    _calibrate_output(vae.decoder.layers[-1], lambda z: vae.decode(z).sample, 2.0, -1.0)
    return vae


@torch.no_grad()
def _calibrate_output(conv: torch.nn.Conv2d, decode, scale: float, shift: float) -> None:
    """Rescale a random decoder's last conv so pictures span the colour range instead of
    a near-black square: then seeds, prompts and guidance visibly change the pixels, and
    parity tests compare something. ``decode`` returns ``scale * conv_output + shift``
    (TAESD maps [0, 1] to [-1, 1]: scale 2, shift -1; AutoencoderKL: 1, 0)."""
    out = decode(torch.randn(4, 4, 8, 8, generator=torch.Generator().manual_seed(SEED)))
    mean = out.mean(dim=(0, 2, 3))
    std = out.std(dim=(0, 2, 3)).clamp_min(1e-6)
    target_mean = torch.tensor([0.15, -0.05, -0.2])  # a warm, mid-grey picture in [-1, 1]
    k = 0.5 / std  # per-channel gain on the output
    d = (target_mean - shift - k * (mean - shift)) / scale
    conv.weight.mul_(k.view(-1, 1, 1, 1))
    conv.bias.mul_(k).add_(d)


def _scheduler():
    from diffusers import EulerDiscreteScheduler

    # SD's noise schedule; "trailing" spacing as few-step (turbo-class) models use.
    return EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        timestep_spacing="trailing",
        steps_offset=1,
    )


def _safety_checker(flag_everything: bool):
    from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker

    config = CLIPConfig(
        text_config={
            "hidden_size": 32,
            "intermediate_size": 37,
            "num_hidden_layers": 1,
            "num_attention_heads": 4,
            "vocab_size": 100,
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 37,
            "num_hidden_layers": 1,
            "num_attention_heads": 4,
            "image_size": 32,
            "patch_size": 8,
        },
        projection_dim=32,
    )
    checker = StableDiffusionSafetyChecker(config).eval()
    if flag_everything:
        # Cosine similarity is >= -1, so a threshold of -2 flags every picture: the real
        # checker, configured to always fire, so the "blanked image" path can be tested.
        with torch.no_grad():
            checker.concept_embeds_weights.fill_(-2.0)
    processor = CLIPImageProcessor(
        size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    return checker, processor


def build_tiny_sd(
    dst: Path,
    with_tiny_vae: bool = True,
    safety_checker: str | None = None,
    tiny_vae_as_vae: bool = False,
) -> Path:
    """Write a tiny SD folder to ``dst`` that ``StableDiffusionPipeline.from_pretrained`` loads.

    ``safety_checker``: None (none, like most community folders), ``"random"`` (a real
    checker with random weights) or ``"always"`` (a real checker that flags every image).
    ``tiny_vae_as_vae``: the SDXS layout, see :func:`build_tiny_sdxs`.
    """
    from diffusers import StableDiffusionPipeline

    dst = Path(dst)
    torch.manual_seed(SEED)
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = train_clip_tokenizer(Path(tmp))
        checker, processor = (
            _safety_checker(safety_checker == "always") if safety_checker else (None, None)
        )
        pipe = StableDiffusionPipeline(
            vae=_vae_tiny() if tiny_vae_as_vae else _vae(),
            text_encoder=_text_encoder(tokenizer),
            tokenizer=tokenizer,
            unet=_unet(),
            scheduler=_scheduler(),
            safety_checker=checker,
            feature_extractor=processor,
            requires_safety_checker=checker is not None,
        )
        pipe.save_pretrained(dst, safe_serialization=True)
    if with_tiny_vae and not tiny_vae_as_vae:
        _vae_tiny().save_pretrained(dst / "vae_tiny", safe_serialization=True)
    return dst


def build_tiny_sdxs(dst: Path) -> Path:
    """A tiny folder laid out like ``IDKiro/sdxs-512-0.9``: its ``vae/`` is a TAESD
    (``AutoencoderTiny``), the full VAE is absent (SDXS keeps it in ``vae_large/``, which
    the catalogue does not download)."""
    return build_tiny_sd(dst, with_tiny_vae=False, tiny_vae_as_vae=True)
