"""The one way to add data to the demo company: register a named extension.

prodloop's own domains register through the same hook as third-party packages, datasette
style: :data:`BUILT_IN_EXTENSIONS` names their build functions (the ledger is the extension
called ``ledger``), and they are registered before anything else. Packages advertise
extensions in the ``prodloop.demo`` entry-point group: an entry point names either a build
callable, registered under the entry point's name (it may carry a ``demo_after`` tuple
attribute), or a module that calls :func:`register_demo_extension` when imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

from prodloop.demo.context import DemoContext, DemoError

ENTRY_POINT_GROUP = "prodloop.demo"
LEDGER = "ledger"

# prodloop's own demo extensions: name -> ("module:build_function", runs after).
# A domain adds its line here; its module is imported only when the demo is built.
BUILT_IN_EXTENSIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    LEDGER: ("prodloop.demo.ledger:build_ledger", ()),
    "events": ("prodloop.demo.events:build_events", (LEDGER,)),
    "delivery": ("prodloop.demo.delivery:build_delivery", (LEDGER,)),
    "experiments": ("prodloop.demo.experiments:build_experiments", (LEDGER,)),
    "feedback": ("prodloop.demo.feedback:build_feedback", (LEDGER,)),
}

Build = Callable[[DemoContext], dict[str, Any]]


@dataclass(frozen=True)
class DemoExtension:
    """A named step of the demo build, run after the extensions it names in ``after``.

    Every extension other than ``ledger`` also runs after ``ledger``, which builds the
    company the others extend.
    """

    name: str
    build: Build
    after: tuple[str, ...] = ()

    @property
    def runs_after(self) -> tuple[str, ...]:
        """The extensions that must finish first, the ledger included."""
        if self.name == LEDGER or LEDGER in self.after:
            return self.after
        return (LEDGER, *self.after)


_registry: dict[str, DemoExtension] = {}


def register_demo_extension(name: str, build: Build, *, after: tuple[str, ...] = ()) -> None:
    """Add ``build`` to the demo under ``name``; its returned truths land in the manifest.

    ``build`` receives the shared :class:`DemoContext`, adds its records through domain
    services (never committing) and returns a JSON-able dict of what it planted.
    """
    _load_built_ins()
    _add(name, build, after)


@contextmanager
def isolated_demo_extensions() -> Iterator[None]:
    """Undo, on exit, every registration made inside the block (for tests)."""
    saved = dict(_registry)
    try:
        yield
    finally:
        _registry.clear()
        _registry.update(saved)


@contextmanager
def temporary_demo_extension(
    name: str, build: Build, *, after: tuple[str, ...] = ()
) -> Iterator[None]:
    """Register an extension for the duration of the block only."""
    with isolated_demo_extensions():
        register_demo_extension(name, build, after=after)
        yield


def discover_entry_point_extensions() -> None:
    """Register the extensions advertised in the ``prodloop.demo`` entry-point group."""
    _load_built_ins()
    for entry_point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        loaded = _load(entry_point)
        if isinstance(loaded, ModuleType):
            continue  # the module registered what it has when it was imported
        existing = _registry.get(entry_point.name)
        if existing is not None and existing.build is loaded:
            continue
        if existing is not None:
            raise DemoError(
                f"demo extension entry point {entry_point.name!r} clashes with an "
                f"extension already registered under that name"
            )
        after = tuple(str(name) for name in getattr(loaded, "demo_after", ()))
        _add(entry_point.name, loaded, after)


def run_order() -> list[DemoExtension]:
    """Registered extensions in the order they run: dependencies first, then registration order."""
    _load_built_ins()
    pending = dict(_registry)
    for extension in pending.values():
        for name in extension.runs_after:
            if name not in pending:
                raise DemoError(
                    f"demo extension {extension.name!r} runs after {name!r}, "
                    f"which is not registered"
                )
    ordered: list[DemoExtension] = []
    done: set[str] = set()
    while pending:
        ready = next(
            (ext for ext in pending.values() if all(n in done for n in ext.runs_after)), None
        )
        if ready is None:
            raise DemoError(f"demo extensions wait on each other in a cycle: {sorted(pending)}")
        ordered.append(ready)
        done.add(ready.name)
        del pending[ready.name]
    return ordered


def _load_built_ins() -> None:
    """Register prodloop's own extensions first; idempotent, so isolation cannot lose them."""
    for name, (target, after) in BUILT_IN_EXTENSIONS.items():
        if name not in _registry:
            _add(name, _load(EntryPoint(name=name, value=target, group=ENTRY_POINT_GROUP)), after)


def _load(entry_point: EntryPoint) -> Any:
    try:
        loaded = entry_point.load()
    except Exception as exc:
        raise DemoError(
            f"demo extension {entry_point.name!r} ({entry_point.value}) failed to load: {exc}"
        ) from exc
    if not isinstance(loaded, ModuleType) and not callable(loaded):
        raise DemoError(
            f"demo extension {entry_point.name!r} ({entry_point.value}) is neither a module "
            f"nor a callable"
        )
    return loaded


def _add(name: str, build: Build, after: tuple[str, ...]) -> None:
    if not name or not name.strip():
        raise DemoError("a demo extension needs a name")
    if name in _registry:
        raise DemoError(f"a demo extension called {name!r} is already registered")
    if name in after:
        raise DemoError(f"demo extension {name!r} cannot run after itself")
    _registry[name] = DemoExtension(name=name, build=build, after=tuple(after))
