"""Demotivator Studio core: Qt-free stages, backends, pipeline, settings and CLI.

Importing this package sets safe threading defaults (see :mod:`inference.core.runtime_env`)
before torch can be imported anywhere below it.
"""

from inference.core import runtime_env as _runtime_env

_runtime_env.configure()
