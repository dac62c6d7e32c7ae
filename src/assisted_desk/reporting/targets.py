"""The targets of the desk's contract indicators, which an administrator sets once for every desk,
and the rule that turns a figure and its target into red, amber or green.

Higher is better for every indicator but the walk-in waits. A figure that meets its target is
green (exactly on target counts as met); one short of it by no more than the amber margin
(percentage points; for waits, a share of the target) is amber; anything further off is red. No
figure (nobody to count) has no colour."""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, fields, replace

from ..core.errors import ValidationError
from ..core.security import Actor, Permission, require
from ..core.settings import SettingsService
from .model import Rag

SETTING_KEY = "desk_targets"
_EPSILON = 1e-9  # 80.00000000000001% is on an 80% target, not over it


class Indicator(str, enum.Enum):
    """The indicators that have a target."""

    FIRST_CONTACT = "first_contact"
    RIGHT_FIRST_TIME = "right_first_time"
    WAIT_AVERAGE = "wait_average"
    WAIT_P90 = "wait_p90"
    CALLBACKS_ON_TIME = "callbacks_on_time"
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    SATISFACTION = "satisfaction"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def minutes(self) -> bool:
        """A wait in minutes, where lower is better (every other indicator is a percentage)."""
        return self in (Indicator.WAIT_AVERAGE, Indicator.WAIT_P90)


_LABELS = {
    Indicator.FIRST_CONTACT: "Resolved at first contact",
    Indicator.RIGHT_FIRST_TIME: "Right first time (no avoidable contact)",
    Indicator.WAIT_AVERAGE: "Average walk-in wait",
    Indicator.WAIT_P90: "Walk-in wait for 9 in 10 people (90th percentile)",
    Indicator.CALLBACKS_ON_TIME: "Callbacks made on time",
    Indicator.FIRST_RESPONSE: "Advocacy first response within SLA",
    Indicator.RESOLUTION: "Advocacy resolution within SLA",
    Indicator.SATISFACTION: "Satisfaction rated good",
}

MIN_MINUTES, MAX_MINUTES = 1, 120
MAX_MARGIN_POINTS = 50
MAX_WAIT_MARGIN_PERCENT = 100


@dataclass(frozen=True)
class DeskTargets:
    """Targets as percentages (0 to 100) or minutes (waits). Callbacks on time defaults to 90%:
    the contract names no figure, and nine in ten promised calls made on time is the level the
    service manager asked to be held to."""

    first_contact: float = 80
    right_first_time: float = 79
    wait_average: float = 5
    wait_p90: float = 5
    callbacks_on_time: float = 90
    first_response: float = 98
    resolution: float = 98
    satisfaction: float = 89
    amber_margin_points: float = 5  # a percentage this many points short of its target is amber
    amber_wait_percent: float = 20  # a wait this much (as a share of the target) over it is amber

    def target(self, indicator: Indicator) -> float:
        return getattr(self, indicator.value)

    def rag(self, indicator: Indicator, value: float | None) -> Rag | None:
        """Red, amber or green for `value` against this indicator's target; None without a value."""
        if value is None:
            return None
        target = self.target(indicator)
        if indicator.minutes:
            if value <= target + _EPSILON:
                return Rag.GREEN
            return Rag.AMBER if value <= target * (1 + self.amber_wait_percent / 100) + _EPSILON else Rag.RED
        if value >= target - _EPSILON:
            return Rag.GREEN
        return Rag.AMBER if value >= target - self.amber_margin_points - _EPSILON else Rag.RED

    def checked(self) -> DeskTargets:
        """These targets, or a ValidationError naming the first that is out of range."""
        for indicator in Indicator:
            value = self.target(indicator)
            if indicator.minutes:
                if not _is_number(value) or not MIN_MINUTES <= value <= MAX_MINUTES:
                    raise ValidationError(f"The target for “{indicator.label}” must be between {MIN_MINUTES} and "
                                          f"{MAX_MINUTES} minutes.", field=indicator.value)
            elif not _is_number(value) or not 0 <= value <= 100:
                raise ValidationError(f"The target for “{indicator.label}” must be a percentage from 0 to 100.",
                                      field=indicator.value)
        if not _is_number(self.amber_margin_points) or not 0 <= self.amber_margin_points <= MAX_MARGIN_POINTS:
            raise ValidationError(f"The amber margin must be from 0 to {MAX_MARGIN_POINTS} percentage points.",
                                  field="amber_margin_points")
        if not _is_number(self.amber_wait_percent) or not 0 <= self.amber_wait_percent <= MAX_WAIT_MARGIN_PERCENT:
            raise ValidationError(f"The amber margin for waits must be from 0% to {MAX_WAIT_MARGIN_PERCENT}% over the "
                                  "target.", field="amber_wait_percent")
        return self


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def read_targets(settings: SettingsService) -> DeskTargets:
    """The targets as an administrator last saved them; defaults for any never set (or unreadable)."""
    stored = settings.read(SETTING_KEY)
    defaults = DeskTargets()
    if not stored:
        return defaults
    try:
        values = json.loads(stored)
    except ValueError:
        return defaults
    if not isinstance(values, dict):
        return defaults
    known = {f.name for f in fields(DeskTargets)}
    chosen = {k: v for k, v in values.items() if k in known and _is_number(v)}
    try:
        return replace(defaults, **chosen).checked()
    except ValidationError:
        return defaults


def save_targets(settings: SettingsService, actor: Actor, targets: DeskTargets) -> DeskTargets:
    """Store the targets for every desk, audited with what changed. Refuses without
    manage-settings, and any target or margin out of range (ValidationError naming it)."""
    require(actor, Permission.MANAGE_SETTINGS)
    targets = targets.checked()
    before = read_targets(settings)
    changes = [f"{name} {_number(getattr(before, name))} -> {_number(value)}"
               for name, value in asdict(targets).items() if getattr(before, name) != value]
    settings.write(actor, SETTING_KEY, json.dumps(asdict(targets), sort_keys=True),
                   "desk targets: " + ("; ".join(changes) if changes else "saved unchanged"))
    return targets


def _number(value: float) -> str:
    return f"{value:g}"


def number_from_text(text: str, field: str, what: str) -> float:
    """A number a person typed ("80", "97.5", "80%"), or a ValidationError saying what to type."""
    cleaned = text.strip().rstrip("%").strip().replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValidationError(f"“{text.strip() or 'nothing'}” is not a number: type {what}.", field=field) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValidationError(f"“{text.strip()}” is not a number: type {what}.", field=field)
    return int(value) if value.is_integer() else value
