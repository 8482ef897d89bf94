"""Demotivator Studio core: Qt-free stages, backends, pipeline, settings and CLI.

Importing this package sets safe threading defaults (see :mod:`inference.runtime_env`)
before torch can be imported anywhere below it.
"""

from inference import runtime_env as _runtime_env

_runtime_env.configure()
