"""Demo residents and a few months of desk work: contacts, consents, a representative, today's
walk-in queue and phone callbacks — enough for a new user to search, serve and explore.

Everything goes through the same services the desk uses, so demo data obeys every rule. History
is made by running the contact and queue services on a clock set back in time."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from .core.clock import Clock
from .core.errors import ValidationError
from .core.security import Actor
from .desk.callbacks import CallbackService
from .desk.consent import ConsentInput
from .desk.interactions import ContactInput, InteractionService
from .desk.queue import QueueService
from .desk.representatives import RepresentativeInput
from .desk.resident_input import ResidentInput
from .services import Services

DEMO_RESIDENTS = 240

# Given and family names as residents write them, in the scripts a borough's desks see.
_GIVEN = (
    "Oliver", "Amelia", "George", "Isla", "Grace", "Thomas", "Sarah", "James", "Zoë", "Chloé", "Kwame",
    "Siobhán", "Seán", "Aoife", "Łukasz", "Małgorzata", "Zofia", "Paweł", "Ștefan", "Ioana", "Mihai",
    "Ayşe", "Mehmet", "Faadumo", "Maxamed", "Ngozi", "Emeka", "João", "Inês", "María", "محمد", "فاطمة",
    "પ્રિયા", "રાજેશ", "প্রিয়াংকা", "Αλέξανδρος", "Ольга", "Дмитро", "Ngọc Anh", "明", "Nadia", "Yusuf",
)
_FAMILY = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Okafor", "Campbell", "O'Connor", "Murphy", "Żółć",
    "Wiśniewski", "Kowalczyk", "Popescu", "Ionescu", "Yılmaz", "Öztürk", "Cali", "Warsame", "Okonkwo",
    "Gonçalves", "Núñez", "الحسن", "خان", "પટેલ", "શાહ", "রহমান", "Παπαδόπουλος", "Шевченко", "Коваленко",
    "Trần", "Nguyễn", "李", "Begum", "Ahmed", "Dubois-Mensah", "Hughes", "Clarke",
)
# The first few, so README and new users have names to try ("lukasz zolc" finds the first).
_FIRST = (("Łukasz", "Żółć"), ("Amelia", "O'Connor"), ("Ștefan", "Ionescu"), ("محمد", "الحسن"),
          ("પ્રિયા", "પટેલ"))
_LANGUAGES = ("English", "English", "English", "Polish", "Romanian", "Turkish", "Somali", "Arabic", "Gujarati",
              "Bengali", "Portuguese", "Ukrainian", "Vietnamese", "Cantonese")
_STREETS = ("High Street", "Church Road", "Station Road", "Victoria Road", "Park Avenue", "Mill Lane",
            "Green Lanes", "Kingsland Road", "Mare Street", "Commercial Road")
_POSTCODES = ("E1 6AN", "E2 8DY", "E5 0LH", "E8 1EJ", "E9 6DB", "N1 5QJ", "N16 7UX", "E10 5NP", "E17 4JD",
              "N4 2HA", "E3 4QX", "E14 7DD")
_ACCESS = ("Uses a wheelchair", "Hearing aid: face them when speaking", "Large print, please",
           "Needs extra time to read forms", "")
_REASONS = ("Council Tax bill", "Blue badge renewal", "Housing repair", "Help with online form",
            "Missed bin", "Library membership", "Parking permit", "Universal Credit journal")
_NOTES = ("Helped them sign in and reset the password; they did the rest.",
          "Explained the letter and what to send back.",
          "Filled in the form with them; they will bring the tenancy agreement next week.",
          "Showed how to report it on the phone; they managed it alone the second time.",
          "Signposted to the Citizens Advice drop-in on Thursdays.")


def load_desk_demo(services: Services, admin: Actor, desk_staff: list[Actor], count: int = DEMO_RESIDENTS
                   ) -> Iterator[str]:
    """`count` residents (at least 20), their history, consents and a representative, today's
    walk-in queue and phone callbacks."""
    if not 20 <= count <= 1000:
        raise ValidationError(f"Demo residents: give a number from 20 to 1000, not {count}.", field="residents")
    rng = random.Random(2026)
    now = services.clock.now()
    today = now.date()
    residents = list(_register_residents(services, admin, rng, today, count))
    yield f"{len(residents)} residents"

    contacts = _log_history(services, desk_staff, residents, rng, now)
    yield f"{contacts} logged contacts over the last six months"

    _consents_and_representative(services, admin, residents)
    yield "consents and a representative with a lasting power of attorney"

    _queue_and_callbacks(services, desk_staff, residents, rng, now)
    yield "today's walk-in queue and phone callbacks"

    from .demo_requests import load_demo_requests

    made = load_demo_requests(services, desk_staff[0], residents, now)
    yield f"{made} back-office requests: accepted and progressing, one refused, some waiting to be sent"


def _register_residents(services: Services, admin: Actor, rng: random.Random, today: date, count: int
                        ) -> Iterator[int]:
    for n in range(count):
        given, family = _FIRST[n] if n < len(_FIRST) else (
            _GIVEN[n % len(_GIVEN)], _FAMILY[(n * 7 + n // len(_GIVEN)) % len(_FAMILY)])
        born = date(today.year - rng.randint(17, 92), rng.randint(1, 12), rng.randint(1, 28))
        data = ResidentInput(
            given_name=given, family_name=family,
            preferred_name="Ania" if given == "Zofia" and n % 3 == 0 else "",
            date_of_birth=born,
            address_line1=f"{rng.randint(1, 240)} {rng.choice(_STREETS)}",
            town="London",
            postcode=rng.choice(_POSTCODES),
            # Ofcom's London range kept for drama: these numbers never ring anyone. (Its mobile
            # drama range, 07700 900xxx, is not a valid number to the phonenumbers library.)
            phone=f"020 7946 0{n:03d}",
            email=f"resident{n}@example.org" if n % 3 == 0 else "",
            library_card=f"2900{n:08d}" if n % 2 == 0 else "",
            preferred_language=rng.choice(_LANGUAGES),
            interpreter_needed=n % 11 == 0,
            accessibility_needs=rng.choice(_ACCESS),
            preferred_contact=rng.choice(("phone", "sms", "email", "post")) if n % 3 == 0 else "phone",
        )
        yield services.residents.register(admin, data, confirm_not_duplicate=True).id


def _log_history(services: Services, staff: list[Actor], residents: list[int], rng: random.Random,
                 now: datetime) -> int:
    clock = _MovableClock(now)
    contacts = InteractionService(services.db, clock, services.consent, services.catalogue, services.attachments)
    codes = [entry.code for entry in services.catalogue.entries(staff[0])]
    moments = sorted(now - timedelta(days=rng.uniform(1, 180), minutes=rng.randint(0, 600))
                     for _ in range(len(residents) * 2))
    for moment in moments:
        clock.moment = moment
        outcome = rng.choices(("resolved", "follow_up", "referred", "escalated"), (80, 12, 6, 2))[0]
        contacts.log_interaction(rng.choice(staff), ContactInput(
            resident_id=rng.choice(residents) if rng.random() > 0.05 else None,
            channel=rng.choices(("face_to_face", "phone", "email"), (60, 35, 5))[0],
            service_code=rng.choice(codes),
            help_type=rng.choices(("information", "assisted"), (35, 65))[0],
            outcome=outcome,
            avoidable=rng.choices(("", "chasing", "failed_online"), (80, 12, 8))[0],
            minutes=rng.randint(3, 40),
            satisfaction=rng.choices(("good", "average", "poor", None), (70, 15, 5, 10))[0],
            notes=rng.choice(_NOTES),
        ))
    return len(moments)


def _consents_and_representative(services: Services, admin: Actor, residents: list[int]) -> None:
    for resident_id in residents[:len(residents) // 6]:
        services.consent.record_consent(admin, resident_id, ConsentInput("act_on_behalf", "council_tax", "verbal"))
        services.consent.record_consent(admin, resident_id, ConsentInput("contact", "phone", "verbal"))
    attorney = services.consent.add_representative(admin, residents[1], RepresentativeInput(
        name="Grace Okafor", relationship="attorney", phone="020 7946 0999",
        scope=("*",), evidence="LPA registration 7000-1234-5678"))
    services.consent.record_consent(admin, residents[1], ConsentInput(
        "act_on_behalf", "*", "written", representative_id=attorney.id))


def _queue_and_callbacks(services: Services, staff: list[Actor], residents: list[int], rng: random.Random,
                         now: datetime) -> None:
    clock = _MovableClock(now - timedelta(minutes=55))
    queue = QueueService(services.db, clock)
    callbacks = CallbackService(services.db, clock)
    desk = staff[0]  # the demo's "desk" user works at the first site
    for n in range(9):
        clock.moment += timedelta(minutes=rng.randint(3, 7))
        ticket = queue.issue_ticket(desk, resident_id=residents[n * 2] if n % 3 else None,
                                    visitor_name="" if n % 3 else "Visitor in a red coat",
                                    reason=rng.choice(_REASONS))
        if n < 4:  # the first ones have been served already
            clock.moment += timedelta(minutes=2)
            queue.call_ticket(desk, ticket.id)
            queue.start_service(desk, ticket.id)
            queue.end_service(desk, ticket.id)
    for n, hours in enumerate((-1, 1, 3, 26)):
        # The first was promised three hours ago for an hour ago, tried once, and is now overdue.
        clock.moment = now - timedelta(hours=3) if hours < 0 else now
        callback = callbacks.create(desk, reason=rng.choice(_REASONS), resident_id=residents[n * 3 + 2],
                                    due_by=now + timedelta(hours=hours))
        if hours < 0:
            clock.moment = now - timedelta(hours=2)
            callbacks.log_attempt(desk, callback.id, "no_answer", "Rang twice; no voicemail.")


class _MovableClock(Clock):
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment
