"""`assisted-desk print-guide`: by name or words, in each format and language, with plain refusals;
it needs no database and makes no home folder."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from assisted_desk.cli import main
from assisted_desk.printing.guides import GuideLibrary
from tests.printing.pdfcheck import page_texts, squash


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    monkeypatch.setenv("ASSISTED_DESK_HOME", str(home))
    monkeypatch.setenv("ASSISTED_DESK_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["print-guide", *args])
        out, err = capsys.readouterr()
        assert not home.exists()  # no settings, logs or database touched
        return code, out, err

    return run


def test_list_shows_every_guide_with_its_languages(cli):
    code, out, err = cli("--list")
    assert code == 0 and err == ""
    for guide in GuideLibrary().all():
        assert guide.slug in out and guide.title in out
    assert "[en" in out


def test_print_by_slug_in_large_print(cli, tmp_path):
    guide = GuideLibrary().get("bins")
    target = tmp_path / "bins.pdf"
    code, out, err = cli("bins", "--format", "large-print", "--out", str(target))
    assert code == 0, err
    reader = PdfReader(target)
    assert f"({len(reader.pages)} pages)" in out and "[bins, en, large-print]" in out
    assert squash(guide.title) in squash(page_texts(reader)[0])


def test_print_by_the_words_a_resident_uses(cli, tmp_path):
    target = tmp_path / "p.pdf"
    code, out, _ = cli("parking", "permit", "--format", "easy-read", "--out", str(target))
    assert code == 0 and "parking-permit" in out and target.stat().st_size > 1000


def test_an_untranslated_language_falls_back_to_english_and_says_so(cli, tmp_path):
    library = GuideLibrary()
    slug = next(s for s in library.slugs() if "ta" not in library.languages(s))
    code, out, err = cli(slug, "--language", "ta", "--out", str(tmp_path / "t.pdf"))
    assert code == 0 and "not translated into 'ta'" in err and ", en, standard]" in out


@pytest.mark.parametrize("args,message", [
    (("zzqqx", "--out", "x.pdf"), "no guide matches 'zzqqx'"),
    (("bins",), "--out FILE.pdf"),
    (("--out", "x.pdf"), "name a guide"),
])
def test_unknown_guides_and_missing_arguments_are_refused(cli, args, message):
    code, out, err = cli(*args)
    assert code == 1 and message in err and out == ""


def test_an_unwritable_path_is_refused_plainly(cli, tmp_path):
    code, _, err = cli("bins", "--out", str(tmp_path / "no-such-folder" / "b.pdf"))
    assert code == 1 and "does not exist" in err
    code, _, err = cli("bins", "--out", str(tmp_path))
    assert code == 1 and "Cannot save the PDF" in err


def test_an_unknown_format_is_an_argument_error(cli, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["print-guide", "bins", "--format", "tiny", "--out", "x.pdf"])
    assert exit_.value.code == 2 and "invalid choice" in capsys.readouterr().err
