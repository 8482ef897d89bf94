"""Errors that reach the user. Their message is already translated and says what to do."""

from __future__ import annotations


class DemotivatorError(Exception):
    """A problem the user can act on; shown as one line, never as a traceback."""


class InputError(DemotivatorError):
    """Bad prompt, bad option value."""


class ModelError(DemotivatorError):
    """A model folder is missing, incomplete or of the wrong kind."""


class ImageError(DemotivatorError):
    """A picture could not be read or produced."""


class OutputError(DemotivatorError):
    """A result could not be written."""


class Cancelled(Exception):  # noqa: N818 - reads better at call sites than CancelledError
    """The user asked to stop; not an error, the partial result stays valid."""
