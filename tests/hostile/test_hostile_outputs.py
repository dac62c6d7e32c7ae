"""What leaves the desk with hostile text in it: report exports (CSV, XLSX) where partner and site
names are spreadsheet formulas come out neutralised, on SQLite and PostgreSQL; guides, plans and
referral slips printed with every storable hostile string still render and read back with pypdf."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from assisted_desk.core.security import Role
from assisted_desk.inclusion.referral_content import SlipContent
from assisted_desk.printing.guide_pdf import render_guide
from assisted_desk.printing.guides import GuideLibrary
from assisted_desk.printing.layout import PrintFormat
from assisted_desk.printing.personal import PersonalHeader
from assisted_desk.printing.plan_pdf import PlanContent, PlanReferral, render_plan
from assisted_desk.printing.slip_pdf import render_referral_slip
from assisted_desk.reporting.export import write_csv, write_xlsx
from assisted_desk.reporting.model import ReportKind, ReportRequest
from tests.inclusion.referral_fixtures import add_partner, force_status, register

from ..conftest import make_actor
from .strings import FORMULAS, all_strings, chunks, documented_clean, storable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_PARTNERS = (*FORMULAS, " =1+2", "=IMPORTXML(\"http://x\",\"//a\")", "<script>alert(1)</script>",
                    "Fundacja Łódź", "\u202eevil", "👩‍👩‍👧‍👦")


# ---- exports ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_report(desk_services, tmp_path_factory):
    """A referral report over partners and a site whose names are formulas, written as CSV and XLSX."""
    services, admin = desk_services
    site = services.staff.add_site(admin, "=HYPERLINK(\"http://evil\",\"Library\")", "library")
    coordinator = make_actor(services, admin, "hostile.coordinator", Role.COORDINATOR)
    resident = register(services, coordinator, "Ștefan", "Popescu")
    names = []
    for n, name in enumerate(HOSTILE_PARTNERS):
        service_id = add_partner(services, documented_clean(name), service_name=f"{documented_clean(name)} {n}")
        names.append(documented_clean(name))
        referral = services.referrals.draft(coordinator, resident, service_id, need_text="Email")
        force_status(services, referral.id, "sent")
    request = ReportRequest(ReportKind.REFERRALS, date(2026, 11, 1), date(2026, 11, 30), protect=False)
    report = services.reports.run_now(admin, request)
    folder = tmp_path_factory.mktemp("exports")
    write_csv(report, folder / "report.csv")
    write_xlsx(report, folder / "report.xlsx")
    return folder, names, site.name


def test_a_csv_export_neutralises_hostile_partner_names(hostile_report):
    folder, names, _site = hostile_report
    with open(folder / "report.csv", newline="", encoding="utf-8-sig") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row if isinstance(cell, str)]
    dangerous = [c for c in cells if c.startswith(FORMULA_STARTS) and not _number(c)]
    assert not dangerous, dangerous
    shown = "\n".join(cells)
    for name in names:
        if name.startswith(FORMULA_STARTS):
            assert "'" + name in shown, name  # there, and shown as text
        else:
            assert name in shown, name


def test_an_xlsx_export_holds_no_formula(hostile_report):
    folder, names, _site = hostile_report
    book = load_workbook(folder / "report.xlsx")
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert not cell.value.startswith(FORMULA_STARTS) or _number(cell.value), cell.value
    assert any(("'" + names[0]) in text for text in texts)


def _number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


# ---- printed documents ------------------------------------------------------------------------


def batches() -> list[str]:
    """Every storable hostile string (what a record can hold), in a few long texts, each batch
    marked so the read-back can find it."""
    kept = [documented_clean(s) for s in all_strings() if storable(s) and documented_clean(s)]
    return [f"MARK{n:02d} " + " ".join(batch) for n, batch in enumerate(chunks(kept, 150))]


def read_back(path) -> str:
    reader = PdfReader(path)
    assert len(reader.pages) >= 1
    return " ".join(page.extract_text() for page in reader.pages)


def test_guides_plans_and_slips_render_every_hostile_string(tmp_path):
    guide = GuideLibrary().get("bins")
    for n, text in enumerate(batches()):
        short = text[:100]
        fmt = list(PrintFormat)[n % len(PrintFormat)]
        header = PersonalHeader(resident_name=short, printed_on=date(2026, 11, 23), staff_first_name=short[:40],
                                site_name=short, next_steps=text[:1000])
        guide_pdf = render_guide(guide, fmt, tmp_path / f"guide{n}.pdf", header=header)
        referral = PlanReferral(f"RF-{n:04d}-AB", short, short, "Sent", (text[:1000],), (short,), (f"Email: {short}",))
        plan = PlanContent(resident_name=short, printed_on=date(2026, 11, 23), assessed_on=date(2026, 11, 23),
                           staff_first_name=short[:40], site_name=short, levels_reached=(), can_do=(short,),
                           next_tasks=(), more_tasks=0, goals=(short,), goals_own_words=text[:2000],
                           referrals=(referral,), guides=(), come_back=(short,))
        plan_pdf = render_plan(plan, fmt, tmp_path / f"plan{n}.pdf")
        slip = SlipContent(resident_name=short, resident_contact=(short,), partner_name=short, service_name=short,
                           where=(text[:1000],), when=(short,), partner_contact=(short,), need=text[:2000],
                           reference=f"RF-{n:04d}-AB", site_name=short, staff_first_name=short[:40])
        slip_pdf = render_referral_slip(slip, fmt, tmp_path / f"slip{n}.pdf")
        for result in (guide_pdf, plan_pdf, slip_pdf):
            assert result.pages >= 1
            assert f"MARK{n:02d}" in read_back(result.path).replace(" ", "")
