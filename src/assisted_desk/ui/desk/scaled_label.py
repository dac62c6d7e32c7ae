"""A label drawn larger than the text around it, by a factor, so it grows with the desk's text
size (the style sheet sets sizes in points; a fixed size here would not follow a 200% setting)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


class ScaledLabel(QLabel):
    def __init__(self, factor: float, weight: int = 600, extra_style: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.factor, self.weight, self.extra_style = factor, weight, extra_style

    def showEvent(self, event) -> None:
        self._apply()
        super().showEvent(event)

    def _apply(self) -> None:
        around = self.parentWidget() or self
        size = around.font().pointSizeF()
        if size <= 0:  # a font set in pixels
            size = around.font().pixelSize() * 0.75
        style = f"font-size: {size * self.factor:.1f}pt; font-weight: {self.weight}; {self.extra_style}"
        if style != self.styleSheet():
            self.setStyleSheet(style)
