"""Where a postcode is and how far apart two places are, from the postcode points we already hold
(`PostcodePoint`: learned from directory locations or an earlier lookup). Nothing here asks the
network: matching must work at a desk whose connection is down.

A postcode we do not hold exactly is placed at the centre of the points we know in its sector
("E1 6"), else in its district ("E1"), and says so (`Precision`), so a distance can be shown as
"about 0.8 miles" rather than passed off as exact."""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.errors import ValidationError
from ..desk.contact_details import check_postcode
from .partner_models import PostcodePoint

EARTH_RADIUS_MILES = 3958.8


class Precision(str, enum.Enum):
    POSTCODE = "postcode"  # the postcode itself
    SECTOR = "sector"  # the centre of the known postcodes in its sector, "E1 6"
    DISTRICT = "district"  # the centre of the known postcodes in its district, "E1"

    @property
    def label(self) -> str:
        return {Precision.POSTCODE: "exact postcode", Precision.SECTOR: "postcode sector",
                Precision.DISTRICT: "postcode district"}[self]

    @property
    def is_approximate(self) -> bool:
        return self is not Precision.POSTCODE


@dataclass(frozen=True)
class Position:
    postcode: str  # the normalised postcode that was asked about, "E1 6AN"
    latitude: float
    longitude: float
    precision: Precision
    basis: str  # what it was placed by: "E1 6AN", "sector E1 6 (3 known postcodes)"


def normalise_postcode(text: str | None) -> str | None:
    """The stored form ("E1 6AN") of a UK postcode, or None when the text is not one."""
    try:
        display, _key = check_postcode(text or "")
    except ValidationError:
        return None
    return display or None


def district_of(postcode: str) -> str:
    """The outward code of a normalised postcode: "E1 6AN" gives "E1"."""
    return postcode.split(" ", 1)[0]


def sector_of(postcode: str) -> str:
    """The sector of a normalised postcode: "E1 6AN" gives "E1 6"."""
    return postcode[:-2]


def miles_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in miles: as the crow flies, which is what a desk can
    honestly say without a route planner."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def _plural(n: int) -> str:
    return f"{n} known postcode" if n == 1 else f"{n} known postcodes"


def locate_many(session: Session, postcodes: Iterable[str]) -> dict[str, Position]:
    """Positions of many normalised postcodes in at most three queries (exact, sectors,
    districts); postcodes that cannot be placed at all are left out of the answer."""
    wanted = sorted({p for p in postcodes if p})
    if not wanted:
        return {}
    found: dict[str, Position] = {}
    for chunk in _chunks(wanted, 500):
        for code, lat, lon in session.execute(select(PostcodePoint.postcode, PostcodePoint.latitude,
                                                     PostcodePoint.longitude)
                                              .where(PostcodePoint.postcode.in_(chunk))):
            found[code] = Position(code, lat, lon, Precision.POSTCODE, code)
    for precision, part, chars in ((Precision.SECTOR, sector_of, 2), (Precision.DISTRICT, district_of, 4)):
        missing = [p for p in wanted if p not in found]
        if not missing:
            break
        parts = sorted({part(p) for p in missing})
        # Every stored postcode is "OUTWARD DAA", so dropping the last 2 (4) characters gives its
        # sector (district) on both databases without a pattern per part.
        key = func.substr(PostcodePoint.postcode, 1, func.length(PostcodePoint.postcode) - chars)
        centres: dict[str, tuple[float, float, int]] = {}
        for chunk in _chunks(parts, 500):
            for name, lat, lon, count in session.execute(
                    select(key, func.avg(PostcodePoint.latitude), func.avg(PostcodePoint.longitude),
                           func.count()).where(key.in_(chunk)).group_by(key)):
                centres[name] = (float(lat), float(lon), int(count))
        for postcode in missing:
            centre = centres.get(part(postcode))
            if centre is not None:
                lat, lon, count = centre
                found[postcode] = Position(postcode, lat, lon, precision,
                                           f"{precision.value} {part(postcode)} ({_plural(count)})")
    return found


def locate(session: Session, text: str | None) -> Position | None:
    """Where a postcode is, as precisely as the points we hold allow; None when the text is not
    a postcode or nothing is known in its district."""
    postcode = normalise_postcode(text)
    if postcode is None:
        return None
    return locate_many(session, [postcode]).get(postcode)


def remember_point(session: Session, postcode: str, latitude: float, longitude: float, source: str,
                   now: datetime) -> None:
    """Keep (or move) a postcode's position, e.g. from a directory location's coordinates.
    Refuses coordinates outside the range a place on Earth can have."""
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        raise ValidationError(f"{latitude}, {longitude} is not a position on Earth (latitude -90 to 90, "
                              "longitude -180 to 180).", field="position")
    normal = normalise_postcode(postcode)
    if normal is None:
        raise ValidationError(f"'{postcode}' is not a UK postcode.", field="postcode")
    row = session.get(PostcodePoint, normal)
    if row is None:
        session.add(PostcodePoint(postcode=normal, latitude=latitude, longitude=longitude, source=source,
                                  updated_at=now))
    else:
        row.latitude, row.longitude, row.source, row.updated_at = latitude, longitude, source, now


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
