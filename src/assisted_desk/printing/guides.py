"""The guide library: step-by-step guides for residents, kept as YAML files in resources/guides/.

Coordinators add and correct guides without touching code (the format is in
resources/guides/README.md). One file is one guide in one language: `pay-council-tax.en.yaml` and
its Polish translation `pay-council-tax.pl.yaml` sit side by side and share the slug. A file that
cannot be used is reported with its name, the line, and what to change (`GuideError`).

The YAML is read as a node tree, never turned into Python values by PyYAML's own rules: a step
that says "No" stays the word "No", `language: no` stays Norwegian, and a step with a stray
": " in it is reported as such instead of silently becoming a mapping."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from ..core.errors import FileProblem, NotFound
from ..core.paths import resources_dir
from ..inclusion.needs_text import LANGUAGES, language_code

GUIDES_DIR = "guides"
PICTURES_DIR = "pictures"
ENGLISH = "en"
# Council addresses in the shipped guides use this domain; GuideLibrary(council_domain=...)
# puts the council's own in its place (see resources/guides/README.md).
PLACEHOLDER_DOMAIN = "example-council.gov.uk"

# Lengths that still print well in large print and read easily aloud at the desk.
MAX_TITLE = 80
MAX_FOR_WHOM = 250
MAX_ITEM = 300  # a "before you start", "if it goes wrong" or "where to get help" line
MAX_STEP = 300
MAX_EASY_STEP = 120  # easy read: one short idea per step
MAX_ALT = 200
MAX_STEPS = 25
MAX_KEYWORD = 40
MAX_SHORT_URL = 40

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SHORT_URL = re.compile(r"^(?!https?://)[a-z0-9]+(?:[.-][a-z0-9]+)*\.[a-z]{2,}(?:/[A-Za-z0-9._~-]+)*/?$")
_HTTPS_URL = re.compile(r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?(?:[/?#][^\s]*)?$")
_PICTURE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.(?:png|jpg|jpeg)$")
_TRUE, _FALSE = {"true", "yes"}, {"false", "no"}

_REQUIRED = ("slug", "language", "title", "for_whom", "steps", "where_to_get_help")
_OPTIONAL = ("before_you_start", "if_it_goes_wrong", "service_url", "short_url", "keywords",
             "easy_read_steps", "needs_review")
_STEP_KEYS = ("text", "picture", "picture_alt")


class GuideError(FileProblem):
    """A guide file cannot be used: says which file, which line and what to change."""


class GuideNotFound(NotFound):
    """No guide has the slug asked for; the message suggests the nearest ones."""


@dataclass(frozen=True)
class Step:
    """One numbered step: one action, and what the resident will see. `picture` is an existing
    image file (absolute path) or None; `picture_alt` says what the picture shows."""

    text: str
    picture: Path | None = None
    picture_alt: str = ""


@dataclass(frozen=True)
class Guide:
    slug: str  # "pay-council-tax": the same for every language of one guide
    language: str  # ISO 639-1 ("en", "pl")
    title: str
    for_whom: str
    before_you_start: tuple[str, ...]
    steps: tuple[Step, ...]
    if_it_goes_wrong: tuple[str, ...]
    where_to_get_help: tuple[str, ...]
    service_url: str  # https address of the online service; "" when there is none
    short_url: str  # the address printed beside the QR code ("example-council.gov.uk/pay"); "" when none
    keywords: tuple[str, ...]  # words residents use for this task ("bin", "rubbish")
    source_file: Path
    easy_read_steps: tuple[Step, ...] | None = None
    needs_review: bool = False  # a translation not yet checked by a native speaker

    @property
    def has_online_service(self) -> bool:
        return bool(self.service_url)

    @property
    def is_translation(self) -> bool:
        return self.language != ENGLISH


def guide_language(preferred: str | None) -> str:
    """The guide language for a resident's preferred language written freely ("Polish",
    "polski", "pl-PL"): its ISO 639-1 code, or English when it is not recognised."""
    return language_code(preferred) or ENGLISH


# ---- reading one file ---------------------------------------------------------------------------

class _Reader:
    """Turns one file's YAML nodes into a Guide, raising GuideError at the first problem."""

    def __init__(self, path: Path, pictures: Path) -> None:
        self.path, self.pictures = path, pictures

    def fail(self, node: yaml.Node | None, problem: str) -> GuideError:
        return GuideError(self.path, node.start_mark.line + 1 if node is not None else None, problem)

    def read(self) -> Guide:
        try:
            text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            line = self.path.read_bytes()[: exc.start].count(b"\n") + 1
            raise GuideError(self.path, line, "is not saved as UTF-8 text; save it again as UTF-8.") from None
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            what = exc.problem or exc.context or "is not valid YAML"
            hint = " (a text containing ': ' or starting with a quote must be put in double quotes)"
            raise GuideError(self.path, mark.line + 1 if mark else None,
                             f"cannot be read: {what}{hint}.") from None
        except yaml.reader.ReaderError as exc:  # an invisible control character, pasted from a word processor
            line = text[: exc.position].count("\n") + 1
            raise GuideError(self.path, line, f"holds an invisible control character (code {exc.character!r}); "
                             "delete it and type that part again.") from None
        except (yaml.YAMLError, RecursionError):
            raise GuideError(self.path, None, "cannot be read as a guide (is it nested too deeply?); "
                             "compare it with the example in resources/guides/README.md.") from None
        if not isinstance(root, yaml.MappingNode):
            raise self.fail(root, "a guide must be a list of parts such as 'title:' and 'steps:'.")
        parts = self.mapping(root, _REQUIRED + _OPTIONAL, "guide part")
        for key in _REQUIRED:
            if key not in parts:
                raise GuideError(self.path, None, f"'{key}:' is missing; every guide needs "
                                 + ", ".join(f"'{k}:'" for k in _REQUIRED) + ".")
        slug = self.text(parts["slug"], "slug", 60)
        if not _SLUG.match(slug):
            raise self.fail(parts["slug"][1], f"slug '{slug}' must be lower-case letters, digits and "
                            "hyphens, like 'pay-council-tax'.")
        language = self.text(parts["language"], "language", 40)
        if language not in LANGUAGES:
            raise self.fail(parts["language"][1], f"language '{language}' is not a two-letter language "
                            "code the desk knows, like 'en' or 'pl'.")
        service_url = self.text(parts["service_url"], "service_url", 300, required=False) if "service_url" in parts else ""
        if service_url and not _HTTPS_URL.match(service_url):
            raise self.fail(parts["service_url"][1], f"service_url '{service_url}' must be a full "
                            "address starting with https://, or leave it out when there is no online service.")
        short_url = self.text(parts["short_url"], "short_url", MAX_SHORT_URL, required=False) if "short_url" in parts else ""
        if short_url and not _SHORT_URL.match(short_url):
            raise self.fail(parts["short_url"][1], f"short_url '{short_url}' must be an address without "
                            "https:// or spaces, like 'example-council.gov.uk/pay'.")
        if service_url and not short_url:
            raise self.fail(parts["service_url"][0], "a guide with a service_url also needs a short_url: "
                            "the address printed beside the QR code.")
        if short_url and not service_url:
            raise self.fail(parts["short_url"][0], "short_url is only used with a service_url; add one or remove both.")
        steps = self.steps(parts["steps"], "steps", MAX_STEP)
        easy = self.steps(parts["easy_read_steps"], "easy_read_steps", MAX_EASY_STEP) if "easy_read_steps" in parts else None
        return Guide(
            slug=slug, language=language,
            title=self.text(parts["title"], "title", MAX_TITLE),
            for_whom=self.text(parts["for_whom"], "for_whom", MAX_FOR_WHOM),
            before_you_start=self.lines(parts.get("before_you_start"), "before_you_start", MAX_ITEM),
            steps=steps,
            if_it_goes_wrong=self.lines(parts.get("if_it_goes_wrong"), "if_it_goes_wrong", MAX_ITEM),
            where_to_get_help=self.lines(parts["where_to_get_help"], "where_to_get_help", MAX_ITEM, required=True),
            service_url=service_url, short_url=short_url,
            keywords=self.lines(parts.get("keywords"), "keywords", MAX_KEYWORD),
            source_file=self.path, easy_read_steps=easy,
            needs_review=self.flag(parts.get("needs_review"), "needs_review"),
        )

    def mapping(self, node: yaml.MappingNode, allowed: tuple[str, ...], what: str) -> dict:
        """key -> (key node, value node); refuses unknown and repeated keys."""
        found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in allowed:
                near = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" Did you mean '{near[0]}'?" if near else ""
                raise self.fail(key_node, f"'{key}' is not a {what} the desk knows.{hint} "
                                f"Known: {', '.join(allowed)}.")
            if key in found:
                raise self.fail(key_node, f"'{key}:' appears twice (first on line "
                                f"{found[key][0].start_mark.line + 1}); keep one.")
            found[key] = (key_node, value_node)
        return found

    def text(self, pair, name: str, max_length: int, *, required: bool = True) -> str:
        return self.scalar(pair[1], name, max_length, required=required)

    def scalar(self, node: yaml.Node, name: str, max_length: int, *, required: bool = True) -> str:
        if isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{name} must be plain text, but it reads as 'name: value'. If the "
                            "text contains a colon followed by a space, put the whole text in double quotes.")
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{name} must be plain text, not a list.")
        # A plain "~" or "null" is YAML's empty value; anything else is the text as written.
        value = "" if node.tag.endswith(":null") and node.style is None else node.value
        value = " ".join(value.split())
        if required and not value:
            raise self.fail(node, f"{name} is empty; write the text or remove the line.")
        if len(value) > max_length:
            raise self.fail(node, f"{name} is {len(value)} characters long; keep it to {max_length} "
                            "or split it in two.")
        return value

    def lines(self, pair, name: str, max_length: int, *, required: bool = False) -> tuple[str, ...]:
        if pair is None:
            return ()
        key_node, node = pair
        if isinstance(node, yaml.ScalarNode) and not node.value:
            if required:
                raise self.fail(key_node, f"{name} has nothing under it; add at least one line starting with '- '.")
            return ()
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{name} must be a list: one line each, starting with '- '.")
        if required and not node.value:
            raise self.fail(key_node, f"{name} has nothing under it; add at least one line starting with '- '.")
        return tuple(self.scalar(item, f"this line of {name}", max_length) for item in node.value)

    def steps(self, pair, name: str, max_length: int) -> tuple[Step, ...]:
        key_node, node = pair
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node if isinstance(node, yaml.Node) and node.value else key_node,
                            f"{name} must be a list of at least one step, each starting with '- '.")
        if len(node.value) > MAX_STEPS:
            raise self.fail(key_node, f"{name} has {len(node.value)} steps; keep it to {MAX_STEPS} or "
                            "split the guide in two.")
        return tuple(self.step(item, f"step {n} of {name}", max_length) for n, item in enumerate(node.value, 1))

    def step(self, node: yaml.Node, name: str, max_length: int) -> Step:
        # A step is plain text, or text with a picture; a mapping without 'text:' is almost always
        # a step with ": " in it ("Tap: Sign in"), which scalar() explains.
        if not isinstance(node, yaml.MappingNode) or "text" not in {
                k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)}:
            return Step(self.scalar(node, name, max_length))
        parts = self.mapping(node, _STEP_KEYS, "step part")
        text = self.text(parts["text"], name, max_length)
        if "picture" not in parts:
            if "picture_alt" in parts:
                raise self.fail(parts["picture_alt"][0], f"{name} has picture_alt but no picture.")
            return Step(text)
        file_name = self.text(parts["picture"], f"the picture of {name}", 100)
        if not _PICTURE.match(file_name):
            raise self.fail(parts["picture"][1], f"picture '{file_name}' must be the name of a .png or "
                            f".jpg file in {PICTURES_DIR}/, without folders.")
        picture = self.pictures / file_name
        if not picture.is_file():
            raise self.fail(parts["picture"][1], f"picture '{file_name}' is not in the {PICTURES_DIR}/ "
                            f"folder ({self.pictures}); add the file there or fix the name.")
        if "picture_alt" not in parts:
            raise self.fail(parts["picture"][0], f"the picture of {name} needs a picture_alt: a few words "
                            "saying what it shows, for people who cannot see it.")
        return Step(text, picture, self.text(parts["picture_alt"], f"picture_alt of {name}", MAX_ALT))

    def flag(self, pair, name: str) -> bool:
        if pair is None:
            return False
        value = self.scalar(pair[1], name, 40).casefold()
        if value not in _TRUE | _FALSE:
            raise self.fail(pair[1], f"{name} must be 'true' or 'false'.")
        return value in _TRUE


def load_guide(path: Path, pictures: Path | None = None) -> Guide:
    """One guide file, checked; raises GuideError naming the file and line of the first problem."""
    path = Path(path)
    return _Reader(path, pictures or path.parent / PICTURES_DIR).read()


# ---- searching ----------------------------------------------------------------------------------

_STOP = frozenset("a an and are at be by can do for from get how i in is it me my of on or the to "
                  "up want with you your".split())


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def _words(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"\w+", _fold(text)) if w not in _STOP]


def _stem(word: str) -> str:
    """Just enough to meet "bins"/"bin", "permits"/"permit", "calls"/"call", "e-books"/"books"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


# A word found in a guide's keywords counts most, then its title, who it is for, then its body.
_WEIGHTS = (("keywords", 6.0), ("title", 4.0), ("for_whom", 2.0), ("body", 1.0))


def _index(guide: Guide) -> dict[str, set[str]]:
    body = " ".join((*guide.before_you_start, *(s.text for s in guide.steps), *guide.if_it_goes_wrong))
    return {"keywords": set(_words(" ".join(guide.keywords))), "title": set(_words(guide.title)),
            "for_whom": set(_words(guide.for_whom)), "body": set(_words(body)),
            "phrases": {" ".join(_words(k)) for k in guide.keywords}}


def _score(index: dict[str, set[str]], query: list[str]) -> float:
    score = 0.0
    for word in query:
        best = 0.0
        for field, weight in _WEIGHTS:
            words = index[field]
            if word in words:
                best = max(best, weight)
            elif len(word) >= 4 and any(w.startswith(word) for w in words):
                best = max(best, weight / 2)  # "pass" finds "password"
        score += best
    if len(query) > 1 and " ".join(query) in index["phrases"]:
        score += 6.0  # "video call", "free data": the whole phrase is one of the guide's keywords
    return score


# ---- the library --------------------------------------------------------------------------------

class GuideLibrary:
    """Every guide in a folder (by default the shipped resources/guides/), read once on first use.
    A file with a mistake is left out and reported by problems(); the others stay usable.

    `council_domain` ("brent.gov.uk") replaces the placeholder example-council.gov.uk in every
    address and text, so one setting points the shipped guides at the council's own site."""

    def __init__(self, folder: Path | None = None, *, council_domain: str | None = None) -> None:
        self.folder = Path(folder) if folder is not None else resources_dir() / GUIDES_DIR
        self.pictures = self.folder / PICTURES_DIR
        if council_domain is not None and not re.match(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*\.[a-z]{2,}$", council_domain):
            raise ValueError(f"council_domain must look like 'brent.gov.uk', not {council_domain!r}")
        self.council_domain = council_domain
        self._guides: dict[tuple[str, str], Guide] | None = None
        self._problems: list[GuideError] = []
        self._indexes: dict[tuple[str, str], dict[str, set[str]]] = {}

    def files(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())

    def _load(self) -> dict[tuple[str, str], Guide]:
        # A broken file is left out and kept in problems(): one coordinator's typo must not take
        # every other guide away from the desk.
        if self._guides is None:
            guides: dict[tuple[str, str], Guide] = {}
            problems: list[GuideError] = []
            for path in self.files():
                try:
                    guide = load_guide(path, self.pictures)
                except GuideError as exc:
                    problems.append(exc)
                    continue
                except Exception as exc:  # noqa: BLE001  an odd file must not take every guide away
                    problems.append(GuideError(path, None, f"cannot be read as a guide ({type(exc).__name__}); "
                                               "compare it with the example in resources/guides/README.md."))
                    continue
                key = (guide.slug, guide.language)
                if key in guides:
                    problems.append(GuideError(path, _line_of(path, "slug"), f"slug '{guide.slug}' in "
                                               f"language '{guide.language}' is already used by "
                                               f"{guides[key].source_file.name}; give this guide its own slug."))
                    continue
                guides[key] = self._localise(guide)
            for (slug, language), guide in sorted(guides.items()):
                if language != ENGLISH and (slug, ENGLISH) not in guides:
                    problems.append(GuideError(guide.source_file, _line_of(guide.source_file, "slug"),
                                               f"is a translation of '{slug}', but there is no English guide "
                                               "with that slug; every translation needs its English original beside it."))
                    del guides[(slug, language)]
            self._guides, self._problems = guides, problems
        return self._guides

    def _localise(self, guide: Guide) -> Guide:
        if not self.council_domain:
            return guide
        swap = lambda text: text.replace(PLACEHOLDER_DOMAIN, self.council_domain)  # noqa: E731
        steps = lambda steps: None if steps is None else tuple(  # noqa: E731
            replace(s, text=swap(s.text)) for s in steps)
        return replace(guide, service_url=swap(guide.service_url), short_url=swap(guide.short_url),
                       before_you_start=tuple(map(swap, guide.before_you_start)), steps=steps(guide.steps),
                       if_it_goes_wrong=tuple(map(swap, guide.if_it_goes_wrong)),
                       where_to_get_help=tuple(map(swap, guide.where_to_get_help)),
                       easy_read_steps=steps(guide.easy_read_steps))

    def reload(self) -> None:
        """Read the files again (after a coordinator has edited them)."""
        self._guides, self._indexes = None, {}

    def problems(self) -> tuple[GuideError, ...]:
        """Every guide file left out and why (file, line, what to change), in file-name order:
        for a coordinator checking the folder, and for the desk to say some guides are missing."""
        self._load()
        return tuple(sorted(self._problems, key=lambda e: e.path.name))

    def all(self, language: str = ENGLISH) -> tuple[Guide, ...]:
        """One guide per slug, in `language` where translated and English otherwise, by title."""
        return tuple(sorted((self.get(slug, language) for slug in self.slugs()), key=lambda g: g.title.casefold()))

    def slugs(self) -> tuple[str, ...]:
        return tuple(sorted({slug for slug, language in self._load() if language == ENGLISH}))

    def get(self, slug: str, language: str | None = ENGLISH) -> Guide:
        """The guide in `language` (a code or a language written freely, "polski"), falling back to
        English when it is not translated. Refuses an unknown slug with GuideNotFound."""
        guides = self._load()
        code = guide_language(language)
        if (slug, code) in guides:
            return guides[(slug, code)]
        if (slug, ENGLISH) in guides:
            return guides[(slug, ENGLISH)]
        near = difflib.get_close_matches(slug, self.slugs(), n=3)
        hint = f" Did you mean {', '.join(near)}?" if near else " See the list of guides."
        raise GuideNotFound(f"There is no guide called '{slug}'.{hint}")

    def languages(self, slug: str) -> tuple[str, ...]:
        """The language codes a guide is available in, English first; () for an unknown slug."""
        codes = {language for s, language in self._load() if s == slug}
        return tuple(sorted(codes, key=lambda c: (c != ENGLISH, c)))

    def search(self, words: str, language: str | None = ENGLISH) -> tuple[Guide, ...]:
        """Guides matching the words a resident used ("bin", "video call"), best first; only
        guides with at least one word in common. Searches the English text and keywords (every
        guide has them) and, for another language, its translation too ("podatek" finds the
        Polish Council Tax guide); returns each guide in `language` where translated."""
        query = _words(words)
        if not query:
            return ()
        code = guide_language(language)
        scored = []
        for slug in self.slugs():
            score = max(self._score(key, query) for key in {(slug, ENGLISH), (slug, code)})
            if score > 0:
                scored.append((-score, slug))
        return tuple(self.get(slug, code) for _, slug in sorted(scored))

    def _score(self, key: tuple[str, str], query: list[str]) -> float:
        guides = self._load()
        if key not in guides:
            return 0.0
        if key not in self._indexes:
            self._indexes[key] = _index(guides[key])
        return _score(self._indexes[key], query)


def _line_of(path: Path, key: str) -> int | None:
    """The line a top-level key is on, for problems found after the file itself was read."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(f"{key}:"):
            return number
    return None
