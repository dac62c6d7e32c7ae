"""The report as a PDF: every table's title and every figure as the screen shows it, the rules on the
first page, charts drawn (hidden figures left out, and said so), fonts embedded, "Page n of m",
and names in any script readable back as typed."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from assisted_desk.printing.report_charts import SERIES, ChartBlock, chart_series
from assisted_desk.printing.report_pdf import render_report_pdf, write_report_pdf
from assisted_desk.printing.text import clean
from assisted_desk.reporting.export import ExportProblem, rag_words
from assisted_desk.reporting.model import Dimension, ReportKind, ReportRequest
from tests.printing.pdfcheck import STANDARD_14, fonts_used, page_png, pdftotext, squash
from tests.reporting.test_export import all_rows, sample_report


def check_pdf(report, path: Path, pages: int) -> list[str]:
    """The PDF at `path` holds every title, label and shown figure of `report`, states its rules
    first, numbers its pages "n of m" and embeds every font. Returns each page's text."""
    reader = PdfReader(path)
    assert pages == len(reader.pages)
    fonts = fonts_used(reader)
    assert fonts and all(fonts.values()), fonts
    assert not [name for name in fonts if name.split("+")[-1].startswith(STANDARD_14)]
    # poppler reads shaped Indic text as typed (its /ActualText); pypdf, NFKC, reads Arabic in order.
    texts = [pdftotext(path, "-f", str(n), "-l", str(n)) + "\n" + unicodedata.normalize("NFKC", page.extract_text())
             for n, page in enumerate(reader.pages, 1)]
    for number, text in enumerate(texts, 1):
        assert f"Page {number} of {pages}" in text
    first = squash(texts[0])
    for words in (report.title, report.period, report.scope, report.rules, "Disclosure control"):
        assert squash(clean(words)) in first, words
    everything = squash("".join(texts))
    for table in report.tables:
        assert squash(clean(table.title)) in everything
        for row in all_rows(table):
            assert squash(clean(row.label)) in everything, row.label
            for column in table.columns:
                assert squash(clean(rag_words(row.cell(column.key)))) in everything, (table.key, row.key, column.key)
    return texts


def colour_pixels(png: Path, colour) -> int:
    """How many pixels of a page picture are (nearly) the given series colour."""
    want = tuple(round(c * 255) for c in colour.rgb())
    colours = Image.open(png).convert("RGB").getcolors(1 << 24)
    return sum(n for n, pixel in colours if all(abs(a - b) <= 12 for a, b in zip(pixel, want)))


def test_a_report_prints_every_figure_with_its_charts(artifacts):
    report = sample_report(extra_rows=30)
    path = artifacts / "report-sample.pdf"
    pages = write_report_pdf(report, path)
    assert pages >= 5
    texts = check_pdf(report, path, pages)
    assert "Referrals by partner: [all] / sites? *" in texts[0] and "=Cure Ltd" in texts[0]
    assert all("Referral outcomes, 1 April 2026 to 31 March 2027" in text for text in texts)
    everything = "".join(texts)
    assert "دروس محمد" in everything and "પ્રિયા ફોન ક્લબ" in everything and "Komputery — Łukasz Żółć" in everything
    assert "14.5 min (Green)" in everything and "[c] not drawn: 3 figures hidden by disclosure control" in everything
    assert "[c] not drawn: 1 figure hidden by disclosure control is left out" in everything
    # The partner chart runs across (36 partners) and onto a second page; its legend and labels are on both.
    chart_pages = [n for n, text in enumerate(texts, 1) if "Partner number 20 with a long name" in text]
    assert len(chart_pages) == 2  # once in the table, once beside its bar
    for number in range(1, pages + 1):
        page_png(path, number, artifacts / f"report-sample-{number}", dpi=70)
    bars = artifacts / f"report-sample-{chart_pages[1]}.png"
    assert colour_pixels(bars, SERIES[0]) > 500 and colour_pixels(bars, SERIES[1]) > 500
    line_page = next(n for n, text in enumerate(texts, 1) if "Contacts by month" in text and "[c] not drawn" in text)
    assert colour_pixels(artifacts / f"report-sample-{line_page}.png", SERIES[0]) > 100


def test_hidden_and_missing_figures_are_not_drawn():
    report = sample_report()
    partners, months = report.table("partners"), report.table("months")
    names, series, hidden = chart_series(partners)
    assert names == ["Referred", "Attended"] and hidden == 3
    assert series[0] == [40, 10, 0, 1235, None, 55] and series[1] == [25, None, 0, 1000, None, 20]
    line = ChartBlock(months)
    data, owners = line._upright_data()
    # July is hidden and December has no figure: the line breaks at both instead of joining across.
    assert owners == [0, 0, 0]
    assert [[i for i, v in enumerate(run) if v is not None] for run in data] == [[0, 1, 2], [4, 5, 6, 7], [9, 10, 11]]
    assert ChartBlock(report.table("funnel")).across and not ChartBlock(partners).across
    assert ChartBlock(sample_report(extra_rows=30).table("partners")).across


def test_a_report_without_tables_says_so_and_states_its_rules(tmp_path):
    report = sample_report(rules="Disclosure control is OFF: these figures are not for publication.")
    report.tables = []
    data, pages = render_report_pdf(report)
    path = tmp_path / "empty.pdf"
    path.write_bytes(data)
    text = check_pdf(report, path, pages)[0]
    assert pages == 1 and "This report has no tables" in text and "Disclosure control is OFF" in text


def test_a_pdf_that_cannot_be_saved_leaves_nothing(tmp_path):
    with pytest.raises(ExportProblem) as refused:
        write_report_pdf(sample_report(), tmp_path / "missing" / "report.pdf")
    assert "does not exist" in str(refused.value) and "Choose a folder" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("kind", list(ReportKind))
def test_counted_reports_print_as_the_screen_shows_them(services, admin, clock, artifacts, kind):
    from tests.reporting.desk_data import build_history

    build_history(services, admin, clock)
    report = services.reports.run_now(admin, ReportRequest(kind, date(2026, 7, 1), date(2026, 9, 30),
                                                           breakdown=Dimension.SEX))
    path = artifacts / f"report-{kind.value}.pdf"
    pages = write_report_pdf(report, path)
    check_pdf(report, path, pages)
    for number in range(1, pages + 1):
        page_png(path, number, artifacts / f"report-{kind.value}-{number}", dpi=70)
