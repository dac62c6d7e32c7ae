"""The fonts every printed document uses, registered once, and the choice of font per script.

ReportLab's standard-14 fonts cannot draw Ł, Ș, Greek, Cyrillic, Arabic or Indian scripts, so
every document uses only the TrueType fonts shipped in resources/fonts (Noto, OFL 1.1). They are
registered as shapable: ReportLab sends their text through HarfBuzz (uharfbuzz), which joins
Arabic letters and orders Indic vowel signs and conjuncts.
"""

from __future__ import annotations

import enum
import unicodedata
import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from assisted_desk.core.paths import resources_dir


class Script(enum.Enum):
    """A writing system we ship a font for. LATIN also covers Greek, Cyrillic and common signs."""

    LATIN = "latin"
    ARABIC = "arabic"
    DEVANAGARI = "devanagari"
    BENGALI = "bengali"
    GURMUKHI = "gurmukhi"
    GUJARATI = "gujarati"
    TAMIL = "tamil"


# Noto family file stem per script; each has -Regular and -Bold.
_FAMILY: dict[Script, str] = {
    Script.LATIN: "NotoSans",
    Script.ARABIC: "NotoSansArabic",
    Script.DEVANAGARI: "NotoSansDevanagari",
    Script.BENGALI: "NotoSansBengali",
    Script.GURMUKHI: "NotoSansGurmukhi",
    Script.GUJARATI: "NotoSansGujarati",
    Script.TAMIL: "NotoSansTamil",
}

# Unicode blocks of each non-Latin script (the Indic blocks are consecutive 128-code-point blocks).
_RANGES: tuple[tuple[int, int, Script], ...] = (
    (0x0600, 0x06FF, Script.ARABIC),
    (0x0750, 0x077F, Script.ARABIC),
    (0x08A0, 0x08FF, Script.ARABIC),
    (0xFB50, 0xFDFF, Script.ARABIC),
    (0xFE70, 0xFEFF, Script.ARABIC),
    (0x0900, 0x097F, Script.DEVANAGARI),
    (0xA8E0, 0xA8FF, Script.DEVANAGARI),
    (0x0980, 0x09FF, Script.BENGALI),
    (0x0A00, 0x0A7F, Script.GURMUKHI),
    (0x0A80, 0x0AFF, Script.GUJARATI),
    (0x0B80, 0x0BFF, Script.TAMIL),
)

# Characters that belong to whatever script surrounds them (spaces, digits, punctuation,
# joiners, the danda shared by Indic scripts).
_NEUTRAL_CATEGORIES = frozenset({"Zs", "Nd", "Po", "Ps", "Pe", "Pd", "Pi", "Pf", "Sm", "Sc", "Sk", "So", "Cf"})


def script_of(char: str) -> Script | None:
    """The script a character needs a font for; None for neutral characters (space, digits,
    punctuation) that take the script of their neighbours."""

    code = ord(char)
    for low, high, script in _RANGES:
        if low <= code <= high:
            if script is Script.DEVANAGARI and code in (0x0964, 0x0965):
                return None  # danda and double danda are shared by all Indic scripts
            return script
    if unicodedata.category(char) in _NEUTRAL_CATEGORIES or char in "\u200c\u200d":
        return None
    return Script.LATIN


@dataclass(frozen=True)
class FontChoice:
    """The registered ReportLab font names for one script."""

    regular: str
    bold: str


class FontProblem(Exception):
    """A shipped font file is missing or unreadable: the installation is broken."""


_lock = threading.Lock()
_registered: dict[Script, FontChoice] = {}


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def register_fonts() -> dict[Script, FontChoice]:
    """Register every shipped font with ReportLab (once per process; safe from several threads)
    and return the font names per script. Raises FontProblem when a font file is missing."""
    if _registered:
        return _registered
    with _lock:
        if _registered:
            return _registered
        folder = fonts_dir()
        chosen: dict[Script, FontChoice] = {}
        for script, family in _FAMILY.items():
            names = []
            for weight in ("Regular", "Bold"):
                path = folder / f"{family}-{weight}.ttf"
                name = f"AD-{family}-{weight}"
                # Not getFont(): for a name it does not know, ReportLab first searches every AFM
                # file on its path (hundreds where ghostscript's fonts are installed): seconds.
                if name not in pdfmetrics.getRegisteredFontNames():
                    if not path.is_file():
                        raise FontProblem(f"The font file {path} is missing; reinstall Assisted Desk.")
                    try:
                        pdfmetrics.registerFont(TTFont(name, str(path), shapable=True))
                    except Exception as exc:  # ReportLab raises TTFError or plain errors
                        raise FontProblem(f"The font file {path} cannot be read: {exc}") from exc
                names.append(name)
            chosen[script] = FontChoice(regular=names[0], bold=names[1])
        _registered.update(chosen)
    return _registered


def font_for(script: Script | None, *, bold: bool = False) -> str:
    """The registered font name for a script (LATIN for None)."""
    choice = register_fonts()[script or Script.LATIN]
    return choice.bold if bold else choice.regular


def all_font_names() -> tuple[str, ...]:
    """Every registered font name (for checks that a document used nothing else)."""
    return tuple(n for c in register_fonts().values() for n in (c.regular, c.bold))


def font_covers(font_name: str, char: str) -> bool:
    """Whether a registered TrueType font has a glyph for a character."""
    face = pdfmetrics.getFont(font_name).face
    return ord(char) in face.charToGlyph


def fallback_font(char: str, *, bold: bool = False) -> str:
    """The first shipped font that has a glyph for the character: its own script's font, then
    Noto Sans, then any other; Noto Sans when none does (the PDF then shows its empty box)."""
    script = script_of(char)
    order = [script or Script.LATIN] + [s for s in Script if s is not (script or Script.LATIN)]
    for candidate in order:
        name = font_for(candidate, bold=bold)
        if font_covers(name, char):
            return name
    return font_for(Script.LATIN, bold=bold)
