"""``demotivator-studio`` / ``python -m desktop_app``: open the main window.

Only Qt and the light core modules are imported here; torch, transformers, diffusers and
onnxruntime load on the pipeline thread the first time a model is needed.
"""

from __future__ import annotations

import os
import sys

import inference  # noqa: F401 - sets OMP_WAIT_POLICY & co. before anything heavy


def main(argv: list[str] | None = None) -> int:
    from desktop_app.application import create_application
    from desktop_app.main_window import MainWindow

    app = create_application(argv if argv is not None else sys.argv)
    window = MainWindow()
    window.show()
    window.offer_first_run()  # only lite models and never answered: offer real ones
    code = app.exec()
    window.shutdown()
    if not window.threads_stopped:
        os._exit(code)  # a model was still loading: skip destroying its running thread
    return code


if __name__ == "__main__":
    sys.exit(main())
