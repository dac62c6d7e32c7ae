"""Reading what a resident's record says in free text: which language they prefer ("Polish",
"polski", "pl-PL", "العربية" to ISO 639-1) and which accessibility needs are clearly named ("uses a
wheelchair; BSL"). Kept apart from matching because it is vocabulary, not ranking: the partner
editor reads the languages typed for a service with the same table. What is not recognised is
reported as such, never guessed."""

from __future__ import annotations

import re
import unicodedata

from .referral_vocab import Accessibility

# ---- languages: free text ("Polish", "polski", "pl", "العربية") to ISO 639-1 --------------------
# A table rather than a library: the languages most spoken in UK boroughs (2021 census), each
# with its English names and its own names. A language missing here is reported as not
# recognised, never guessed. Cantonese and Mandarin share "zh"; Dari is a Persian ("fa").
LANGUAGES: dict[str, tuple[str, ...]] = {
    "en": ("English",), "pl": ("Polish", "polski"), "ro": ("Romanian", "română", "limba română", "moldovan"),
    "pa": ("Punjabi", "Panjabi", "ਪੰਜਾਬੀ", "پنجابی"), "ur": ("Urdu", "اردو"), "pt": ("Portuguese", "português"),
    "es": ("Spanish", "español", "castellano"), "ar": ("Arabic", "العربية", "عربي"),
    "bn": ("Bengali", "Bangla", "বাংলা", "Sylheti"), "gu": ("Gujarati", "ગુજરાતી"), "it": ("Italian", "italiano"),
    "zh": ("Chinese", "Mandarin", "Cantonese", "中文", "汉语", "漢語", "普通话", "廣東話", "粤语"),
    "lt": ("Lithuanian", "lietuvių"), "fr": ("French", "français"), "ta": ("Tamil", "தமிழ்"),
    "tr": ("Turkish", "türkçe"), "bg": ("Bulgarian", "български"), "so": ("Somali", "Soomaali", "af-Soomaali"),
    "fa": ("Persian", "Farsi", "Dari", "فارسی", "دری"), "ru": ("Russian", "русский"),
    "hu": ("Hungarian", "magyar"), "sq": ("Albanian", "shqip"), "uk": ("Ukrainian", "українська"),
    "ps": ("Pashto", "Pushto", "پښتو"), "ku": ("Kurdish", "Kurdî", "کوردی", "Sorani", "Kurmanji"),
    "ti": ("Tigrinya", "ትግርኛ"), "am": ("Amharic", "አማርኛ"), "el": ("Greek", "ελληνικά"),
    "lv": ("Latvian", "latviešu"), "sk": ("Slovak", "slovenčina"), "cs": ("Czech", "čeština"),
    "de": ("German", "Deutsch"), "hi": ("Hindi", "हिन्दी", "हिंदी"), "ml": ("Malayalam", "മലയാളം"),
    "te": ("Telugu", "తెలుగు"), "ne": ("Nepali", "नेपाली"), "si": ("Sinhala", "Sinhalese", "සිංහල"),
    "vi": ("Vietnamese", "Tiếng Việt"), "tl": ("Tagalog", "Filipino"), "yo": ("Yoruba", "Yorùbá"),
    "ig": ("Igbo",), "tw": ("Twi",), "sw": ("Swahili", "Kiswahili"), "he": ("Hebrew", "עברית"),
    "nl": ("Dutch", "Nederlands"), "cy": ("Welsh", "Cymraeg"), "ga": ("Irish", "Gaeilge"),
    "gd": ("Scottish Gaelic", "Gàidhlig"), "ja": ("Japanese", "日本語"), "ko": ("Korean", "한국어"),
    "th": ("Thai", "ภาษาไทย", "ไทย"), "mr": ("Marathi", "मराठी"), "kn": ("Kannada", "ಕನ್ನಡ"),
    "hr": ("Croatian", "hrvatski"), "sr": ("Serbian", "српски", "srpski"), "bs": ("Bosnian", "bosanski"),
    "et": ("Estonian", "eesti"), "my": ("Burmese", "မြန်မာ"), "ms": ("Malay", "Bahasa Melayu"),
    "id": ("Indonesian", "Bahasa Indonesia"), "ha": ("Hausa",), "om": ("Oromo", "Afaan Oromoo"),
    "ln": ("Lingala",), "sl": ("Slovenian", "slovenščina"), "mk": ("Macedonian", "македонски"),
}
_SIGN_LANGUAGE = re.compile(r"\b(bsl|british sign language|sign language)\b")


def _fold(text: str) -> str:
    """Case- and accent-insensitive form: "Română" and "romana" meet; Arabic vowel marks go too."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").split())


_LANGUAGE_KEYS: dict[str, str] = {}
for _code, _names in LANGUAGES.items():
    for _key in (_code, *_names):
        _LANGUAGE_KEYS.setdefault(_fold(_key), _code)


def language_code(text: str | None) -> str | None:
    """The ISO 639-1 code of a language written freely: "Polish", "polski", "pl", "pl-PL",
    "العربية", "Polish (some English)" (the first language named wins); None when not recognised."""
    folded = _fold(text or "")
    if not folded:
        return None
    if folded in _LANGUAGE_KEYS:
        return _LANGUAGE_KEYS[folded]
    tag = re.match(r"^([a-z]{2})[-_][a-z0-9]+$", folded)  # "pl-PL", "zh_Hant"
    if tag and tag.group(1) in LANGUAGES:
        return tag.group(1)
    for part in re.split(r"[,;/()&+]|\band\b|\bor\b|\bbut\b", folded):
        part = re.sub(r"\b(language|only|mainly|some|a little|little|basic|fluent)\b", " ", part).strip()
        if part and " ".join(part.split()) in _LANGUAGE_KEYS:
            return _LANGUAGE_KEYS[" ".join(part.split())]
    return None


def language_name(code: str) -> str:
    return LANGUAGES.get(code, (code,))[0]


def mentions_sign_language(text: str) -> bool:
    """Whether a preferred language written freely names sign language ("BSL"): that is an
    accessibility need, not a language to match services on."""
    return bool(_SIGN_LANGUAGE.search(text.casefold()))



# ---- accessibility needs: free text to Accessibility, only where the words are clear -------------
_ACCESS_WORDS: tuple[tuple[Accessibility, re.Pattern[str]], ...] = (
    (Accessibility.WHEELCHAIR, re.compile(r"wheel ?chair|step[- ]free|mobility scooter")),
    (Accessibility.HEARING_LOOP, re.compile(r"hearing (loop|aid)|induction loop|hard of hearing")),
    (Accessibility.BSL, re.compile(r"\bbsl\b|sign language")),
    (Accessibility.LARGE_PRINT, re.compile(r"large print|partially sighted|low vision|visual(ly)? impair")),
    (Accessibility.SCREEN_READER, re.compile(r"screen[- ]?reader|(?<!colour )(?<!color )\bblind\b|\bjaws\b|\bnvda\b")),
    (Accessibility.QUIET_SPACE, re.compile(r"quiet (space|room|place)|\bautis|sensory")),
)


def accessibility_from_text(text: str | None) -> tuple[Accessibility, ...]:
    """Accessibility values clearly named in free text ("uses a wheelchair; BSL"), in the
    vocabulary's order; words that are not clear ("deaf" alone) give nothing."""
    folded = (text or "").casefold()
    return tuple(value for value, words in _ACCESS_WORDS if words.search(folded))
