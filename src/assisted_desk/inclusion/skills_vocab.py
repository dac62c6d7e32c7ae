"""The words of a digital-skills assessment: answers, who saw it, barriers and goals.

Goals name the skill areas they need (`GOAL_AREAS`), so what to learn next can follow what the
resident wants to do. The areas are the framework's codes (resources/skills/*.json)."""

from __future__ import annotations

from ..desk.vocab import Choice


class Answer(Choice):
    ON_MY_OWN = "on_my_own"
    WITH_HELP = "with_help"
    CANT_YET = "cant_yet"
    NOT_RELEVANT = "not_relevant"

    @property
    def label(self) -> str:
        return {
            Answer.ON_MY_OWN: "Can do on my own",
            Answer.WITH_HELP: "Can do with help",
            Answer.CANT_YET: "Can't do yet",
            Answer.NOT_RELEVANT: "Not relevant to me",
        }[self]

    @property
    def rank(self) -> int:
        """Higher is further along; "not relevant" is not on the scale."""
        return {Answer.CANT_YET: 0, Answer.WITH_HELP: 1, Answer.ON_MY_OWN: 2, Answer.NOT_RELEVANT: -1}[self]


class Evidence(Choice):
    OBSERVED = "observed"
    SAID = "said"

    @property
    def label(self) -> str:
        return {Evidence.OBSERVED: "Staff saw it done", Evidence.SAID: "Resident said so"}[self]


class AssessmentKind(Choice):
    QUICK = "quick"
    FULL = "full"

    @property
    def label(self) -> str:
        return {AssessmentKind.QUICK: "Quick (about 5 minutes)", AssessmentKind.FULL: "Full"}[self]


class AssessmentState(Choice):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DISCARDED = "discarded"

    @property
    def label(self) -> str:
        return {AssessmentState.IN_PROGRESS: "In progress", AssessmentState.COMPLETED: "Completed",
                AssessmentState.DISCARDED: "Discarded"}[self]


class Barrier(Choice):
    NO_DEVICE = "no_device"
    NO_HOME_INTERNET = "no_home_internet"
    COST = "cost"
    SKILLS = "skills"
    CONFIDENCE = "confidence"
    MOTIVATION = "motivation"
    ACCESS_SIGHT = "access_sight"
    ACCESS_HEARING = "access_hearing"
    ACCESS_DEXTERITY = "access_dexterity"
    ACCESS_MEMORY = "access_memory"
    LANGUAGE = "language"
    LITERACY = "literacy"

    @property
    def label(self) -> str:
        return _BARRIER_LABELS[self]


_BARRIER_LABELS = {
    Barrier.NO_DEVICE: "No suitable device",
    Barrier.NO_HOME_INTERNET: "No home internet",
    Barrier.COST: "Cost of data or broadband",
    Barrier.SKILLS: "Skills",
    Barrier.CONFIDENCE: "Confidence or fear (scams, making mistakes)",
    Barrier.MOTIVATION: "Motivation (\"not for me\")",
    Barrier.ACCESS_SIGHT: "Accessibility: sight",
    Barrier.ACCESS_HEARING: "Accessibility: hearing",
    Barrier.ACCESS_DEXTERITY: "Accessibility: dexterity",
    Barrier.ACCESS_MEMORY: "Accessibility: memory or concentration",
    Barrier.LANGUAGE: "Language",
    Barrier.LITERACY: "Reading and writing (literacy)",
}


class Goal(Choice):
    FAMILY = "family"
    COUNCIL_SERVICES = "council_services"
    HEALTH = "health"
    MONEY = "money"
    WORK = "work"
    LEARNING = "learning"
    SHOPPING = "shopping"
    SAFETY = "safety"

    @property
    def label(self) -> str:
        return _GOAL_LABELS[self]


_GOAL_LABELS = {
    Goal.FAMILY: "Stay in touch with family and friends",
    Goal.COUNCIL_SERVICES: "Manage council services online",
    Goal.HEALTH: "Use health services online",
    Goal.MONEY: "Money and banking",
    Goal.WORK: "Find work",
    Goal.LEARNING: "Learning",
    Goal.SHOPPING: "Shopping and saving money",
    Goal.SAFETY: "Staying safe online",
}

# Which skill areas each goal needs, most important first. Assisted Desk's judgement, not the
# framework's: being safe is part of every goal that involves money or personal details.
GOAL_AREAS: dict[Goal, tuple[str, ...]] = {
    Goal.FAMILY: ("communicating", "being_safe"),
    Goal.COUNCIL_SERVICES: ("transacting", "handling_information", "being_safe"),
    Goal.HEALTH: ("transacting", "handling_information", "communicating", "being_safe"),
    Goal.MONEY: ("transacting", "being_safe", "problem_solving"),
    Goal.WORK: ("communicating", "handling_information", "problem_solving", "transacting"),
    Goal.LEARNING: ("problem_solving", "handling_information", "communicating"),
    Goal.SHOPPING: ("transacting", "problem_solving", "being_safe"),
    Goal.SAFETY: ("being_safe",),
}

MAX_DETAIL = 500  # a barrier's detail
MAX_OWN_WORDS = 1000  # goals in the resident's own words
