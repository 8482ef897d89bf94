"""The ``demotivator`` command line: the app's front door over the Qt-free core.

Each sub-command lives in the package that owns it (``make``/``eval``/``models`` here,
``export``, ``scrape``, ``train``, ``bench`` in theirs); :mod:`demotivator.cli` only dispatches.
"""

import inference  # noqa: F401  (sets OMP_WAIT_POLICY before anything imports torch)
