"""Run in a child process by test_window_screen.py: the real window on an offscreen screen
of the given size and scale (the screen is fixed when Qt starts, hence the process).

    python -m tests.gui.fit_probe LANG

Prints one JSON object: the screen's available geometry, the window's frame, every
object-named visible widget that does not lie within the available area (after scrolling
it into view where it sits in a scroll area), and every button or one-line label whose text
does not fit it, both at the opening size and at the window's minimum size.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QScrollArea,
    QWidget,
)


def _scroll_area(widget: QWidget) -> QScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


def outside(window: QWidget, app: QApplication) -> list[str]:
    area = window.screen().availableGeometry()
    bad = []
    for widget in window.findChildren(QWidget):
        if not widget.objectName() or widget.objectName().startswith("qt_"):
            continue
        if not widget.isVisibleTo(window) or widget.isWindow():
            continue
        scroll = _scroll_area(widget)
        if scroll is not None and scroll.widget() is widget:
            continue  # the scrolled content itself: taller than its view by design
        if scroll is not None:  # reachable by scrolling: scroll it into view first
            scroll.ensureWidgetVisible(widget, 0, 0)
            app.processEvents()
        rect = QRect(widget.mapToGlobal(widget.rect().topLeft()), widget.size())
        if not area.contains(rect):
            bad.append(f"{widget.objectName()} {rect.getRect()} not in {area.getRect()}")
        elif widget.visibleRegion().boundingRect() != widget.rect():
            # Inside the screen but cut by a parent (a scroll area's edge, a splitter).
            seen = widget.visibleRegion().boundingRect().getRect()
            bad.append(f"{widget.objectName()} cut to {seen} of {widget.rect().getRect()}")
    return bad


def clipped(window: QWidget) -> list[str]:
    """Buttons narrower than their text needs; one-line labels cut short."""
    bad = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or widget.isWindow():
            continue
        if isinstance(widget, QAbstractButton) and widget.text():
            if widget.width() < widget.sizeHint().width():
                bad.append(f"button {widget.text()!r}: {widget.width()} px")
        elif isinstance(widget, QLabel) and widget.text() and not widget.wordWrap():
            if widget.pixmap() is not None and not widget.pixmap().isNull():
                continue
            if widget.width() < widget.minimumSizeHint().width():
                bad.append(f"label {widget.text()[:40]!r} {widget.width()}")
    return bad


def main(language: str) -> int:
    from desktop_app.application import create_application
    from desktop_app.main_window import MainWindow
    from inference.core.settings import Settings

    app = create_application([sys.argv[0]])
    window = MainWindow(Settings(language=language))
    window.show()
    app.processEvents()
    report = {
        "available": window.screen().availableGeometry().getRect(),
        "frame": window.frameGeometry().getRect(),
        "outside": outside(window, app),
        "clipped": clipped(window),
    }
    window.resize(window.minimumSizeHint())
    app.processEvents()
    report["minimum"] = [window.width(), window.height()]
    report["clipped_at_minimum"] = clipped(window)
    window.close()
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
