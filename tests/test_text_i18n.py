"""Every message the text stages and their export raise exists in Russian and English."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    "inference/text/model_folders.py",
    "inference/text/text_backends.py",
    "inference/text/generator.py",
    "inference/text/ranker.py",
    "export/common.py",
    "export/text.py",
]


def test_all_text_messages_are_translated() -> None:
    catalogue = json.loads((ROOT / "resources/i18n/text.json").read_text(encoding="utf-8"))
    used = set()
    for name in SOURCES:
        source = (ROOT / name).read_text(encoding="utf-8")
        used |= set(re.findall(r'tr\(\s*"([\w.]+)",\s*DOMAIN', source))
        # keys built at run time: tr(f"export.step_{step}", ...)
        used |= {f"export.step_{s}" for s in re.findall(r'step_done\("(\w+)"\)', source)}
    assert len(used) > 20
    missing = sorted(k for k in used if k not in catalogue)
    assert not missing
    for key, entry in catalogue.items():
        assert entry.get("ru") and entry.get("en"), key
        placeholders = [set(re.findall(r"{(\w+)}", entry[lang])) for lang in ("ru", "en")]
        assert placeholders[0] == placeholders[1], key
