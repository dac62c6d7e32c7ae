"""Partner directory rows written straight through the ORM, for tests that need a directory
without importing one. Lists are given as Python lists and stored as the JSON the models hold."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from assisted_desk.inclusion.partner_models import (PartnerLocation, PartnerOrganisation, PartnerSchedule,
                                                    PartnerService, PostcodePoint)

WHEN = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
WHO = "tests"

# Real positions (approximately) around Whitechapel, for distances that read sensibly.
POINTS: dict[str, tuple[float, float]] = {
    "E1 6AN": (51.5205, -0.0722),
    "E1 6QL": (51.5190, -0.0700),
    "E1 7HT": (51.5165, -0.0660),
    "E1 1BJ": (51.5180, -0.0600),
    "E2 8HD": (51.5300, -0.0620),
    "E3 4SS": (51.5270, -0.0230),
    "E14 2BB": (51.5060, -0.0170),
    "N1 9GU": (51.5340, -0.1240),
}


def add_points(session: Session, points: dict[str, tuple[float, float]] | None = None) -> None:
    for postcode, (lat, lon) in (points or POINTS).items():
        session.add(PostcodePoint(postcode=postcode, latitude=lat, longitude=lon, source="directory",
                                  updated_at=WHEN))
    session.flush()


def add_organisation(session: Session, name: str, **values) -> PartnerOrganisation:
    row = PartnerOrganisation(name=name, created_at=WHEN, created_by=WHO, updated_at=WHEN, updated_by=WHO, **values)
    session.add(row)
    session.flush()
    return row


def add_service(session: Session, organisation: PartnerOrganisation | int, name: str, *,
                skill_areas: Sequence[str] = (), offers: Sequence[str] = (), languages: Sequence[str] = ("en",),
                accessibility: Sequence[str] = (), locations: Iterable[dict] = (), schedules: Iterable[dict] = (),
                **values) -> PartnerService:
    """A service with its places: each location a dict of PartnerLocation values, its
    `accessibility` a list. Other PartnerService columns go in `values`."""
    org_id = organisation if isinstance(organisation, int) else organisation.id
    row = PartnerService(organisation_id=org_id, name=name, skill_areas=json.dumps(list(skill_areas)),
                         offers=json.dumps(list(offers)), languages=json.dumps(list(languages)),
                         accessibility=json.dumps(list(accessibility)), created_at=WHEN, created_by=WHO,
                         updated_at=WHEN, updated_by=WHO, **values)
    session.add(row)
    session.flush()
    for place in locations:
        place = dict(place)
        place["accessibility"] = json.dumps(list(place.get("accessibility", ())))
        session.add(PartnerLocation(service_id=row.id, **place))
    for schedule in schedules:
        session.add(PartnerSchedule(service_id=row.id, **schedule))
    session.flush()
    return row


def place(postcode: str, name: str = "", *, at: tuple[float, float] | None = None,
          accessibility: Sequence[str] = ()) -> dict:
    """A location by postcode; with `at`, carrying its own coordinates."""
    values: dict = {"postcode": postcode, "name": name or f"Hall at {postcode}", "accessibility": list(accessibility)}
    if at is not None:
        values["latitude"], values["longitude"] = at
    return values
