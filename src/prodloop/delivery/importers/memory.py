"""Pausing Python's cyclic garbage collector around bulk work.

An import or a load builds hundreds of thousands of small objects (rows, dicts, facts) that
form no reference cycles; the collector would scan the growing heap again and again for
nothing. Reference counting still frees everything as usual; only cycle detection waits
until the block ends.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def without_cycle_collection(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` with the cyclic garbage collector paused (restored afterwards)."""

    @wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused
