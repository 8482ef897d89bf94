"""``demotivator models``: the model store's commands (``demotivator.models``) with this
package's ONNX conversion plugged in, so that the core never imports export/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _converter() -> Callable[..., Any]:
    from export.convert_installed import convert_installed  # only when a command converts

    return convert_installed


def main(argv: list[str]) -> int:
    from demotivator import models as cli_models

    return cli_models.main(argv, converter=_converter)
