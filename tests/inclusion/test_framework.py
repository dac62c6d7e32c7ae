"""The framework files: the shipped one loads and credits its source; a broken one is reported
with its file, line and what is wrong; the newest version is the one new assessments use."""

from __future__ import annotations

import json
import shutil

import pytest

from assisted_desk.inclusion.framework import FrameworkError, FrameworkLibrary, Level, load_framework, shipped_frameworks

from .conftest import FRAMEWORKS, library


def test_the_shipped_framework_names_its_source_licence_and_rules():
    framework = shipped_frameworks().current()
    assert framework.publisher == "Department for Education" and framework.version == "2018"
    assert framework.source_url.startswith("https://www.gov.uk/")
    assert "Open Government Licence v3.0" in framework.credit and "Crown copyright" in framework.credit
    assert [a.title for a in framework.skill_areas] == [
        "Communicating", "Handling information and content", "Transacting", "Problem solving",
        "Being safe and legal online"]
    foundation = [s for s in framework.statements if s.level is Level.FOUNDATION]
    assert len(foundation) == 9 and foundation[0].sentence == "I can turn on a device"
    assert all(s.quick for s in foundation)
    assert [r.level for r in framework.rules] == [Level.FOUNDATION, Level.LIFE, Level.WORK]
    assert "Department for Education, Essential digital skills framework (2018" in framework.citation


def test_the_newest_version_is_current_and_older_ones_stay_readable():
    two = library("two")
    assert two.current().version == "T2"
    assert two.version("T1").statement("T-L1").text == "do transacting life task 1"
    assert [f.version for f in two.versions()] == ["T1", "T2"]
    with pytest.raises(FrameworkError, match="T9 is not installed"):
        two.version("T9")


def write(tmp_path, change):
    raw = json.loads((FRAMEWORKS / "one" / "eds-t1.json").read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "eds-bad.json"
    path.write_text(json.dumps(raw, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def set_statement(which, **values):
    def change(raw):
        next(s for s in raw["statements"] if s["code"] == which).update(values)
    return change


@pytest.mark.parametrize("change,message", [
    (set_statement("C-L1", area="dancing"), 'statement C-L1 names area "dancing"'),
    (set_statement("C-L1", level="expert"), 'level "expert"; use foundation, life or work'),
    (set_statement("C-L1", text=""), '"text" must be non-empty text'),
    (set_statement("C-L1", code="F1"), "statement code F1 is used twice"),
    (set_statement("F2", level="life"), "foundation statements, and only they"),
    (lambda raw: raw.update(published="last spring"), '"published" must be a date'),
    (lambda raw: raw["rules"]["levels"].pop(), "every level with statements needs a rule"),
    (lambda raw: raw["rules"].update(answer_that_counts="with_help"), 'only "on_my_own" answers'),
])
def test_a_broken_file_says_where_and_what(tmp_path, change, message):
    path = write(tmp_path, change)
    with pytest.raises(FrameworkError, match=message) as refused:
        load_framework(path)
    assert str(refused.value).startswith("eds-bad.json, line ")


def test_unreadable_files_and_empty_folders_are_reported(tmp_path):
    broken = tmp_path / "eds-broken.json"
    broken.write_text('{"version": "1",\n  "areas": [\n', encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"eds-broken.json, line 3: is not valid JSON"):
        load_framework(broken)
    broken.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(FrameworkError, match="cannot be read"):
        load_framework(broken)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FrameworkError, match="no skills framework file was found"):
        FrameworkLibrary(empty).current()
    twice = tmp_path / "twice"
    twice.mkdir()
    shutil.copy(FRAMEWORKS / "one" / "eds-t1.json", twice / "a.json")
    shutil.copy(FRAMEWORKS / "one" / "eds-t1.json", twice / "b.json")
    with pytest.raises(FrameworkError, match="version T1 is also in another file"):
        FrameworkLibrary(twice).current()
