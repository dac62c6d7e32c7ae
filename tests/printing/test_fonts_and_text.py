"""Fonts per script, the bidirectional order, shaping, and line breaking; and a small document of
names in many scripts read back from the PDF (text layer and fonts)."""

from __future__ import annotations

import unicodedata

import pytest

from assisted_desk.printing import fonts
from assisted_desk.printing.fonts import Script, font_for, register_fonts, script_of
from assisted_desk.printing.layout import PrintFormat, TextBlock, new_document, page_style
from assisted_desk.printing.text import (bidi_levels, break_lines, clean, fonts_per_char, is_rtl, shape,
                                         visual_order)
from tests.printing.pdfcheck import fonts_used, pdftotext

NAMES = {
    "Łukasz Kowalski": Script.LATIN,
    "Ștefan Popescu": Script.LATIN,
    "Ελένη Παπαδοπούλου": Script.LATIN,
    "Дмитрий Иванов": Script.LATIN,
    "محمد علي": Script.ARABIC,
    "પ્રિયા પટેલ": Script.GUJARATI,
    "प्रिया शर्मा": Script.DEVANAGARI,
    "তানিয়া রহমান": Script.BENGALI,
    "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ": Script.GURMUKHI,
    "தமிழ்செல்வி": Script.TAMIL,
}


def test_every_shipped_font_registers_once_with_its_licence_beside_it():
    first = register_fonts()
    assert register_fonts() is first
    assert set(first) == set(Script)
    folder = fonts.fonts_dir()
    assert (folder / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE Version 1.1") == 1
    assert "fonts-noto-core" in (folder / "SOURCES.md").read_text()
    for script in Script:
        for bold in (False, True):
            assert font_for(script, bold=bold).startswith("AD-Noto")


def test_a_missing_font_file_is_reported_plainly(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "_registered", {})
    monkeypatch.setattr(fonts, "fonts_dir", lambda: tmp_path)
    monkeypatch.setattr(fonts.pdfmetrics, "getRegisteredFontNames", lambda: [])  # as in a new process
    with pytest.raises(fonts.FontProblem, match="NotoSans-Regular.ttf is missing"):
        fonts.register_fonts()


@pytest.mark.parametrize("name,script", NAMES.items())
def test_each_name_gets_its_scripts_font(name, script):
    assert {script_of(c) for c in name} - {None} == {script}
    assert set(fonts_per_char(name)) == {font_for(script)}


def test_neutral_characters_take_a_neighbours_font_and_missing_glyphs_fall_back():
    text = "Flat 3, محمد (12)"
    chosen = fonts_per_char(text)
    arabic = font_for(Script.ARABIC)
    assert chosen[text.index("م")] == arabic and chosen[0] == font_for(Script.LATIN)
    assert chosen[text.index(",")] == font_for(Script.LATIN)
    # A Devanagari danda in Gujarati text stays with the Gujarati font when it has the glyph,
    # and an Arabic comma in Latin text goes to the font that has it.
    assert fonts_per_char("a،b")[1] == arabic


def test_clean_normalises_and_drops_bidi_controls():
    assert clean("S\u0326tefan \u202bab\u202c\t  c\n") == "Ștefan ab c"
    assert clean("   ") == ""


def test_bidi_levels_follow_uax9_for_mixed_lines():
    assert is_rtl("محمد Ali") and not is_rtl("Ali محمد") and not is_rtl("123")
    text = "Ali محمد 12 x"
    levels = bidi_levels(text, 0)
    assert levels[:4] == [0, 0, 0, 0]
    assert levels[4:8] == [1, 1, 1, 1]
    assert levels[9:11] == [2, 2]  # digits after Arabic letters are Arabic numbers
    assert levels[-1] == 0
    rtl = "الرقم 12345 (Flat 3)"
    levels = bidi_levels(rtl, 1)
    assert levels[rtl.index("1")] == 2 and levels[rtl.index("F")] == 2 and levels[0] == 1
    assert visual_order([0, 1, 1, 0]) == [0, 2, 1, 3]
    assert visual_order([1, 2, 1]) == [2, 1, 0]
    assert visual_order([]) == []


def test_arabic_is_joined_right_to_left_without_decorative_ligatures():
    glyphs, width = shape("محمد", font_for(Script.ARABIC), 12, True)
    assert len(glyphs) == 4 and width > 0
    assert "\ufdf4" not in glyphs  # the dlig "Muhammad" ligature would hide how the name is written
    # Joining forms, in drawing order (last letter leftmost): final dal ... initial meem.
    assert unicodedata.normalize("NFKC", glyphs)[::-1] == "محمد"
    assert glyphs != "محمد"


def test_indic_conjuncts_are_shaped_and_latin_is_left_alone():
    glyphs, _ = shape("प्रिया", font_for(Script.DEVANAGARI), 12, False)
    assert len(glyphs) < len("प्रिया")  # pra conjunct + reordered i-sign
    assert shape("Łukasz", font_for(Script.LATIN), 12, False)[0] == "Łukasz"


def test_right_to_left_neutrals_are_reversed_and_mirrored():
    assert shape("(a", font_for(Script.LATIN), 12, True)[0] == "a)"


@pytest.mark.parametrize("text", [
    "Go to https://www.example-council.gov.uk/council-tax/pay-online-with-a-very-long-address-that-does-not-fit",
    "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3,
    "محمد " * 30,
    "प्रिया शर्मा " * 20,
])
def test_no_line_is_wider_than_the_space_it_has(text):
    lines, _ = break_lines(text, 14, 150)
    assert len(lines) > 1
    assert all(line.width <= 150 + 0.01 for line in lines)
    assert "".join(line.text for line in lines).replace(" ", "") == clean(text).replace(" ", "")


def test_an_empty_paragraph_has_no_lines():
    assert break_lines("  ", 12, 100) == ((), False)


@pytest.fixture(scope="module")
def names_pdf(tmp_path_factory):
    path = tmp_path_factory.mktemp("names") / "names.pdf"
    doc = new_document(str(path), page_style(PrintFormat.STANDARD), title="Names", language="en")
    doc.build([TextBlock(f"{name}", 14, 20, bold=index % 2 == 1) for index, name in enumerate(NAMES)])
    return path


def test_names_in_many_scripts_read_back_with_embedded_fonts(names_pdf):
    from pypdf import PdfReader

    reader = PdfReader(names_pdf)
    used = fonts_used(reader)
    assert used and all(used.values()), used  # every font embedded (FontFile2)
    assert not [f for f in used if f.split("+")[-1].startswith(("Helvetica", "Times", "Courier"))]
    families = {name.split("+")[-1].split("-")[0] for name in used}
    assert {"NotoSans", "NotoSansArabic", "NotoSansGujarati", "NotoSansDevanagari", "NotoSansBengali",
            "NotoSansGurmukhi", "NotoSansTamil"} <= families
    layer = reader.pages[0].extract_text()
    for name in ("Łukasz Kowalski", "Ștefan Popescu", "Ελένη Παπαδοπούλου", "Дмитрий Иванов"):
        assert name in layer
    # pypdf reads Arabic presentation forms in logical order; NFKC gives back the letters typed.
    assert "محمد علي" in unicodedata.normalize("NFKC", layer)
    # Shaped Indic glyphs carry their typed text as /ActualText, which poppler reads.
    poppler = pdftotext(names_pdf)
    for name in ("પ્રિયા પટેલ", "प्रिया शर्मा", "তানিয়া রহমান", "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ", "தமிழ்செல்வி", "Łukasz Kowalski"):
        assert name in poppler
