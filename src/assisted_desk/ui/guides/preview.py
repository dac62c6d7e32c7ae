"""The preview: a rendered guide's pages as images, one under the other, scrolled by keyboard."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

PREVIEW_WIDTH = 900  # logical pixels: the widest a page is drawn; narrower when there is less room
MIN_PREVIEW_WIDTH = 360


class PagesView(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Preview pages"))
        self.setWidgetResizable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrows and Page Down scroll it
        self.pages = QWidget()
        self.pages.setObjectName("guidePages")
        self.pages_layout = QVBoxLayout(self.pages)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.pages_layout.setSpacing(12)
        self.page_labels: list[QLabel] = []
        self.setWidget(self.pages)

    def page_width(self) -> int:
        """Pages as wide as there is room for (no sideways scrolling), larger on a large-text desk."""
        margins = self.pages_layout.contentsMargins()
        room = self.viewport().width() - margins.left() - margins.right() - 4  # the page's border
        room -= self.verticalScrollBar().sizeHint().width()  # long guides bring one
        widest = PREVIEW_WIDTH * max(1.0, self.font().pointSizeF() / 11)
        return round(max(MIN_PREVIEW_WIDTH, min(widest, room)))

    def show_pages(self, images: tuple[QImage, ...]) -> None:
        for label in self.page_labels:
            self.pages_layout.removeWidget(label)
            label.deleteLater()
        self.page_labels = []
        ratio = self.devicePixelRatioF()
        for number, image in enumerate(images, 1):
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(ratio)
            label = QLabel()
            label.setObjectName("guidePage")
            label.setPixmap(pixmap)
            label.setAccessibleName(self.tr("Page {0} of {1}").format(number, len(images)))
            label.setStyleSheet("border: 1px solid #888; background: white;")
            self.pages_layout.addWidget(label)
            self.page_labels.append(label)
        self.verticalScrollBar().setValue(0)
