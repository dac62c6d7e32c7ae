"""Personalised documents read back from the PDF: the personal header on a guide, the personal plan
after an assessment, and the referral slip; built through the services on SQLite and PostgreSQL,
for names in many scripts, and with fields far longer than usual."""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from assisted_desk.core.errors import NotFound, PermissionDenied, ValidationError
from assisted_desk.core.security import Role
from assisted_desk.desk.resident_input import ResidentInput
from assisted_desk.inclusion.referral_content import SlipContent
from assisted_desk.inclusion.skills_vocab import Answer, Evidence, Goal
from assisted_desk.printing.guide_pdf import RenderProblem, render_guide
from assisted_desk.printing.guides import GuideLibrary
from assisted_desk.printing.layout import PrintFormat, page_style
from assisted_desk.printing.personal import DoneItem, PersonalHeader, header_for
from assisted_desk.printing.plan_pdf import PlanContent, PlanGuide, PlanReferral, PlanTask, plan_for, render_plan
from assisted_desk.printing.slip_pdf import render_referral_slip
from tests.conftest import make_actor
from tests.desk.contact_fixtures import contact
from tests.desk.submission_fixtures import requester, submit_missed_bin
from tests.inclusion.conftest import library
from tests.inclusion.referral_fixtures import add_partner, agree_to_share, register
from tests.printing.pdfcheck import STANDARD_14, fonts_used, page_texts, pdftotext, squash

LIBRARY = GuideLibrary()
ORG = "Good Things Foundation"
NAMES = ("Łukasz Żółć", "محمد الحسن", "પ્રિયા પટેલ", "Ελένη Παπαδοπούλου", "Дмитрий Иванов")
WHEN = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def coordinator(services, admin):
    return make_actor(services, admin, "coordinator", Role.COORDINATOR)


@pytest.fixture
def resident_id(services, admin):
    return services.residents.register(admin, ResidentInput(given_name="Łukasz", family_name="Kowalski")).id


def assert_fonts_embedded(path: Path) -> None:
    used = fonts_used(PdfReader(path))
    assert used and all(used.values()), used
    assert not any(name.split("+")[-1].startswith(STANDARD_14) for name in used), used


def whole_text(path: Path) -> str:
    """poppler's text (reads shaped Indic as typed) plus pypdf's, NFKC (reads Arabic in order)."""
    pypdf_text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    return pdftotext(path) + "\n" + unicodedata.normalize("NFKC", pypdf_text)


def a_header(name: str, **changes) -> PersonalHeader:
    values = dict(resident_name=name, printed_on=date(2026, 11, 23), staff_first_name="Amara",
                  site_name="Central Library",
                  done=(DoneItem("submission", "RQ-7K3F-Q2", "Report a missed bin: waiting to send", WHEN),
                        DoneItem("interaction", "AD-4M9P-X7", "Waste and recycling: we did it for you", WHEN)),
                  next_steps="The council will collect your bin within 3 working days.")
    values.update(changes)
    return PersonalHeader(**values)


# ---- the header on a guide ---------------------------------------------------------------------------


def test_a_guide_printed_for_a_resident_carries_their_header_in_any_script(tmp_path):
    guide = LIBRARY.get("bins")
    plain = render_guide(guide, PrintFormat.STANDARD, tmp_path / "plain.pdf")
    plain_text = pdftotext(plain.path)
    assert "Printed for" not in plain_text
    for number, name in enumerate(NAMES):
        fmt = PrintFormat.LARGE_PRINT if number == 0 else PrintFormat.STANDARD
        result = render_guide(guide, fmt, tmp_path / f"h{number}.pdf", header=a_header(name))
        text = whole_text(result.path)
        assert name in text, name
        for words in ("Printed on 23 November 2026 by Amara at Central Library", "RQ-7K3F-Q2", "AD-4M9P-X7",
                      "we did it for you", "What happens next", "within 3 working days", guide.title):
            assert squash(words) in squash(text), (name, words)
        # The header comes first, above the guide's own title.
        first_page = squash(page_texts(PdfReader(result.path))[0])
        assert first_page.index("Printedfor") < first_page.index(squash(guide.title))
        assert_fonts_embedded(result.path)
    # Nothing done today and nothing to say next: just who, when and by whom.
    bare = render_guide(guide, PrintFormat.EASY_READ, tmp_path / "bare.pdf",
                        header=a_header("Ελένη", done=(), next_steps=""))
    text = squash(pdftotext(bare.path))
    assert "Ελένη" in text and "Whatwedid" not in text and "Whathappensnext" not in text


def test_header_for_lists_what_was_done_today_as_the_actor_may_see_it(services, admin, coordinator, clock):
    resident = requester(services, admin, "Ελένη", "Παπαδοπούλου")
    clock.advance(days=-1)
    yesterday = services.interactions.log_interaction(admin, contact(resident, "council_tax"))
    clock.advance(days=1)
    today = services.interactions.log_interaction(coordinator, contact(resident, "council_tax"))
    receipt = submit_missed_bin(services, coordinator, resident)
    partner = add_partner(services, ORG, method="slip", service_name="Drop-in")
    agree_to_share(services, coordinator, resident, ORG)
    draft = services.referrals.draft(coordinator, resident, partner, need_areas=["transacting"])
    services.referrals.send(coordinator, draft.id, draft.version)
    unsent = services.referrals.draft(coordinator, resident, partner, need_text="Not sent yet")

    header = header_for(services, coordinator, resident, next_steps="  We will ring you on Friday.\n ")
    assert (header.resident_name, header.printed_on, header.staff_first_name, header.site_name) == \
        ("Ελένη Παπαδοπούλου", date(2026, 11, 23), "Coordinator", "Central Library")
    assert header.next_steps == "We will ring you on Friday."
    by_ref = {d.reference: d for d in header.done}
    assert set(by_ref) == {today, receipt.interaction_reference, receipt.submission_reference, draft.reference}
    assert yesterday not in by_ref and unsent.reference not in by_ref
    assert by_ref[today].words == "Council Tax: you did it with our help"
    assert by_ref[receipt.interaction_reference].words.endswith("we did it for you")
    assert by_ref[receipt.submission_reference].kind == "submission"
    assert by_ref[draft.reference].words == f"Referral to Drop-in ({ORG})"

    # Desk staff may not read referrals: theirs leaves them out instead of failing.
    desk = make_actor(services, admin, "deskstaff", Role.DESK)
    desk_header = header_for(services, desk, resident)
    assert {d.kind for d in desk_header.done} == {"interaction", "submission"}
    assert desk_header.staff_first_name == "Deskstaff"
    assert yesterday in {d.reference for d in header_for(services, coordinator, resident, today_only=False).done}

    with pytest.raises(ValidationError, match="at most 1000") as refused:
        header_for(services, coordinator, resident, next_steps="x" * 1001)
    assert refused.value.field == "next_steps"
    with pytest.raises(NotFound):
        header_for(services, coordinator, resident + 999)


# ---- the personal plan --------------------------------------------------------------------------------

OWN, HELP, CANT, NR = Answer.ON_MY_OWN, Answer.WITH_HELP, Answer.CANT_YET, Answer.NOT_RELEVANT
PLAN_ANSWERS = {"F1": OWN, "F2": OWN, "F3": OWN, "C-L1": OWN, "C-L2": HELP, "T-L1": HELP, "T-L2": CANT,
                "S-L1": CANT}


def assessed(services, actor, resident: int):
    services.skills.frameworks = library("one")
    record = services.skills.start(actor, resident, "full")
    for n, statement in enumerate(record.statements):
        record = services.skills.record_answer(actor, record.id, statement.code,
                                               PLAN_ANSWERS.get(statement.code, NR), Evidence.SAID, position=n + 1)
    record = services.skills.save_goals(actor, record.id, [Goal.COUNCIL_SERVICES, Goal.FAMILY],
                                        "Pay council tax myself; video call my grandson in Kraków")
    return services.skills.complete(actor, record.id)


def test_a_plan_from_a_real_assessment_and_referral(services, admin, coordinator, resident_id, tmp_path):
    partner = add_partner(services, ORG, service_name="Learn My Way",
                          locations=[("Whitechapel Idea Store", "321 Whitechapel Road\nLondon", "E1 1BU")],
                          schedules=[("MO,WE", "10:00", "12:00", ""), ("", "", "", "First Saturday of the month")])
    with pytest.raises(ValidationError, match="Łukasz Kowalski has no completed skills assessment yet"):
        plan_for(services, coordinator, resident_id)
    assessment = assessed(services, coordinator, resident_id)
    agree_to_share(services, coordinator, resident_id, ORG)
    draft = services.referrals.draft(coordinator, resident_id, partner, need_areas=["transacting"],
                                     assessment_id=assessment.id)
    services.referrals.send(coordinator, draft.id, draft.version)
    services.referrals.draft(coordinator, resident_id, partner, need_text="A draft is not a referral yet")

    plan = plan_for(services, coordinator, resident_id)
    assert (plan.resident_name, plan.staff_first_name, plan.site_name) == \
        ("Łukasz Kowalski", "Coordinator", "Central Library")
    assert plan.levels_reached == ("Foundation",)
    assert plan.can_do == ("I can do foundation task 1", "I can do foundation task 2", "I can do foundation task 3",
                           "I can do communicating life task 1")
    assert [t.sentence for t in plan.next_tasks] == [t.sentence for t in assessment.result.next_tasks]
    assert plan.next_tasks[0] == PlanTask("I can do transacting life task 1", "Transacting",
                                          ("Manage council services online",))
    assert plan.goals == ("Stay in touch with family and friends", "Manage council services online")
    [referral] = plan.referrals
    assert (referral.reference, referral.service_name, referral.status) == (draft.reference, "Learn My Way", "Sent")
    assert referral.where == ("Whitechapel Idea Store, 321 Whitechapel Road, London, E1 1BU",)
    assert referral.when == ("Mondays and Wednesdays, 10:00 to 12:00", "First Saturday of the month")
    assert referral.contact == ("Phone: 020 7946 0001", "Email: hello@example.org")
    slugs = [g.slug for g in plan.guides]
    assert 1 <= len(slugs) <= 3 and slugs[0] == "pay-council-tax" and len(set(slugs)) == len(slugs)
    assert "Central Library" in plan.come_back[0] and "Coordinator" in plan.come_back[0]

    for fmt in PrintFormat:
        result = render_plan(plan, fmt, tmp_path / f"plan-{fmt.value}.pdf")
        reader = PdfReader(result.path)
        assert len(reader.pages) == result.pages >= 1
        text = squash("".join(page_texts(reader)))
        for words in ("My digital skills plan", "Łukasz Kowalski", "What I can already do",
                      "I can do foundation task 1", "What I will learn next", "I can do transacting life task 1",
                      "video call my grandson in Kraków", "Learn My Way", draft.reference, "E1 1BU",
                      "Mondays and Wednesdays, 10:00 to 12:00", "Phone: 020 7946 0001",
                      LIBRARY.get("pay-council-tax").title, "Any library help desk"):
            assert squash(words) in text, (fmt, words)
        assert "Adraftisnotareferral" not in text
        assert_fonts_embedded(result.path)

    desk = make_actor(services, admin, "deskstaff", Role.DESK)
    with pytest.raises(PermissionDenied):
        plan_for(services, desk, resident_id)


# ---- the referral slip --------------------------------------------------------------------------------


def test_a_slip_holds_the_name_and_reference_and_nothing_unshared(services, admin, coordinator, tmp_path):
    resident = register(services, admin, "પ્રિયા", "પટેલ", date_of_birth="14/03/1985", phone="07400 123456",
                        email="priya@example.org", preferred_contact="phone", address_line1="1 High Street",
                        postcode="e1 6an", accessibility_needs="Uses a wheelchair")
    service = add_partner(services, ORG, method="slip", service_name="Drop-in",
                          locations=[("Whitechapel Idea Store", "321 Whitechapel Road\nLondon", "E1 1BU")],
                          schedules=[("MO,WE,FR", "10:00", "12:00", "")], url="https://example.org/dropin",
                          phone="020 7946 0002")
    agree_to_share(services, coordinator, resident, ORG)
    draft = services.referrals.draft(coordinator, resident, service, need_areas=["transacting"],
                                     need_text="Wants to pay bills online")
    slip = services.referrals.send(coordinator, draft.id, draft.version).slip
    result = render_referral_slip(slip, PrintFormat.STANDARD, tmp_path / "slip.pdf")
    assert result.pages == 1
    text = whole_text(result.path)
    for words in ("પ્રિયા પટેલ", draft.reference, f"Referral to {ORG}", "Drop-in", "E1 1BU", "10:00–12:00",
                  "Phone: 07400 123456", "Wants to pay bills online", "Referred by Coordinator at Central Library"):
        assert squash(words) in squash(text), words
    for private in ("1985", "14/03", "priya@example.org", "High Street", "E1 6AN", "wheelchair"):
        assert private not in text
    # The reference is in the largest type on the slip: taller than the title's line.
    heights = {m.group(3): float(m.group(2)) - float(m.group(1)) for m in re.finditer(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>',
        pdftotext(result.path, "-bbox"))}
    assert heights[draft.reference] > heights[f"Referral to {ORG}"] > heights["Drop-in"]
    assert_fonts_embedded(result.path)


# ---- huge fields ---------------------------------------------------------------------------------------

LONG_NAME = "Łukasz-Bartholomew " * 6 + "Żółć"
LONG_URL = "https://www.example-partner.org.uk/services/digital-inclusion/drop-in-sessions/booking?ref=desk-print"


def huge_plan() -> PlanContent:
    referrals = tuple(PlanReferral(
        f"RF-{n:04d}-AB", f"Digital help session number {n} with a very long service name", "Fundacja Łódź Café",
        "Accepted", (f"Room {n}, " + "Whitechapel Idea Store, 321 Whitechapel Road, London, E1 1BU " * 3,),
        ("Mondays, Wednesdays and Fridays, 10:00 to 12:00; term time only, not bank holidays",),
        ("Phone: 020 7946 0001", f"Email: referrals-team-{n}@example-partner.org.uk", LONG_URL))
        for n in range(1, 13))
    return PlanContent(LONG_NAME, date(2026, 11, 23), date(2026, 11, 23), "Amara", "Central Library",
                       ("Foundation",), tuple(f"I can do task {n} " + "and more words " * 10 for n in range(20)),
                       tuple(PlanTask("I can " + "fill in a long form online " * 8, "Transacting",
                                      ("Manage council services online",)) for _ in range(6)), 14,
                       ("Money and banking",), "ż" * 50 + " " + "Kraków " * 140, referrals,
                       (PlanGuide("bins", "en", "Report a missed bin", LONG_URL),),
                       ("Come back to Central Library and ask for Amara.", "Any library help desk can help you too."))


def huge_slip() -> SlipContent:
    return SlipContent(LONG_NAME, ("Phone: 07400 123456", "Email: " + "a" * 80 + "@example.org"),
                       "Fundacja Łódź Café", "Drop-in " * 20, ("Whitechapel Idea Store " * 8,),
                       ("Mondays " * 30,), ("Phone: 020 7946 0002", LONG_URL),
                       ("Needs help with online forms, email and video calls. " * 20)[:1000], "RF-7K3F-Q2",
                       "Central Library", "Amara")


def test_huge_fields_render_without_running_past_the_margins(tmp_path):
    fmt = PrintFormat.LARGE_PRINT
    header = a_header(LONG_NAME, done=tuple(DoneItem("referral", f"RF-{n:04d}-CD", "Referral " * 12, WHEN)
                                            for n in range(12)), not_listed=3,
                      next_steps=("We will call you when the council replies. " * 30)[:1000])
    plan = render_plan(huge_plan(), fmt, tmp_path / "plan.pdf")
    slip = render_referral_slip(huge_slip(), fmt, tmp_path / "slip.pdf")
    guide = render_guide(LIBRARY.get("bins"), fmt, tmp_path / "guide.pdf", header=header)
    assert plan.pages >= 4 and slip.pages >= 2 and guide.pages >= 2
    writer = PdfWriter()  # one PDF, so poppler runs once for all three
    for result in (plan, slip, guide):
        writer.append(str(result.path))
    merged = tmp_path / "all.pdf"
    writer.write(merged)
    style = page_style(fmt)
    bbox = pdftotext(merged, "-bbox")
    boxes = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', bbox)
    assert len(boxes) > 200
    width, height = style.page_size
    for x_min, y_min, x_max, y_max in boxes:
        assert float(x_min) >= style.margin - 1 and float(x_max) <= width - style.margin + 1
        assert float(y_min) >= style.margin * 0.5 - 1 and float(y_max) <= height - style.margin * 0.5 + 1
    text = squash(re.sub(r"<[^>]+>", "", bbox))
    for n in range(1, 13):
        assert f"RF-{n:04d}-AB" in text
    assert "and3moreonyourrecord" in text and "RF-7K3F-Q2" in text
    assert squash(huge_slip().need[-40:]) in text


def test_documents_go_to_a_file_object_or_say_where_they_could_not_be_saved(tmp_path):
    buffer = io.BytesIO()
    assert render_referral_slip(huge_slip(), PrintFormat.STANDARD, buffer).path is None
    assert buffer.getvalue().startswith(b"%PDF")
    with pytest.raises(RenderProblem, match="does not exist"):
        render_plan(huge_plan(), PrintFormat.EASY_READ, tmp_path / "missing" / "plan.pdf")
    assert not (tmp_path / "missing").exists()


def test_an_address_longer_than_a_page_still_renders_in_every_format(tmp_path):
    # A directory place may hold 1,000 characters of address, plus its name and postcode; in large
    # print one row of that is taller than a page, which ReportLab could not split (LayoutError).
    address = "Flat 12, " + "Whitechapel Idea Store, 321 Whitechapel Road, London " * 40 + "E1 1BU"
    referral = PlanReferral("RF-0001-AB", "Drop-in", "Fundacja Łódź Café", "Accepted", (address,), ("Mondays",),
                            ("Phone: 020 7946 0001",))
    plan = dataclasses.replace(huge_plan(), referrals=(referral,))
    for fmt in PrintFormat:
        result = render_plan(plan, fmt, tmp_path / f"plan-{fmt.value}.pdf")
        assert result.pages >= 2
    text = squash(" ".join(p.extract_text() for p in PdfReader(tmp_path / "plan-large-print.pdf").pages))
    assert squash("Flat 12, Whitechapel") in text and squash("London E1 1BU") in text
