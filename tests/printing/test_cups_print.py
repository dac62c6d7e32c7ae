"""Printing a guide through a real CUPS queue: a private cupsd (tests/printing/cups.py) with the
cups-pdf virtual printer, reached by `lp` as the Guides area runs it (send_with_lp). The file the
queue produced is read back. Skips where CUPS or cups-pdf is missing, unless
ASSISTED_DESK_REQUIRE_CUPS=1 (CI) says this machine must have them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from assisted_desk.printing.guide_pdf import render_guide
from assisted_desk.printing.guides import GuideLibrary
from assisted_desk.printing.layout import PrintFormat
from assisted_desk.ui.guides.printer import send_with_lp
from assisted_desk.ui.guides.rendering import OutputProblem
from tests.printing.cups import PrivateCups, unavailable_reason
from tests.printing.pdfcheck import squash

REQUIRED = os.environ.get("ASSISTED_DESK_REQUIRE_CUPS") == "1"


@pytest.fixture(scope="session")
def private_cups():
    """One private cupsd with a cups-pdf queue per test session (per xdist worker)."""
    reason = unavailable_reason()
    if reason is not None:
        if REQUIRED:
            pytest.fail(f"{reason} (ASSISTED_DESK_REQUIRE_CUPS=1 says this machine must have it)")
        pytest.skip(reason)
    server = PrivateCups.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def bins(tmp_path_factory):
    """The "bins" guide and its rendered PDF, made once for the module (fonts load slowly)."""
    guide = GuideLibrary().get("bins")
    return guide, render_guide(guide, PrintFormat.STANDARD, tmp_path_factory.mktemp("cups") / "bins.pdf")


@pytest.fixture
def cups(private_cups, monkeypatch):
    """The private server, with `lp` pointed at it for this test only."""
    monkeypatch.setenv("CUPS_SERVER", str(private_cups.socket))
    return private_cups


def _title_text(pdf: Path) -> str:
    return squash("".join(page.extract_text() for page in PdfReader(pdf).pages))


def test_a_guide_printed_through_cups_pdf_comes_out_whole(cups, bins):
    guide, original = bins
    assert original.pages >= 1

    said = send_with_lp(original.path, cups.queue, f"{guide.title} (Łukasz, محمد, પ્રિયા)", timeout=60)

    assert said.startswith(f"request id is {cups.queue}-"), said
    produced = cups.wait_for_pdf(said, timeout=60)
    assert produced.parent == cups.out_dir  # the private Out directory, nobody's home
    printed = PdfReader(produced)
    assert len(printed.pages) == len(PdfReader(original.path).pages) == original.pages
    assert squash(guide.title) in _title_text(produced)
    assert squash(guide.steps[0].text)[:40] in _title_text(produced)


def test_printing_to_a_queue_that_does_not_exist_is_refused_plainly(cups, bins):
    _, original = bins

    with pytest.raises(OutputProblem) as refused:
        send_with_lp(original.path, "No-Such-Printer", "Report a missed bin", timeout=30)

    message = str(refused.value)
    assert message.startswith("The printer No-Such-Printer refused the guide: "), message
    assert "does not exist" in message, message
    assert "\n" not in message
    assert not cups.jobs_not_completed()
