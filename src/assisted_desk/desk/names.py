"""How names are compared: folded so "lukasz zolc" finds "Łukasz Żółć", split into words so
given and family names may come in either order, and with one-letter-deleted variants so one
typo is forgiven (symmetric deletion: two words within one edit share a variant).

Scripts without case or accents (Arabic, Gujarati, Chinese...) fold to themselves."""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter plus an accent.
_SPECIAL = str.maketrans({
    "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th",
    "Þ": "th", "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ı": "i", "ħ": "h", "Ħ": "h",
    "ŧ": "t", "Ŧ": "t", "ŀ": "l", "Ŀ": "l",
})
# Apostrophes join a name's parts ("O'Brien"); everything that is not a letter, a combining mark
# or a digit separates words. Marks count as part of a word: Gujarati, Bengali and other Indic
# scripts write their vowels as marks (પટેલ is four characters, two of them marks), and Python's
# \w does not include them.
_JOINERS = re.compile(r"['’‘`´ʼ]")


def _pieces(text: str) -> list[str]:
    pieces, current = [], []
    for ch in text:
        if unicodedata.category(ch)[0] in "LMN":
            current.append(ch)
        elif current:
            pieces.append("".join(current))
            current = []
    if current:
        pieces.append("".join(current))
    return pieces

# Words shorter than this get no typo variants: "al" with one typo matches too much to help.
MIN_TYPO_LENGTH = 4


def fold(text: str) -> str:
    """Lower case, accents removed, special Latin letters spelt plainly; other scripts kept."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_SPECIAL))
    # Combining marks in Indic and Arabic scripts are part of the letter (vowel signs, viramas) and
    # must stay; only the general diacritics block (U+0300-U+036F) is accent decoration.
    stripped = "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f")
    return unicodedata.normalize("NFC", stripped).casefold()


def name_words(*names: str) -> list[str]:
    """The folded words of the given names, each once, in order: "Smith-Jones" gives "smith",
    "jones" and "smithjones"; "O'Brien" gives "obrien"."""
    seen: dict[str, None] = {}
    for name in names:
        folded = _JOINERS.sub("", fold(name))
        for part in folded.split():
            pieces = _pieces(part)
            for piece in pieces:
                seen.setdefault(piece[:100], None)
            if len(pieces) > 1:
                seen.setdefault("".join(pieces)[:100], None)
    return list(seen)


def query_words(text: str) -> list[str]:
    """The folded words someone typed, in order (repeats kept: "anna anna" means two names)."""
    folded = _JOINERS.sub("", fold(text))
    return [piece[:100] for piece in _pieces(folded)]


def deletion_variants(word: str) -> set[str]:
    """The word with each single letter left out; empty for short words."""
    if len(word) < MIN_TYPO_LENGTH:
        return set()
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def typo_keys(word: str) -> set[str]:
    """What to look up in the variant table to find names within one typo of `word`:
    the word itself (a name with one extra letter) and its own variants (a substitution, a
    missing letter or two letters swapped)."""
    if len(word) < MIN_TYPO_LENGTH:
        return set()
    return {word} | deletion_variants(word)


def within_one_edit(typed: str, name: str) -> bool:
    """True when `name` is `typed` with at most one letter added, removed, changed, or two
    neighbouring letters swapped (symmetric deletion over-matches; this confirms)."""
    if typed == name:
        return True
    lt, ln = len(typed), len(name)
    if abs(lt - ln) > 1:
        return False
    if lt == ln:
        diffs = [i for i in range(lt) if typed[i] != name[i]]
        if len(diffs) == 1:
            return True
        return (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                and typed[diffs[0]] == name[diffs[1]] and typed[diffs[1]] == name[diffs[0]])
    short, long_ = (typed, name) if lt < ln else (name, typed)
    for i in range(len(long_)):
        if long_[:i] + long_[i + 1:] == short:
            return True
    return False


def sort_name(given: str, family: str) -> str:
    return f"{fold(family)} {fold(given)}".strip()[:210]
