"""Serve tiny models from the Hub look-alike for trying the installer by hand (CLI or the
«Модели» dialog), with a catalogue that points at it:

    python -m tests.hub_serve --dir /tmp/hub --throttle-mb 2
    # then, in another shell, the exports it prints, and e.g.:
    demotivator models install tiny-qwen --onnx

``--throttle-mb`` slows transfers so progress, cancel and resume can be watched;
``--padding-mb`` adds a large file to the generator repo to make the download last.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from tests.hub_server import HubServer, Repo

LICENCE = {"name": "MIT (test model)", "url": "https://example.invalid/licence"}


def catalogue(qwen: Repo, sd: Repo) -> dict:
    return {
        "format": 1,
        "models": [
            {
                "id": "tiny-qwen",
                "role": "generator",
                "source": "hub",
                "default": True,
                "repo": qwen.repo_id,
                "revision": qwen.commit,
                "allow_patterns": ["config.json", "*.safetensors", "tokenizer*", "vocab.json"],
                "optional_patterns": ["*.txt", "*.jinja", "*.json", "*.bin"],
                "size_bytes": sum(len(f.data) for f in qwen.files.values()),
                "licence": LICENCE,
                "description": {"ru": "Крошечный тестовый Qwen2", "en": "Tiny test Qwen2"},
                "verified": True,
            },
            {
                "id": "tiny-sd",
                "role": "illustrator",
                "source": "hub",
                "default": True,
                "repo": sd.repo_id,
                "revision": sd.commit,
                "allow_patterns": [
                    "model_index.json",
                    "unet/*",
                    "vae/*",
                    "text_encoder/*",
                    "tokenizer/*",
                    "scheduler/*",
                ],
                "optional_patterns": ["vae_tiny/*"],
                "size_bytes": sum(len(f.data) for f in sd.files.values()),
                "licence": LICENCE,
                "description": {"ru": "Крошечный тестовый SD", "en": "Tiny test SD"},
                "verified": True,
            },
        ],
    }


def main() -> None:
    from tests.tiny_sd import build_tiny_sd
    from tests.tiny_text_models import build_tiny_qwen

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--dir", type=Path, default=Path("hub-models"), help="where to build models")
    p.add_argument("--throttle-mb", type=float, default=0.0, help="MB/s per transfer (0: full)")
    p.add_argument("--padding-mb", type=int, default=0, help="extra MB in the generator repo")
    args = p.parse_args()

    qwen_dir, sd_dir = args.dir / "tiny-qwen", args.dir / "tiny-sd"
    if not qwen_dir.is_dir():
        build_tiny_qwen(qwen_dir)
    if not sd_dir.is_dir():
        build_tiny_sd(sd_dir)
    padding = {}
    if args.padding_mb:
        padding["padding.bin"] = random.Random(0).randbytes(args.padding_mb * 1_000_000)
    with HubServer() as hub:
        hub.faults.throttle_bps = int(args.throttle_mb * 1_000_000)
        qwen = hub.add(Repo.from_folder("test/tiny-qwen", qwen_dir, padding))
        sd = hub.add(Repo.from_folder("test/tiny-sd", sd_dir))
        catalog_path = (args.dir / "catalog.json").resolve()
        catalog_path.write_text(json.dumps(catalogue(qwen, sd), indent=1), "utf-8")
        print(f"export HF_HUB_OFFLINE=0 HF_ENDPOINT={hub.url} DEMOTIVATOR_CATALOG={catalog_path}")
        print("serving; Ctrl+C stops", flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
