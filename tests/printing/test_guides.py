"""The guide library: every shipped guide loads and is complete, each kind of mistake in a guide
file is reported with the file and line, staff find guides by the words residents use, and a
translation is chosen by the resident's language with English as the fallback."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from assisted_desk.core.errors import FileProblem, NotFound
from assisted_desk.core.paths import resources_dir
from assisted_desk.printing.guides import (
    MAX_EASY_STEP, MAX_STEP, MAX_TITLE, PLACEHOLDER_DOMAIN, Guide, GuideError, GuideLibrary,
    GuideNotFound, Step, guide_language, load_guide,
)

SHIPPED = GuideLibrary()
PICTURE = resources_dir() / "guides" / "pictures" / "pay-now-button.png"

EXPECTED_SLUGS = {
    "council-account", "pay-council-tax", "council-tax-moving", "bins", "street-problem",
    "parking-permit", "library-ebooks", "book-a-pitch-or-room", "school-place",
    "scams-and-safety", "video-call", "free-data-and-devices",
}

VALID = textwrap.dedent("""\
    slug: report-a-leak
    language: en
    title: Report a leak in a council home
    for_whom: For council tenants who see water coming in.
    service_url: https://www.example-council.gov.uk/repairs
    short_url: example-council.gov.uk/repairs
    keywords:
      - leak
      - repairs
    before_you_start:
      - Your tenancy reference.
    steps:
      - Open example-council.gov.uk/repairs.
      - text: Tap Report a repair.
        picture: button.png
        picture_alt: A button that says Report a repair.
      - No
    easy_read_steps:
      - Go to the repairs page.
    if_it_goes_wrong:
      - If water is near electrics, call the emergency line.
    where_to_get_help:
      - Any library help desk.
    """)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "pictures").mkdir()
    shutil.copy(PICTURE, tmp_path / "pictures" / "button.png")
    return tmp_path


def write(folder: Path, text: str, name: str = "report-a-leak.en.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def problem(folder: Path, text: str, name: str = "report-a-leak.en.yaml") -> GuideError:
    path = write(folder, text, name)
    with pytest.raises(GuideError) as caught:
        load_guide(path)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{name}")  # the file is named in the message
    return caught.value


# ---- the shipped guides ---------------------------------------------------------------------------

def test_every_shipped_guide_loads_and_the_twelve_tasks_are_there():
    assert SHIPPED.problems() == ()
    assert set(SHIPPED.slugs()) == EXPECTED_SLUGS
    guides = SHIPPED.all()
    assert len(guides) == 12 and all(isinstance(g, Guide) and g.language == "en" for g in guides)
    assert [g.title.casefold() for g in guides] == sorted(g.title.casefold() for g in guides)
    assert len({g.title for g in guides}) == 12


@pytest.mark.parametrize("guide", SHIPPED.all(), ids=lambda g: g.slug)
def test_each_shipped_guide_is_complete_for_printing(guide: Guide):
    assert guide.title and guide.for_whom and guide.where_to_get_help
    assert 5 <= len(guide.steps) <= 25 and all(isinstance(s, Step) and s.text for s in guide.steps)
    assert guide.easy_read_steps and all(len(s.text) <= MAX_EASY_STEP for s in guide.easy_read_steps)
    assert guide.keywords and guide.before_you_start and guide.if_it_goes_wrong
    for step in guide.steps:
        if step.picture is not None:
            assert step.picture.is_file() and step.picture_alt
    if guide.has_online_service:
        assert guide.service_url.startswith("https://") and guide.short_url
        assert "https://" not in guide.short_url
    assert guide.source_file.name == f"{guide.slug}.{guide.language}.yaml"
    assert not guide.needs_review


def test_council_services_use_the_placeholder_domain_and_national_ones_their_own():
    council = {g.slug for g in SHIPPED.all() if PLACEHOLDER_DOMAIN in g.service_url}
    assert council == EXPECTED_SLUGS - {"school-place", "scams-and-safety", "free-data-and-devices", "video-call"}
    assert SHIPPED.get("school-place").service_url.startswith("https://www.gov.uk/")
    assert SHIPPED.get("video-call").service_url == "" and SHIPPED.get("video-call").short_url == ""


def test_shipped_guides_have_pictures_that_exist():
    pictures = [s.picture for g in SHIPPED.all() for s in g.steps if s.picture]
    assert len(pictures) >= 3 and all(p.is_file() and p.parent.name == "pictures" for p in pictures)


def test_the_polish_council_tax_guide_is_a_reviewed_flagged_translation():
    polish = SHIPPED.get("pay-council-tax", "pl")
    english = SHIPPED.get("pay-council-tax")
    assert polish.language == "pl" and polish.is_translation and polish.needs_review
    assert "Zapłać" in polish.title and polish.source_file.name == "pay-council-tax.pl.yaml"
    assert len(polish.steps) == len(english.steps)
    assert polish.service_url == english.service_url
    assert SHIPPED.languages("pay-council-tax") == ("en", "pl")


# ---- finding guides by the resident's words --------------------------------------------------------

@pytest.mark.parametrize("words, slug", [
    ("bin", "bins"), ("my bins were not collected", "bins"), ("rubbish", "bins"),
    ("parking", "parking-permit"), ("visitor permit", "parking-permit"),
    ("password", "council-account"), ("forgotten my password", "council-account"),
    ("scam", "scams-and-safety"), ("fake text message", "scams-and-safety"),
    ("video call", "video-call"), ("WhatsApp", "video-call"),
    ("free data", "free-data-and-devices"), ("laptop", "free-data-and-devices"),
    ("cheap broadband", "free-data-and-devices"),
    ("council tax", "pay-council-tax"), ("direct debit", "pay-council-tax"),
    ("moving house", "council-tax-moving"), ("pothole", "street-problem"),
    ("fly tipping", "street-problem"), ("e-books", "library-ebooks"),
    ("football pitch", "book-a-pitch-or-room"), ("school place", "school-place"),
    ("PASSWORD", "council-account"), ("Bins", "bins"),
])
def test_search_by_resident_words_finds_the_right_guide_first(words, slug):
    found = SHIPPED.search(words)
    assert found and found[0].slug == slug


def test_search_with_nothing_to_match_finds_nothing():
    assert SHIPPED.search("") == ()
    assert SHIPPED.search("   the and of  ") == ()
    assert SHIPPED.search("xylophone zebra") == ()


def test_search_returns_guides_in_the_residents_language_and_reads_the_translation():
    found = SHIPPED.search("council tax", language="Polish")
    assert found[0].slug == "pay-council-tax" and found[0].language == "pl"
    assert all(g.language == "en" for g in found[1:])  # untranslated guides fall back
    assert SHIPPED.search("podatek", language="pl")[0].slug == "pay-council-tax"
    assert SHIPPED.search("podatek") == ()  # English only: the Polish words are not searched


# ---- languages ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("preferred, code", [
    ("Polish", "pl"), ("polski", "pl"), ("pl", "pl"), ("pl-PL", "pl"), ("Romanian", "ro"),
    ("العربية", "ar"), ("ગુજરાતી", "gu"), ("", "en"), (None, "en"), ("Klingon", "en"),
])
def test_guide_language_reads_a_preferred_language_written_freely(preferred, code):
    assert guide_language(preferred) == code


def test_get_falls_back_to_english_when_there_is_no_translation():
    assert SHIPPED.get("bins", "pl").language == "en"
    assert SHIPPED.get("pay-council-tax", "polski").language == "pl"
    assert SHIPPED.get("pay-council-tax", "Arabic").language == "en"
    assert SHIPPED.get("pay-council-tax", None).language == "en"
    assert SHIPPED.languages("bins") == ("en",)
    assert SHIPPED.languages("no-such-guide") == ()
    assert {g.language for g in SHIPPED.all("pl")} == {"en", "pl"}


def test_an_unknown_slug_is_refused_with_a_suggestion():
    with pytest.raises(GuideNotFound) as caught:
        SHIPPED.get("bin")
    assert isinstance(caught.value, NotFound)
    assert "'bin'" in str(caught.value) and "bins" in str(caught.value)


# ---- a guide file that loads ---------------------------------------------------------------------------

def test_a_valid_file_loads_with_its_picture_and_plain_words_kept_as_words(folder):
    guide = load_guide(write(folder, VALID))
    assert guide.slug == "report-a-leak" and guide.language == "en"
    assert guide.steps[1] == Step("Tap Report a repair.", folder / "pictures" / "button.png",
                                  "A button that says Report a repair.")
    assert guide.steps[2].text == "No"  # not turned into False by YAML
    assert guide.short_url == "example-council.gov.uk/repairs"
    assert guide.easy_read_steps == (Step("Go to the repairs page."),)


def test_optional_parts_may_be_left_out(folder):
    text = textwrap.dedent("""\
        slug: say-hello
        language: en
        title: Say hello
        for_whom: Anyone.
        steps:
          - Wave.
        where_to_get_help:
          - The desk.
        """)
    guide = load_guide(write(folder, text, "say-hello.en.yaml"))
    assert guide.service_url == guide.short_url == "" and not guide.has_online_service
    assert guide.easy_read_steps is None and guide.keywords == () and guide.before_you_start == ()


def test_names_in_any_script_load_intact(folder):
    text = VALID.replace("Report a leak in a council home", "Łukasz, محمد and પ્રિયા: read this") \
        .replace("title: Łukasz", 'title: "Łukasz').replace("read this", 'read this"')
    text = text.replace("For council tenants who see water coming in.", "Für Ștefan, Ελένη und Дмитрий.")
    guide = load_guide(write(folder, text))
    assert guide.title == "Łukasz, محمد and પ્રિયા: read this"
    assert guide.for_whom == "Für Ștefan, Ελένη und Дмитрий."


# ---- each mistake reported with the file and the line -------------------------------------------------

def test_a_missing_required_part_is_named(folder):
    error = problem(folder, VALID.replace("where_to_get_help:\n  - Any library help desk.\n", ""))
    assert "'where_to_get_help:' is missing" in error.problem and error.line is None


def test_an_unknown_part_is_reported_on_its_line_with_a_suggestion(folder):
    text = VALID.replace("for_whom:", "for_who:")
    error = problem(folder, text)
    assert error.line == line_of(text, "for_who:")
    assert "'for_who'" in error.problem and "Did you mean 'for_whom'" in error.problem
    assert str(error).startswith(f"report-a-leak.en.yaml, line {error.line}:")


def test_an_unknown_step_part_is_reported(folder):
    text = VALID.replace("picture_alt:", "caption:")
    error = problem(folder, text)
    assert error.line == line_of(text, "caption:") and "'caption'" in error.problem


def test_a_part_written_twice_is_reported_on_the_second(folder):
    text = VALID + "title: Another title\n"
    error = problem(folder, text)
    assert error.line == len(text.splitlines()) and "appears twice" in error.problem
    assert "line 3" in error.problem


@pytest.mark.parametrize("replacement, fragment, says", [
    ("steps:\n", "steps:", "at least one step"),  # no steps at all
    ("steps: []\n", "steps:", "at least one step"),
])
def test_empty_steps_are_refused(folder, replacement, fragment, says):
    start = VALID.index("steps:\n")
    end = VALID.index("easy_read_steps:")
    text = VALID[:start] + replacement + VALID[end:]
    error = problem(folder, text)
    assert error.line == line_of(text, fragment) and says in error.problem


def test_an_empty_step_is_refused_on_its_line(folder):
    text = VALID.replace("  - No\n", '  - ""\n')
    error = problem(folder, text)
    assert error.line == line_of(text, '- ""') and "step 3 of steps is empty" in error.problem


def test_a_step_with_a_stray_colon_gets_a_hint(folder):
    text = VALID.replace("  - No\n", "  - Tap: Sign in\n")
    error = problem(folder, text)
    assert error.line == line_of(text, "Tap: Sign in") and "double quotes" in error.problem
    quoted = VALID.replace("  - No\n", '  - "Tap: Sign in"\n')
    assert load_guide(write(folder, quoted)).steps[2].text == "Tap: Sign in"


@pytest.mark.parametrize("old, new, limit", [
    ("title: Report a leak in a council home", "title: " + "Leak " * 20, MAX_TITLE),
    ("  - Open example-council.gov.uk/repairs.", "  - " + "Open the page. " * 25, MAX_STEP),
    ("  - Go to the repairs page.", "  - " + "Go to the page. " * 9, MAX_EASY_STEP),
])
def test_too_long_texts_are_refused_with_the_limit(folder, old, new, limit):
    text = VALID.replace(old, new)
    error = problem(folder, text)
    assert error.line == line_of(text, new.strip()[:20]) and f"keep it to {limit}" in error.problem


def test_a_missing_picture_file_is_reported(folder):
    text = VALID.replace("picture: button.png", "picture: no-such.png")
    error = problem(folder, text)
    assert error.line == line_of(text, "no-such.png") and "'no-such.png' is not in the pictures/ folder" in error.problem


def test_a_picture_outside_the_pictures_folder_or_without_alt_is_refused(folder):
    text = VALID.replace("picture: button.png", "picture: ../../etc/passwd.png")
    assert problem(folder, text).line == line_of(text, "picture:")
    text = VALID.replace("    picture_alt: A button that says Report a repair.\n", "")
    error = problem(folder, text)
    assert error.line == line_of(text, "picture:") and "picture_alt" in error.problem


def test_service_url_must_be_https(folder):
    text = VALID.replace("https://www.example-council.gov.uk/repairs", "http://www.example-council.gov.uk/repairs")
    error = problem(folder, text)
    assert error.line == line_of(text, "service_url:") and "https://" in error.problem


@pytest.mark.parametrize("short", ["https://example-council.gov.uk/repairs", "example council/repairs",
                                   "example-council.gov.uk/" + "r" * 40])
def test_short_url_form_is_checked(folder, short):
    text = VALID.replace("short_url: example-council.gov.uk/repairs", f"short_url: {short}")
    assert problem(folder, text).line == line_of(text, "short_url:")


def test_service_url_and_short_url_go_together(folder):
    text = VALID.replace("short_url: example-council.gov.uk/repairs\n", "")
    assert "needs a short_url" in problem(folder, text).problem
    text = VALID.replace("service_url: https://www.example-council.gov.uk/repairs\n", "")
    assert "only used with a service_url" in problem(folder, text).problem


@pytest.mark.parametrize("old, new, says", [
    ("slug: report-a-leak", "slug: Report A Leak", "lower-case"),
    ("language: en", "language: english", "two-letter"),
    ("language: en", "language: no", "two-letter"),  # YAML's 'no' is read as text, not False
])
def test_bad_slug_and_language_are_refused(folder, old, new, says):
    text = VALID.replace(old, new)
    error = problem(folder, text)
    assert error.line == line_of(text, new) and says in error.problem


def test_needs_review_must_be_true_or_false(folder):
    text = VALID.replace("language: en\n", "language: en\nneeds_review: perhaps\n")
    error = problem(folder, text)
    assert error.line == line_of(text, "needs_review") and "'true' or 'false'" in error.problem


def test_a_list_part_written_as_one_line_is_refused(folder):
    text = VALID.replace("keywords:\n  - leak\n  - repairs\n", "keywords: leak\n")
    error = problem(folder, text)
    assert error.line == line_of(text, "keywords:") and "must be a list" in error.problem


def test_broken_yaml_is_reported_with_its_line(folder):
    text = VALID.replace("  - Your tenancy reference.", '  - "Your tenancy reference.')
    error = problem(folder, text)
    assert error.line is not None and "cannot be read" in error.problem
    text = VALID.replace("  - leak", "\t- leak")
    error = problem(folder, text)
    assert error.line == line_of(text, "\t- leak")


def test_a_file_not_saved_as_utf8_is_reported(folder):
    path = folder / "report-a-leak.en.yaml"
    path.write_bytes(VALID.replace("Any library help desk.", "Caf\xe9 desk.").encode("latin-1"))
    with pytest.raises(GuideError) as caught:
        load_guide(path)
    assert caught.value.line == line_of(VALID, "Any library help desk.") and "UTF-8" in caught.value.problem


def test_a_file_that_is_not_a_guide_is_refused(folder):
    assert "list of parts" in problem(folder, "- just\n- a list\n").problem


# ---- problems across files -----------------------------------------------------------------------------

def only_problem(library: GuideLibrary) -> GuideError:
    (error,) = library.problems()
    return error


def test_duplicate_slugs_are_reported_on_the_second_file_and_it_is_left_out(folder):
    write(folder, VALID)
    copy = "# copied from report-a-leak, slug not yet changed\n" + VALID.replace("Report a leak", "Report damp")
    write(folder, copy, "zz-new-guide.en.yaml")  # read after the original (files go by name)
    library = GuideLibrary(folder)
    error = only_problem(library)
    assert error.path.name == "zz-new-guide.en.yaml" and error.line == line_of(copy, "slug:") == 2
    assert "already used by report-a-leak.en.yaml" in error.problem
    assert library.get("report-a-leak").title == "Report a leak in a council home"  # the original stays


def test_a_translation_needs_its_english_original(folder):
    write(folder, VALID)
    orphan = VALID.replace("slug: report-a-leak", "slug: report-damp").replace("language: en", "language: pl")
    write(folder, orphan, "report-damp.pl.yaml")
    library = GuideLibrary(folder)
    error = only_problem(library)
    assert error.path.name == "report-damp.pl.yaml" and error.line == 1
    assert "no English guide" in error.problem
    assert library.languages("report-damp") == () and library.slugs() == ("report-a-leak",)
    with pytest.raises(GuideNotFound):
        library.get("report-damp", "pl")


def test_a_broken_file_is_left_out_and_the_others_stay_usable(folder):
    write(folder, VALID)
    write(folder, VALID.replace("title:", "titel:").replace("report-a-leak", "one"), "one.en.yaml")
    write(folder, VALID.replace("slug: report-a-leak", "slug: x y"), "two.en.yaml")
    library = GuideLibrary(folder)
    assert [g.slug for g in library.all()] == ["report-a-leak"]
    assert library.search("leak")[0].slug == "report-a-leak"
    found = library.problems()
    assert [e.path.name for e in found] == ["one.en.yaml", "two.en.yaml"]
    assert all(isinstance(e, FileProblem) and e.line for e in found)
    assert "titel" in found[0].problem and "lower-case" in found[1].problem


def test_a_translation_is_chosen_and_reload_picks_up_edits(folder):
    write(folder, VALID)
    library = GuideLibrary(folder)
    assert library.get("report-a-leak", "pl").language == "en"
    polish = VALID.replace("language: en", "language: pl").replace(
        "Report a leak in a council home", "Zgłoś przeciek w mieszkaniu komunalnym")
    write(folder, polish, "report-a-leak.pl.yaml")
    assert library.get("report-a-leak", "pl").language == "en"  # read once, until reloaded
    write(folder, "title: [\n", "broken.en.yaml")
    library.reload()
    assert [e.path.name for e in library.problems()] == ["broken.en.yaml"]
    assert library.get("report-a-leak", "Polish").title == "Zgłoś przeciek w mieszkaniu komunalnym"
    assert library.languages("report-a-leak") == ("en", "pl")


# ---- the council's own web addresses -------------------------------------------------------------------

def test_council_domain_replaces_the_placeholder_everywhere():
    library = GuideLibrary(council_domain="brent.gov.uk")
    guide = library.get("pay-council-tax")
    assert guide.service_url == "https://www.brent.gov.uk/council-tax/pay"
    assert guide.short_url == "brent.gov.uk/pay"
    assert "brent.gov.uk/pay" in guide.steps[0].text and PLACEHOLDER_DOMAIN not in guide.steps[0].text
    assert all(PLACEHOLDER_DOMAIN not in s.text for s in guide.easy_read_steps)
    assert library.get("school-place").service_url == SHIPPED.get("school-place").service_url
    with pytest.raises(ValueError):
        GuideLibrary(council_domain="https://brent.gov.uk/")


def test_a_control_character_pasted_from_a_word_processor_is_reported_with_its_line(folder):
    text = VALID.replace("Tap Report a repair.", "Tap Report\x0ba repair.")
    error = problem(folder, text)
    assert error.line == line_of(text, "Tap Report") and "invisible control character" in str(error)


def test_odd_yaml_shapes_are_reported_and_the_other_guides_keep_working(folder):
    write(folder, VALID)
    write(folder, VALID.replace("report-a-leak", "odd-one").replace("  - No\n", "  - ? [a, b]\n    : c\n"),
          "odd-one.en.yaml")
    write(folder, VALID.replace("report-a-leak", "deep-one").replace("  - No\n", "  - " + "[" * 5000 + "\n"),
          "deep-one.en.yaml")
    library = GuideLibrary(folder)
    assert list(library.slugs()) == ["report-a-leak"]
    assert sorted(p.path.name for p in library.problems()) == ["deep-one.en.yaml", "odd-one.en.yaml"]
