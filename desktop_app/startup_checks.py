"""Before Qt starts: the ``--help`` text and a check that a screen Qt can use is there
(without one Qt aborts with a message about platform plugins and libxcb-cursor0)."""

from __future__ import annotations

import contextlib
import ctypes.util
import os
import sys

from inference.core.i18n import adopt_settings_language, tr

DOMAIN = "gui"
# What Qt's xcb platform plugin loads besides libxcb itself (Debian package names).
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}


def _language() -> None:
    from inference.core.settings import load_settings

    with contextlib.suppress(Exception):  # the help prints whatever the settings hold
        adopt_settings_language(load_settings()[0].language)


def help_text() -> str:
    _language()
    return tr("app.help", DOMAIN)


def display_problem() -> str:
    """One line saying what is missing, or "" when Qt can start (or we cannot tell)."""
    if not sys.platform.startswith("linux"):
        return ""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return ""  # wayland, offscreen, vnc…: Qt reports its own problems
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return ""
    _language()
    if not os.environ.get("DISPLAY"):
        return tr("app.no_display", DOMAIN)
    missing = [pkg for lib, pkg in XCB_LIBRARIES.items() if ctypes.util.find_library(lib) is None]
    if missing:
        return tr("app.missing_libs", DOMAIN, packages=" ".join(missing))
    return ""
