"""Every shipped guide rendered in every format and read back: pages, title and steps as text,
only embedded fonts, the QR code decoding to the guide's address; nothing past the margins."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from assisted_desk.core.paths import resources_dir
from assisted_desk.printing.guide_pdf import RenderProblem, easy_read_steps, render_guide
from assisted_desk.printing.guides import Guide, GuideLibrary, Step
from assisted_desk.printing.layout import PrintFormat, page_style
from tests.printing.pdfcheck import fonts_used, page_png, page_texts, pdftotext, squash

LIBRARY = GuideLibrary()
GUIDES = LIBRARY.all()
PICTURE = next((resources_dir() / "guides" / "pictures").glob("*.png"))


def _test_guide(**changes) -> Guide:
    guide = Guide(
        slug="test-guide", language="en", title="Change your address with Łukasz, Ștefan and محمد",
        for_whom="Anyone who has moved home, including Ελένη, Дмитрий, પ્રિયા and प्रिया.",
        before_you_start=("Your new postcode.", "A very long address: " + "https://www.example-council.gov.uk/"
                          "residents/council-tax/moving-home/tell-us-you-are-moving-out-or-in?ref=desk-print"),
        steps=tuple(Step(f"Step {n} text. Then a second sentence about step {n}.",
                         PICTURE if n == 2 else None, "The button" if n == 2 else "") for n in range(1, 9)),
        if_it_goes_wrong=("Ask at the desk.",), where_to_get_help=("Any library desk.",),
        service_url="https://www.example-council.gov.uk/moving", short_url="example-council.gov.uk/moving",
        keywords=("move",), source_file=Path("test-guide.en.yaml"))
    return replace(guide, **changes)


def test_the_library_ships_the_guides_the_issue_asks_for():
    assert len(GUIDES) >= 12


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Every shipped guide in every format, rendered once for the module."""
    folder = tmp_path_factory.mktemp("guides")
    out = {}
    for guide in GUIDES:
        for fmt in PrintFormat:
            path = folder / f"{guide.slug}.{fmt.value}.pdf"
            out[(guide.slug, fmt)] = (guide, render_guide(guide, fmt, path))
    return out


@pytest.mark.parametrize("fmt", list(PrintFormat), ids=lambda f: f.value)
def test_every_guide_reads_back_with_title_steps_and_embedded_fonts(rendered, fmt):
    for guide in GUIDES:
        _, result = rendered[(guide.slug, fmt)]
        reader = PdfReader(result.path)
        assert len(reader.pages) == result.pages >= 1
        assert reader.metadata.title == guide.title
        texts = page_texts(reader)
        assert squash(guide.title) in squash(texts[0])
        whole = squash("".join(texts))
        steps = easy_read_steps(guide) if fmt is PrintFormat.EASY_READ else guide.steps
        for step in steps:
            assert squash(step.text) in whole, (guide.slug, fmt, step.text)
        for item in guide.before_you_start + guide.if_it_goes_wrong + guide.where_to_get_help:
            assert squash(item) in whole
        used = fonts_used(reader)
        assert used and all(used.values()), (guide.slug, used)
        assert not any(name.split("+")[-1].startswith(("Helvetica", "Times", "Courier", "Symbol", "Zapf"))
                       for name in used)
        if guide.service_url:
            assert squash(guide.short_url or guide.service_url) in whole


def test_large_print_is_at_least_16_point_and_takes_more_pages(rendered):
    assert page_style(PrintFormat.LARGE_PRINT).body_size >= 16
    for guide in GUIDES:
        standard = rendered[(guide.slug, PrintFormat.STANDARD)][1].pages
        assert rendered[(guide.slug, PrintFormat.LARGE_PRINT)][1].pages > standard
        reader = PdfReader(rendered[(guide.slug, PrintFormat.LARGE_PRINT)][1].path)
        sizes = {float(s) for s in re.findall(rb"([\d.]+) Tf", reader.pages[0].get_contents().get_data())}
        assert min(sizes - {13.5}) >= 16  # 13.5: the page number


def test_qr_codes_decode_to_each_guides_address(rendered, tmp_path):
    online = [g for g in GUIDES if g.service_url]
    assert online
    cases = [(g, PrintFormat.STANDARD) for g in online] + [(online[0], f) for f in PrintFormat
                                                          if f is not PrintFormat.STANDARD]
    for guide, fmt in cases:
        result = rendered[(guide.slug, fmt)][1]
        # 100 dpi is coarser than a phone camera sees a printed page; it keeps the test quick.
        png = page_png(result.path, result.pages, tmp_path / f"{guide.slug}-{fmt.value}", dpi=100)
        decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(png))]
        assert decoded == [guide.service_url], (guide.slug, fmt, decoded)


@pytest.mark.parametrize("fmt", list(PrintFormat), ids=lambda f: f.value)
def test_no_word_runs_past_the_margins(tmp_path, fmt):
    guide = _test_guide()
    result = render_guide(guide, fmt, tmp_path / "g.pdf")
    style = page_style(fmt)
    page_w = style.page_size[0]
    boxes = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', pdftotext(result.path, "-bbox"))
    assert len(boxes) > 20  # one box per line: each line carries its text as /ActualText
    for x_min, x_max in boxes:
        assert float(x_min) >= style.margin - 1 and float(x_max) <= page_w - style.margin + 1
    text = pdftotext(result.path)  # poppler reads Indic /ActualText as typed
    for name in ("Łukasz", "Ștefan", "Ελένη", "Дмитрий", "પ્રિયા", "प्रिया"):
        assert name in text
    # poppler turns right-to-left /ActualText around again; pypdf reads the joined forms in order.
    assert "محمد" in unicodedata.normalize("NFKC", PdfReader(result.path).pages[0].extract_text())


def test_easy_read_uses_the_guides_own_steps_or_one_sentence_per_step(tmp_path):
    guide = _test_guide()
    split = easy_read_steps(guide)
    assert len(split) == 16 and split[0].text == "Step 1 text." and split[2].picture == PICTURE
    own = _test_guide(easy_read_steps=(Step("Open the page."), Step("Tap Move.")))
    assert easy_read_steps(own) == own.easy_read_steps
    texts = page_texts(PdfReader(render_guide(own, PrintFormat.EASY_READ, tmp_path / "e.pdf").path))
    assert "Tap Move." in "".join(texts) and "Step 1 text" not in "".join(texts)


def test_a_guide_without_an_online_service_has_no_qr_and_a_translation_its_own_headings(tmp_path):
    guide = _test_guide(service_url="", short_url="", language="pl", title="Zmiana adresu")
    buffer = io.BytesIO()
    result = render_guide(guide, PrintFormat.STANDARD, buffer)
    assert result.path is None and buffer.getvalue().startswith(b"%PDF")
    text = "".join(page_texts(PdfReader(buffer)))
    assert "Zanim zaczniesz" in text and "Before you start" not in text
    assert "example-council.gov.uk/moving" not in text
    png = Image.open(io.BytesIO(_png_of(buffer.getvalue(), tmp_path)))
    assert zxingcpp.read_barcodes(png) == []


def _png_of(pdf: bytes, tmp_path: Path) -> bytes:
    path = tmp_path / "noqr.pdf"
    path.write_bytes(pdf)
    return page_png(path, len(PdfReader(path).pages), tmp_path / "noqr", dpi=100).read_bytes()


def test_an_unwritable_target_is_refused_plainly_and_leaves_nothing(tmp_path):
    guide = _test_guide()
    with pytest.raises(RenderProblem, match="does not exist"):
        render_guide(guide, PrintFormat.STANDARD, tmp_path / "missing" / "g.pdf")
    (tmp_path / "taken").mkdir()
    with pytest.raises(RenderProblem, match="Is a directory"):
        render_guide(guide, PrintFormat.STANDARD, tmp_path / "taken")
    assert list(tmp_path.glob(".guide-*")) == []


def test_format_names_as_typed():
    assert PrintFormat.from_name("Large print") is PrintFormat.LARGE_PRINT
    assert PrintFormat.from_name("easy_read") is PrintFormat.EASY_READ
    with pytest.raises(ValueError, match="standard, large-print, easy-read"):
        PrintFormat.from_name("tiny")
