"""The registry of scenarios. A scenario is a module in this folder with a function marked

    @scenario("name", "what it measures")
    def run(ctx: Context) -> dict: ...

returning its figures (keys named with their units: median_ms, p95_ms, ratio_to_bare, runs).
Adding a module is enough: run.py finds it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from harness import Context

Figures = dict[str, object]


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    run: Callable[[Context], Figures]


_REGISTRY: dict[str, Scenario] = {}


def scenario(name: str, summary: str) -> Callable[[Callable[[Context], Figures]], Callable[[Context], Figures]]:
    def register(function: Callable[[Context], Figures]) -> Callable[[Context], Figures]:
        if name in _REGISTRY:
            raise RuntimeError(f"two scenarios are called {name!r}")
        _REGISTRY[name] = Scenario(name, summary, function)
        return function

    return register


def all_scenarios() -> dict[str, Scenario]:
    """Every scenario, by name, in name order (imports each module in this folder once)."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    return dict(sorted(_REGISTRY.items()))
