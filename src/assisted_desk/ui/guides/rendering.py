"""Rendering a guide for the preview and saving the rendered PDF; both run off the GUI thread.

The preview shows the very PDF that is printed or saved: pages are drawn from it with QtPdf
(the same PDF engine Chrome uses), so what staff see is what the resident takes home."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtPdf import QPdfDocument

from ...core.errors import DeskError
from ...printing.guide_pdf import RenderProblem, render_guide
from ...printing.guides import Guide
from ...printing.layout import PrintFormat
from ...printing.personal import PersonalHeader


class OutputProblem(DeskError):
    """A PDF could not be written, read or printed; says what happened and where the file is."""


@dataclass(frozen=True)
class RenderedGuide:
    """One guide rendered in one format: the PDF on disk and its pages as images."""

    guide: Guide
    fmt: PrintFormat
    pdf: Path
    pages: int
    images: tuple[QImage, ...]
    resident_id: int | None = None  # printed for this resident, with their personal header
    next_steps: str = ""  # what happens next, as printed in that header
    header: PersonalHeader | None = None


def page_images(pdf: Path, width_px: int) -> tuple[QImage, ...]:
    """Every page of a PDF drawn `width_px` wide (height by the page's own proportions). Safe on a
    worker thread: QPdfDocument serialises its PDF engine itself, and QImage needs no GUI thread."""
    document = QPdfDocument()
    try:
        error = document.load(str(pdf))
        if error != QPdfDocument.Error.None_:
            raise OutputProblem(f"Cannot show the preview: the PDF {pdf} could not be read ({error.name}).")
        images = []
        for page in range(document.pageCount()):
            size = document.pagePointSize(page)
            height = round(width_px * size.height() / size.width())
            image = document.render(page, QSize(width_px, height))
            if image.isNull():
                raise OutputProblem(f"Cannot show page {page + 1} of the preview of {pdf}.")
            images.append(image)
        return tuple(images)
    finally:
        document.close()


def render_for_preview(guide: Guide, fmt: PrintFormat, folder: Path, width_px: int, *,
                       header: PersonalHeader | None = None, resident_id: int | None = None,
                       next_steps: str = "") -> RenderedGuide:
    """Render `guide` to a new PDF in `folder` (under `header` when it is printed for a resident)
    and draw its pages; OutputProblem when it cannot."""
    handle, name = tempfile.mkstemp(prefix=f"{guide.slug}-{guide.language}-{fmt.value}-", suffix=".pdf",
                                    dir=folder)
    os.close(handle)
    try:
        result = render_guide(guide, fmt, Path(name), header=header)
    except RenderProblem as exc:
        raise OutputProblem(str(exc)) from exc
    images = page_images(Path(name), width_px)
    return RenderedGuide(guide, fmt, Path(name), result.pages, images, resident_id, next_steps, header)


def copy_pdf(source: Path, target: Path) -> Path:
    """Write a copy of `source` at `target` whole or not at all (a temporary file beside it,
    then renamed). OutputProblem says why when the folder is missing or cannot be written."""
    target = Path(target)
    folder = target.parent
    if not folder.is_dir():
        raise OutputProblem(f"Cannot save the PDF: the folder {folder} does not exist. Choose another folder.")
    try:
        data = Path(source).read_bytes()
    except OSError as exc:
        raise OutputProblem(f"Cannot read the rendered PDF {source}: {exc.strerror or exc}. "
                            "Preview the guide again.") from exc
    try:
        handle, temp = tempfile.mkstemp(prefix=".guide-", suffix=".pdf", dir=folder)
    except OSError as exc:
        raise OutputProblem(f"Cannot save the PDF in {folder}: {exc.strerror or exc}. "
                            "Choose a folder you can write to, such as Documents.") from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temp, target)
    except OSError as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise OutputProblem(f"Cannot save the PDF as {target}: {exc.strerror or exc}. "
                            "Choose another name or folder.") from exc
    return target
