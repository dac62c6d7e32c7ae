"""The Essential Digital Skills framework as data: resources/skills/eds-<version>.json.

Each published version is its own file and is never edited once assessments use it: an
assessment names the version it was taken against, and its result is read against that version
for ever. A newer file becomes the one new assessments use (the latest `published` date).
A broken file is reported with its name, the line where the problem is, and what is wrong."""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from ..core.errors import FileProblem
from ..core.paths import resources_dir

SKILLS_DIR = "skills"
FOUNDATION = "foundation"
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,19}$")


class Level(str, enum.Enum):
    FOUNDATION = "foundation"
    LIFE = "life"
    WORK = "work"

    @property
    def label(self) -> str:
        return {Level.FOUNDATION: "Foundation", Level.LIFE: "For life", Level.WORK: "For work"}[self]

    @property
    def order(self) -> int:
        return {Level.FOUNDATION: 0, Level.LIFE: 1, Level.WORK: 2}[self]


class Needs(str, enum.Enum):
    ALL = "all"  # every statement of the level, on the resident's own
    AT_LEAST_ONE_PER_AREA = "at_least_one_per_area"  # one or more in each of the five areas


class FrameworkError(FileProblem):
    """A framework file cannot be used: says which file, which line and what is wrong."""


@dataclass(frozen=True)
class SkillArea:
    code: str
    title: str
    description: str

    @property
    def is_foundation(self) -> bool:
        return self.code == FOUNDATION


@dataclass(frozen=True)
class Statement:
    code: str
    area: str
    level: Level
    text: str  # the published words, without the leading "I can"
    example: str
    quick: bool  # asked in the quick assessment too

    @property
    def sentence(self) -> str:
        """How the resident hears it: "I can turn on a device"."""
        return f"I can {self.text}" if not self.text.lower().startswith(("i can", "i ")) else self.text


@dataclass(frozen=True)
class LevelRule:
    level: Level
    needs: Needs
    requires: Level | None  # the level that must be reached first


@dataclass(frozen=True)
class SkillsFramework:
    version: str
    title: str
    publisher: str
    published: date
    source_url: str
    licence: str
    licence_url: str
    credit: str
    rules_source: str
    areas: tuple[SkillArea, ...]
    statements: tuple[Statement, ...]
    rules: tuple[LevelRule, ...]

    @property
    def skill_areas(self) -> tuple[SkillArea, ...]:
        """The five areas, without the foundation skills."""
        return tuple(area for area in self.areas if not area.is_foundation)

    def area(self, code: str) -> SkillArea:
        for area in self.areas:
            if area.code == code:
                return area
        raise KeyError(code)

    def statement(self, code: str) -> Statement:
        for statement in self.statements:
            if statement.code == code:
                return statement
        raise KeyError(code)

    def has_statement(self, code: str) -> bool:
        return any(statement.code == code for statement in self.statements)

    def statements_for(self, quick: bool) -> tuple[Statement, ...]:
        """In the order they are asked: foundation first, then area by area, life before work."""
        chosen = [s for s in self.statements if s.quick or not quick]
        area_order = {area.code: n for n, area in enumerate(self.areas)}
        return tuple(sorted(chosen, key=lambda s: (area_order[s.area], s.level.order)))

    @property
    def missing_levels(self) -> tuple[Level, ...]:
        """Levels the rules name but this file has no statements for yet: they are shown as not
        assessed, never as reached or failed."""
        return tuple(rule.level for rule in self.rules if not any(s.level is rule.level for s in self.statements))

    def rule(self, level: Level) -> LevelRule | None:
        return next((rule for rule in self.rules if rule.level is level), None)

    @property
    def citation(self) -> str:
        return f"{self.publisher}, {self.title} ({self.version}, published {self.published:%-d %B %Y})"


def _line_of(text: str, needle: str) -> int | None:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def _text(entry: dict, key: str, problem, *, required: bool = True) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise problem(f'"{key}" must be {"non-empty " if required else ""}text')
    return value.strip()


def load_framework(path: Path) -> SkillsFramework:
    """Read one framework file, checking every statement and rule."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(path, None, f"cannot be read ({exc})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FrameworkError(path, exc.lineno, f"is not valid JSON ({exc.msg})") from None
    if not isinstance(raw, dict):
        raise FrameworkError(path, 1, "must be a JSON object")

    def problem_at(needle: str):
        return lambda message: FrameworkError(path, _line_of(text, needle), message)

    top = problem_at('"version"')
    version = _text(raw, "version", top)
    try:
        published = date.fromisoformat(_text(raw, "published", problem_at('"published"')))
    except ValueError:
        raise FrameworkError(path, _line_of(text, '"published"'), '"published" must be a date like 2018-11-20') from None

    areas: list[SkillArea] = []
    for entry in raw.get("areas") or []:
        code = entry.get("code", "") if isinstance(entry, dict) else ""
        where = problem_at(f'"code": "{code}"') if code else top
        if not isinstance(entry, dict) or not _CODE.match(code or ""):
            raise where(f'area code "{code}" must be a short code of letters, digits and _')
        areas.append(SkillArea(code, _text(entry, "title", where), _text(entry, "description", where, required=False)))
    codes = [area.code for area in areas]
    if FOUNDATION not in codes or len(codes) != len(set(codes)) or len(codes) < 2:
        raise top('"areas" must list "foundation" and the skill areas, each once')

    statements: list[Statement] = []
    for entry in raw.get("statements") or []:
        code = entry.get("code", "") if isinstance(entry, dict) else ""
        where = problem_at(f'"code": "{code}"') if code else problem_at('"statements"')
        if not isinstance(entry, dict) or not _CODE.match(code or ""):
            raise where(f'statement code "{code}" must be a short code of letters, digits, - and _')
        area = entry.get("area")
        if area not in codes:
            raise where(f'statement {code} names area "{area}", which is not in "areas"')
        try:
            level = Level(entry.get("level"))
        except ValueError:
            raise where(f'statement {code} has level "{entry.get("level")}"; use foundation, life or work') from None
        if (level is Level.FOUNDATION) != (area == FOUNDATION):
            raise where(f"statement {code}: foundation statements, and only they, belong to the foundation area")
        statements.append(Statement(code, area, level, _text(entry, "text", where),
                                    _text(entry, "example", where, required=False), bool(entry.get("quick", False))))
    statement_codes = [s.code for s in statements]
    if len(statement_codes) != len(set(statement_codes)):
        duplicate = next(c for c in statement_codes if statement_codes.count(c) > 1)
        raise problem_at(f'"code": "{duplicate}"')(f"statement code {duplicate} is used twice")
    if not any(s.level is Level.FOUNDATION for s in statements):
        raise problem_at('"statements"')("there must be foundation statements")

    rules: list[LevelRule] = []
    raw_rules = raw.get("rules") if isinstance(raw.get("rules"), dict) else {}
    where = problem_at('"rules"')
    if raw_rules.get("answer_that_counts", "on_my_own") != "on_my_own":
        raise where('only "on_my_own" answers can count towards a level')
    for entry in raw_rules.get("levels") or []:
        try:
            level = Level(entry.get("level"))
            needs = Needs(entry.get("needs"))
            requires = Level(entry["requires"]) if entry.get("requires") else None
        except (ValueError, AttributeError):
            raise where(f"a level rule is not understood: {entry}; needs is all or at_least_one_per_area") from None
        rules.append(LevelRule(level, needs, requires))
    if not {s.level for s in statements} <= {rule.level for rule in rules}:
        raise where("every level with statements needs a rule")
    return SkillsFramework(
        version=version,
        title=_text(raw, "title", top),
        publisher=_text(raw, "publisher", top),
        published=published,
        source_url=_text(raw, "source_url", top),
        licence=_text(raw, "licence", top),
        licence_url=_text(raw, "licence_url", top, required=False),
        credit=_text(raw, "credit", top),
        rules_source=_text(raw, "rules_source", top, required=False),
        areas=tuple(areas),
        statements=tuple(statements),
        rules=tuple(sorted(rules, key=lambda r: r.level.order)),
    )


class FrameworkLibrary:
    """Every framework version in a folder; the newest is the one new assessments use."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or resources_dir() / SKILLS_DIR
        self._versions: dict[str, SkillsFramework] | None = None

    def _load(self) -> dict[str, SkillsFramework]:
        if self._versions is None:
            versions: dict[str, SkillsFramework] = {}
            for path in sorted(self.folder.glob("*.json")):
                framework = load_framework(path)
                if framework.version in versions:
                    raise FrameworkError(path, None, f"version {framework.version} is also in another file")
                versions[framework.version] = framework
            if not versions:
                raise FrameworkError(self.folder / "eds-*.json", None, "no skills framework file was found")
            self._versions = versions
        return self._versions

    def current(self) -> SkillsFramework:
        return max(self._load().values(), key=lambda f: (f.published, f.version))

    def version(self, version: str) -> SkillsFramework:
        try:
            return self._load()[version]
        except KeyError:
            raise FrameworkError(self.folder, None, f"framework version {version} is not installed; an assessment "
                                 "taken against it cannot be read. Restore its file.") from None

    def versions(self) -> tuple[SkillsFramework, ...]:
        return tuple(sorted(self._load().values(), key=lambda f: f.published))


@lru_cache(maxsize=1)
def shipped_frameworks() -> FrameworkLibrary:
    return FrameworkLibrary()
