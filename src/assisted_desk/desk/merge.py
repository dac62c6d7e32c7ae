"""Merging two records of one person, and undoing that within 30 days.

Every table that points at a resident is listed in `RESIDENT_LINKS`. A merge moves each listed
row of the merged record to the survivor and writes down exactly which rows moved, so an undo
moves exactly those back — not rows added to the survivor since. Packages that add a table with a
resident column register it here with `link_to_resident`, next to their model; `unlinked_columns`
(checked before every merge, and by the tests) catches one that forgot: leaving history behind on
a record that has left search would lose it silently."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..core.audit import record_audit
from ..core.clock import Clock, as_utc, local_text
from ..core.db import Base, Database
from ..core.errors import ConflictError, NotFound, ValidationError
from ..core.security import Actor, Permission, require
from ..core.staff import check_version
from .attachment_models import Attachment
from .contact_days import regrouped
from .submission_models import Submission
from .models import (
    Callback,
    Consent,
    Interaction,
    QueueTicket,
    RecordReference,
    Representative,
    Resident,
    ResidentEquality,
    ResidentMerge,
)

UNDO_DAYS = 30
_CHUNK = 500  # ids per UPDATE: well inside every driver's parameter limit


@dataclass(frozen=True)
class ResidentLink:
    """A column that points at a resident. `one_per_resident` marks a row that is the
    resident's own (its key is the resident): it moves only when the survivor has none."""

    model: type
    column: str = "resident_id"
    one_per_resident: bool = False

    @property
    def key(self) -> str:
        return f"{self.model.__tablename__}.{self.column}"


RESIDENT_LINKS: list[ResidentLink] = []


def link_to_resident(model: type, column: str = "resident_id", *, one_per_resident: bool = False) -> None:
    """Say that `model.column` points at a resident, so merges move its rows. Idempotent."""
    link = ResidentLink(model, column, one_per_resident)
    if all(existing.key != link.key for existing in RESIDENT_LINKS):
        RESIDENT_LINKS.append(link)


for _model in (Interaction, Consent, Representative, QueueTicket, Callback, RecordReference, Submission, Attachment):
    link_to_resident(_model)
link_to_resident(ResidentEquality, one_per_resident=True)

# Columns that point at a resident but stay with their record: the search keys (rewritten on
# merge and undo), the merge records themselves, and the merged-into pointer.
STAYS_WITH_RECORD = {
    "resident_name_word.resident_id",
    "resident_name_variant.resident_id",
    "resident_merge.survivor_id",
    "resident_merge.merged_id",
    "resident.merged_into_id",
}


def unlinked_columns() -> list[str]:
    """Every column with a foreign key to resident.id that neither moves nor stays on purpose."""
    known = {link.key for link in RESIDENT_LINKS} | STAYS_WITH_RECORD
    missing = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "resident" for fk in column.foreign_keys):
                key = f"{table.name}.{column.name}"
                if key not in known:
                    missing.append(key)
    return missing


@dataclass(frozen=True)
class MergeRecord:
    id: int
    survivor_id: int
    survivor_name: str
    merged_id: int
    merged_name: str
    merged_at: datetime
    merged_by: str
    undone_at: datetime | None
    undone_by: str
    undo_until: datetime
    can_undo: bool  # at the time it was read: not undone, and within the 30 days
    moved: tuple[tuple[str, int], ...]  # (table, rows) that moved to the survivor
    version: int

    @property
    def moved_text(self) -> str:
        return ", ".join(f"{count} {table.replace('_', ' ')}" for table, count in self.moved if count) or "nothing"


def _name(row: Resident) -> str:
    return " ".join(part for part in (row.given_name, row.family_name) if part)


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class ResidentMerges:
    """Merges and their undoing. Reached through `ResidentService` (services.residents)."""

    def __init__(self, db: Database, clock: Clock, reindex) -> None:
        self.db = db
        self.clock = clock
        # search.index_resident_names(session, resident_id, given, family, preferred)
        self._reindex = reindex

    def _record(self, session: Session, merge: ResidentMerge) -> MergeRecord:
        survivor = session.get(Resident, merge.survivor_id)
        merged = session.get(Resident, merge.merged_id)
        until = as_utc(merge.merged_at) + timedelta(days=UNDO_DAYS)
        rows = json.loads(merge.moved)["rows"]
        moved = tuple((key.split(".")[0], len(ids)) for key, ids in rows.items())
        return MergeRecord(
            merge.id, merge.survivor_id, _name(survivor), merge.merged_id, _name(merged), merge.merged_at,
            merge.merged_by, merge.undone_at, merge.undone_by, until,
            merge.undone_at is None and self.clock.now() <= until, moved, merge.version,
        )

    def merge(self, actor: Actor, survivor_id: int, merged_id: int, *, expected_survivor_version: int,
              expected_merged_version: int) -> MergeRecord:
        require(actor, Permission.MERGE_RESIDENTS)
        if survivor_id == merged_id:
            raise ValidationError("A record cannot be merged into itself: choose two different records.",
                                  field="merged")
        missing = unlinked_columns()
        if missing:  # a bug in whichever package added the table: never leave history behind
            raise RuntimeError(f"merge does not know how to move {', '.join(missing)}; register it with "
                               "desk.merge.link_to_resident")
        with self.db.unit_of_work() as session:
            survivor = self._locked(session, survivor_id, "record to keep")
            merged = self._locked(session, merged_id, "record to merge")
            if survivor.merged_into_id is not None:
                raise ValidationError(
                    f"{_name(survivor)} (record {survivor.id}) was itself merged into record "
                    f"{survivor.merged_into_id}; keep that record instead.", field="survivor")
            for row in (survivor, merged):
                if row.erased_at is not None:  # privacy/erasure.py: an erased stub takes no history
                    raise ValidationError(f"Record {row.id} was erased at the resident's request; it cannot be "
                                          "merged.", field="survivor" if row is survivor else "merged")
            if merged.merged_into_id is not None:
                raise ValidationError(
                    f"{_name(merged)} (record {merged.id}) was already merged into record "
                    f"{merged.merged_into_id}.", field="merged")
            absorbed = session.scalars(select(ResidentMerge.merged_id).where(
                ResidentMerge.survivor_id == merged.id, ResidentMerge.undone_at.is_(None))).all()
            if absorbed:
                # A chain (C into B into A) could not be undone one step at a time.
                raise ValidationError(
                    f"Other records ({', '.join(str(i) for i in absorbed)}) were merged into {_name(merged)} "
                    f"(record {merged.id}), so it must be the record kept: swap the two, or undo those "
                    "merges first.", field="merged")
            check_version("resident record", survivor, expected_survivor_version)
            check_version("resident record", merged, expected_merged_version)

            with regrouped(session, [survivor.id, merged.id]):  # contacts may take the survivor's answers
                rows = {link.key: self._move(session, link, merged.id, survivor.id) for link in RESIDENT_LINKS}
            rows = {key: ids for key, ids in rows.items() if ids}
            before = survivor.last_contact_at
            latest = max((t for t in (survivor.last_contact_at, merged.last_contact_at) if t is not None),
                         default=None)
            now = self.clock.now()
            survivor.last_contact_at = latest
            survivor.updated_at, survivor.updated_by = now, actor.username
            merged.merged_into_id = survivor.id
            merged.updated_at, merged.updated_by = now, actor.username
            # A merged record leaves search: its name words go, the survivor's stay as they are.
            self._reindex(session, merged.id, "", "", "")
            merge = ResidentMerge(
                survivor_id=survivor.id, merged_id=merged.id, merged_at=now, merged_by=actor.username,
                moved=json.dumps({"rows": rows, "survivor_last_contact_before": _iso(before),
                                  "survivor_last_contact_after": _iso(latest)}),
            )
            session.add(merge)
            session.flush()
            record = self._record(session, merge)
            record_audit(session, self.clock, actor, "resident.merged", "resident", survivor.id,
                         f"record {merged.id} merged into this one (merge {merge.id}); moved: {record.moved_text}")
            record_audit(session, self.clock, actor, "resident.merged_away", "resident", merged.id,
                         f"merged into record {survivor.id} (merge {merge.id})")
            return record

    def undo_merge(self, actor: Actor, merge_id: int) -> MergeRecord:
        require(actor, Permission.MERGE_RESIDENTS)
        with self.db.unit_of_work() as session:
            merge = session.get(ResidentMerge, merge_id, with_for_update=True)
            if merge is None:
                raise NotFound("That merge is not recorded.")
            if merge.undone_at is not None:
                raise ValidationError(
                    f"This merge was already undone on {local_text(merge.undone_at)} by {merge.undone_by}.")
            until = as_utc(merge.merged_at) + timedelta(days=UNDO_DAYS)
            if self.clock.now() > until:
                raise ValidationError(
                    f"A merge can be undone for {UNDO_DAYS} days. This one was made on "
                    f"{local_text(merge.merged_at)}, so it could be undone until {local_text(until)}. "
                    "Correct the record by hand instead.")
            survivor = self._locked(session, merge.survivor_id, "record kept")
            merged = self._locked(session, merge.merged_id, "record merged")
            moved = json.loads(merge.moved)
            links = {link.key: link for link in RESIDENT_LINKS}
            with regrouped(session, [survivor.id, merged.id]):
                for key, ids in moved["rows"].items():
                    self._move_back(session, links[key], ids, survivor.id, merged.id)
            after = _from_iso(moved.get("survivor_last_contact_after"))
            if survivor.last_contact_at == after:  # no contact since the merge: as it was before
                survivor.last_contact_at = _from_iso(moved.get("survivor_last_contact_before"))
            now = self.clock.now()
            survivor.updated_at, survivor.updated_by = now, actor.username
            merged.merged_into_id = None
            merged.updated_at, merged.updated_by = now, actor.username
            self._reindex(session, merged.id, merged.given_name, merged.family_name, merged.preferred_name)
            merge.undone_at, merge.undone_by = now, actor.username
            try:
                session.flush()
            except StaleDataError:  # someone else undid it at the same moment
                raise ConflictError("Someone else changed this merge at the same time; reload and check it.")
            record = self._record(session, merge)
            record_audit(session, self.clock, actor, "resident.merge_undone", "resident", survivor.id,
                         f"merge {merge.id} undone: record {merged.id} separated again")
            record_audit(session, self.clock, actor, "resident.merge_undone", "resident", merged.id,
                         f"merge {merge.id} undone: separated from record {survivor.id}")
            return record

    def recent_merges(self, actor: Actor, limit: int = 100) -> tuple[MergeRecord, ...]:
        require(actor, Permission.MERGE_RESIDENTS)
        since = self.clock.now() - timedelta(days=UNDO_DAYS + 1)
        with self.db.unit_of_work() as session:
            merges = session.scalars(select(ResidentMerge).where(ResidentMerge.merged_at >= since)
                                     .order_by(ResidentMerge.merged_at.desc(), ResidentMerge.id.desc())
                                     .limit(limit)).all()
            return tuple(self._record(session, merge) for merge in merges)

    def merge_record(self, actor: Actor, merge_id: int) -> MergeRecord:
        require(actor, Permission.MERGE_RESIDENTS)
        with self.db.unit_of_work() as session:
            merge = session.get(ResidentMerge, merge_id)
            if merge is None:
                raise NotFound("That merge is not recorded.")
            return self._record(session, merge)

    # ---- moving rows ---------------------------------------------------------------------------

    @staticmethod
    def _locked(session: Session, resident_id: int, what: str) -> Resident:
        # FOR UPDATE on PostgreSQL also holds back rows being added for either person meanwhile
        # (their foreign-key check needs a lock this one conflicts with). SQLite writes one at a time.
        row = session.get(Resident, resident_id, with_for_update=True)
        if row is None:
            raise NotFound(f"The {what} (record {resident_id}) does not exist.")
        return row

    @staticmethod
    def _move(session: Session, link: ResidentLink, from_id: int, to_id: int) -> list:
        table = link.model.__table__
        column = table.c[link.column]
        if link.one_per_resident:
            if session.scalar(select(column).where(column == to_id)) is not None:
                return []  # the survivor's own answers win; the merged record keeps its own
            if session.scalar(select(column).where(column == from_id)) is None:
                return []
            session.execute(update(table).where(column == from_id).values(_moved_values(table, link, to_id)))
            return [to_id]
        (key,) = sa_inspect(link.model).primary_key
        ids = list(session.scalars(select(key).where(column == from_id).order_by(key)))
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            session.execute(update(table).where(key.in_(chunk)).values(_moved_values(table, link, to_id)))
        return ids

    @staticmethod
    def _move_back(session: Session, link: ResidentLink, ids: list, survivor_id: int, merged_id: int) -> None:
        table = link.model.__table__
        column = table.c[link.column]
        if link.one_per_resident:
            if session.scalar(select(column).where(column == merged_id)) is None:
                session.execute(update(table).where(column == survivor_id)
                                .values(_moved_values(table, link, merged_id)))
            return
        (key,) = sa_inspect(link.model).primary_key
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            # Only rows still on the survivor: one deleted since simply is not there to move.
            session.execute(update(table).where(key.in_(chunk), column == survivor_id)
                            .values(_moved_values(table, link, merged_id)))


def _moved_values(table, link: ResidentLink, to_id: int) -> dict:
    values: dict = {link.column: to_id}
    if "version" in table.c:
        # A moved row has changed: someone editing it from before the merge must reload.
        values["version"] = table.c.version + 1
    return values
