"""Hostile strings for the hostile-input tests: the Big List of Naughty Strings (tests/data/blns.json,
MIT, see tests/data/README.md) plus our own extras that matter at a desk."""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from pathlib import Path

from hypothesis import strategies as st

from assisted_desk.core.errors import ValidationError

DATA = Path(__file__).resolve().parent.parent / "data"

# Names staff really type, and the tricks that break naive code around them.
NAMES = ("Łukasz", "Ștefan", "محمد", "પ્રિયા", "Żółć", "O'Brien", "Smith-Jones", "José", "Nguyễn", "Zoë")
NFC_E = "\u00e9"  # é, one code point
NFD_E = "e\u0301"  # e + combining acute: the same letter, decomposed
RLO = "\u202e"  # right-to-left override: "abc\u202etxt.exe" shows as "abcexe.txt"
ZWJ = "\u200d"
ZWNJ = "\u200c"
LONG = "Ab" * 5_001  # 10,002 characters
FORMULAS = ("=cmd|' /C calc'!A0", "+SUM(1)", "-1+1", "@SUM", "\t=1", "=1+1", "=HYPERLINK(\"http://x\")")
# Control characters a field must refuse (tab and newline are allowed in free text).
C0_CONTROLS = tuple(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + ("\x7f",)
LONE_SURROGATES = ("\ud800", "abc\udfffdef", "\udbff")

EXTRAS = (
    *NAMES,
    f"Ren{NFC_E}e", f"Ren{NFD_E}e",
    f"Anna{RLO}kawoN", f"evil{RLO}fdp.exe",
    f"\u0645\u062d\u0645\u062f{ZWJ}", f"\u0645\u06cc{ZWNJ}\u062e\u0648\u0627\u0647\u0645",
    "👩‍👩‍👧‍👦 family", "🏳️‍🌈", "\ufeffBOM first", "non\u00a0breaking", "\u2028line\u2029para",
    "'; DROP TABLE resident; --", "Robert'); DROP TABLE students;--", "1 OR 1=1", "% _ \\ %%",
    "<script>alert(1)</script>", "<b>bold</b> &amp; <i>", "]]><![CDATA[", "{{7*7}} ${7*7} %s %n",
    *FORMULAS,
    "tab\there", "line\nbreak", "A" * 120, "Ł" * 101, LONG,
)


@lru_cache(maxsize=1)
def blns() -> tuple[str, ...]:
    return tuple(json.loads((DATA / "blns.json").read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def all_strings() -> tuple[str, ...]:
    """BLNS, our extras, every C0 control inside a word, and the lone surrogates."""
    controls = tuple(f"ab{c}cd" for c in C0_CONTROLS)
    return tuple(dict.fromkeys((*blns(), *EXTRAS, *controls, *LONE_SURROGATES)))


def has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def has_forbidden_control(text: str) -> bool:
    """C0 controls other than tab and newline, and DEL: free text refuses them."""
    return any((ord(ch) < 0x20 and ch not in "\t\n") or ch == "\x7f" for ch in text)


def documented_clean(text: str) -> str:
    """What core.validation.clean_text promises to store: trimmed and NFC-normalised."""
    return unicodedata.normalize("NFC", text.strip())


def chunks(items, size: int):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


# Hypothesis: any text (surrogates and controls included), weighted towards the hostile ones.
hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(EXTRAS + LONE_SURROGATES + tuple(f"x{c}y" for c in C0_CONTROLS)),
    st.text(alphabet=st.characters(exclude_categories=()), max_size=20),  # surrogates too,
)


def storable(text: str) -> bool:
    return not has_surrogate(text) and not has_forbidden_control(documented_clean(text))


def crlf(text: str) -> str:
    """The documented cleaning of multi-line notes: Windows line ends become one line break."""
    return text.replace("\r\n", "\n")


def any_line_end(text: str) -> str:
    """Notes that also take a lone carriage return (old Mac line ends) as a line break."""
    return crlf(text).replace("\r", "\n")


def feed(save, read, *, field: str, max_length: int, strings=None, joiner: str = "\n",
         convert=lambda text: text) -> int:
    """Put every hostile string through one text field of a service. Text that cannot be stored
    (controls, lone surrogates) or is too long must be refused with a ValidationError naming
    `field`; the rest goes in joined batches (one write per batch, to stay fast) that must read
    back exactly as documented_clean left them. `save(text)` writes and returns a handle that
    `read(handle)` turns into the stored text; `convert` is the field's documented line-end
    cleaning, if any. Returns how many writes were made."""
    batch: list[str] = []
    writes = 0

    def flush() -> None:
        nonlocal writes
        if not batch:
            return
        text = joiner.join(batch)
        handle = save(text)
        assert read(handle) == documented_clean(convert(text)), (field, batch)
        writes += 1
        batch.clear()

    for text in strings if strings is not None else all_strings():
        if not storable(convert(text)) or len(documented_clean(convert(text))) > max_length:
            try:
                save(text)
            except ValidationError as refused:
                assert refused.field == field, (field, text, refused.field, str(refused))
                continue
            raise AssertionError(f"{field} kept {text!r}")
        if len(documented_clean(convert(joiner.join([*batch, text])))) > max_length:
            flush()
        batch.append(text)
    flush()
    return writes
