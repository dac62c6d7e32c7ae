"""Skills assessments over test frameworks (tests/inclusion/frameworks): `one` holds version T1;
`two` adds T2, published later, with a reworded task and a new foundation task."""

from __future__ import annotations

from pathlib import Path

import pytest

from assisted_desk.core.security import Role
from assisted_desk.desk.resident_input import ResidentInput
from assisted_desk.inclusion.framework import FrameworkLibrary
from tests.conftest import make_actor

FRAMEWORKS = Path(__file__).parent / "frameworks"


def library(name: str) -> FrameworkLibrary:
    return FrameworkLibrary(FRAMEWORKS / name)


@pytest.fixture
def skills(services):
    services.skills.frameworks = library("one")
    return services.skills


@pytest.fixture
def coordinator(services, admin):
    return make_actor(services, admin, "coordinator", Role.COORDINATOR)


@pytest.fixture
def resident_id(services, admin):
    return services.residents.register(admin, ResidentInput(given_name="Łukasz", family_name="Kowalski")).id
