"""Demo equality monitoring answers, so a report broken down by age band, sex, ethnicity,
disability or first language shows groups, not only "Not recorded". About seven residents in ten
answered, as a desk that asks routinely would find; some chose "Prefer not to say"."""

from __future__ import annotations

import random
from collections.abc import Iterator

from sqlalchemy import select

from .core.security import Actor
from .desk.equality import EqualityAnswers
from .desk.models import Resident
from .desk.vocab import AGE_BANDS, DISABILITY, ETHNICITIES, SEXES
from .services import Services

SEED = 20261203
ANSWERED = 0.7
LANGUAGES = ("English", "English", "English", "Bengali", "Polish", "Arabic", "Somali", "Gujarati", "Romanian",
             "Turkish", "Urdu")


def load_equality_demo(services: Services, actor: Actor) -> Iterator[str]:
    rng = random.Random(SEED)
    with services.db.unit_of_work() as session:
        residents = session.scalars(select(Resident.id).where(Resident.merged_into_id.is_(None))
                                    .order_by(Resident.id)).all()
    answered = 0
    for resident_id in residents:
        if rng.random() >= ANSWERED:
            continue
        answers = EqualityAnswers(
            age_band=rng.choice(AGE_BANDS[:7]) if rng.random() > 0.05 else AGE_BANDS[-1],
            sex=rng.choice(SEXES),
            ethnicity=rng.choice(ETHNICITIES) if rng.random() > 0.2 else "",
            disability=rng.choice(DISABILITY),
            first_language=rng.choice(LANGUAGES) if rng.random() > 0.1 else "")
        services.residents.record_equality(actor, resident_id, answers, None)
        answered += 1
    yield f"equality monitoring answers for {answered} of {len(residents)} residents"
