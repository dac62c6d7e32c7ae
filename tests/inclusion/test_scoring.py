"""The rules that turn answers into levels, table-driven, on worked examples of the published
rules: Foundation needs every foundation task on the resident's own; For life (and For work)
need at least one task on their own in each of the five areas, and the level below first."""

from __future__ import annotations

import pytest

from assisted_desk.inclusion.framework import Level, shipped_frameworks
from assisted_desk.inclusion.scoring import Change, Reached, change_between, score
from assisted_desk.inclusion.skills_vocab import Answer, Goal

from .conftest import library

OWN, HELP, CANT, NR = Answer.ON_MY_OWN, Answer.WITH_HELP, Answer.CANT_YET, Answer.NOT_RELEVANT
AREAS = ("C", "H", "T", "P", "S")
T1 = library("one").version("T1")


def answers(foundation=OWN, life1=OWN, life2=CANT, work=CANT, **overrides):
    given = {f"F{i}": foundation for i in (1, 2, 3)}
    for area in AREAS:
        given.update({f"{area}-L1": life1, f"{area}-L2": life2, f"{area}-W1": work})
    given.update({code.replace("_", "-"): answer for code, answer in overrides.items()})
    return {code: answer for code, answer in given.items() if answer is not None}


def levels(result):
    return tuple(result.overall_level(level).status for level in Level)


R, N, A = Reached.REACHED, Reached.NOT_REACHED, Reached.NOT_ASSESSED

CASES = [
    ("everything on their own", answers(life2=OWN, work=OWN), (R, R, R)),
    ("foundation and one life task per area", answers(), (R, R, N)),
    ("everything with help", answers(HELP, HELP, HELP, HELP), (N, N, N)),
    ("everything can't do yet", answers(CANT, CANT, CANT, CANT), (N, N, N)),
    ("all not relevant", answers(NR, NR, NR, NR), (A, A, A)),
    ("one foundation task with help", answers(F2=HELP, work=OWN), (N, N, N)),
    ("one foundation task not relevant", answers(F3=NR), (N, N, N)),
    ("life in four areas only", answers(T_L1=CANT), (R, N, N)),
    ("an area all not relevant is not assessed", answers(P_L1=NR, P_L2=NR), (R, A, N)),
    ("one of two life tasks is enough", answers(life1=CANT, life2=OWN), (R, R, N)),
    ("work in every area but life missing one", answers(S_L1=HELP, work=OWN), (R, N, N)),
    ("work in every area with life", answers(work=OWN), (R, R, R)),
    ("life tasks without foundation", answers(F1=CANT), (N, N, N)),
]


@pytest.mark.parametrize("given,expected", [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_levels_follow_the_rules(given, expected):
    assert levels(score(T1, given)) == expected


def test_each_area_shows_its_own_levels_whatever_the_foundation():
    result = score(T1, answers(F1=CANT, T_L1=HELP, T_L2=HELP, C_W1=OWN))
    transacting = next(a for a in result.areas if a.area == "transacting")
    communicating = next(a for a in result.areas if a.area == "communicating")
    assert transacting.level(Level.LIFE).status is N and transacting.level(Level.LIFE).not_yet == 2
    assert communicating.level(Level.WORK).status is R
    foundation = next(a for a in result.areas if a.area == "foundation")
    assert foundation.level(Level.FOUNDATION).status is N
    assert "1 task not yet done" in foundation.level(Level.FOUNDATION).why
    assert result.overall_level(Level.LIFE).status is N
    assert result.overall_level(Level.LIFE).why == "Not yet in: Transacting."
    without_foundation = score(T1, answers(F1=CANT))
    assert without_foundation.overall_level(Level.LIFE).status is N
    assert "Foundation comes first" in without_foundation.overall_level(Level.LIFE).why


def test_a_quick_assessment_leaves_what_it_did_not_ask_as_not_assessed():
    quick = [s.code for s in T1.statements_for(quick=True)]
    given = {code: OWN for code in quick}
    result = score(T1, given, asked=quick)
    assert levels(result) == (R, R, A)
    assert result.overall_level(Level.WORK).why.startswith("Not assessed in:")


def test_next_tasks_put_foundation_first_then_the_goals_areas_then_help_before_cant():
    given = answers(F2=HELP, life1=CANT, life2=CANT, work=OWN, T_L2=HELP, C_L1=HELP)
    result = score(T1, given, goals=[Goal.COUNCIL_SERVICES])
    codes = [task.code for task in result.next_tasks]
    assert codes[0] == "F2"
    assert codes[1:4] == ["T-L2", "T-L1", "H-L1"]  # transacting (with help first), then handling information
    assert result.next_tasks[1].for_goals == (Goal.COUNCIL_SERVICES,)
    assert "C-L1" in codes and codes.index("C-L1") < codes.index("C-L2")  # with help before can't
    assert all(given[code] in (HELP, CANT) for code in codes)
    without_goals = [task.code for task in score(T1, given).next_tasks]
    assert without_goals[0] == "F2" and without_goals.index("C-L1") < without_goals.index("T-L1")


def test_a_later_framework_version_scores_with_its_own_statements():
    t2 = library("two").version("T2")
    given = answers()  # T1's three foundation tasks, but T2 has a fourth
    assert levels(score(T1, given)) == (R, R, N)
    assert levels(score(t2, given))[0] is A or levels(score(t2, given))[0] is N
    assert score(t2, given).overall_level(Level.FOUNDATION).status is A  # F4 not asked = not assessed
    assert score(t2, {**given, "F4": CANT}).overall_level(Level.FOUNDATION).status is N


@pytest.mark.parametrize("before,after,change", [
    (CANT, HELP, Change.BETTER), (HELP, OWN, Change.BETTER), (CANT, OWN, Change.BETTER),
    (OWN, OWN, Change.SAME), (OWN, HELP, Change.WORSE), (None, OWN, Change.NEW),
    (NR, OWN, Change.UNKNOWN), (OWN, NR, Change.UNKNOWN), (OWN, None, Change.UNKNOWN),
])
def test_change_between_two_answers(before, after, change):
    assert change_between(before, after) is change


# The shipped framework: its foundation rule, worked on its own statements.
SHIPPED = shipped_frameworks().current()
FOUNDATION = [s.code for s in SHIPPED.statements if s.level is Level.FOUNDATION]


@pytest.mark.parametrize("change,expected", [
    ({}, R),
    ({0: HELP}, N),
    ({len(FOUNDATION) - 1: CANT}, N),
    ({1: NR}, N),
    ({i: NR for i in range(len(FOUNDATION))}, A),
    ({i: HELP for i in range(len(FOUNDATION))}, N),
], ids=["all on their own", "first with help", "last can't", "one not relevant", "all not relevant",
        "all with help"])
def test_shipped_foundation_needs_every_task_on_their_own(change, expected):
    given = {code: change.get(n, OWN) for n, code in enumerate(FOUNDATION)}
    assert score(SHIPPED, given).overall_level(Level.FOUNDATION).status is expected


def test_shipped_levels_without_statements_are_never_reached():
    result = score(SHIPPED, {s.code: OWN for s in SHIPPED.statements})
    for level in SHIPPED.missing_levels:
        status = result.overall_level(level)
        assert status.status is A
        assert status.why == (f"Framework {SHIPPED.version} as installed has no {level.value} statements yet, "
                              "so this level cannot be assessed.")
