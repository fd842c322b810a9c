"""The lifecycle a feature moves through, and the rules for moving it."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """A feature's lifecycle stage, in order."""

    IDEA = "idea"
    DISCOVERY = "discovery"
    PLANNED = "planned"
    BUILDING = "building"
    BETA = "beta"
    LAUNCHED = "launched"
    ADOPTED = "adopted"
    RETIRED = "retired"

    @property
    def order(self) -> int:
        """Position of the stage in the lifecycle (idea = 0)."""
        return STAGE_ORDER[self]

    @property
    def label(self) -> str:
        """The stage as people read it."""
        return self.value.capitalize()


STAGE_ORDER: dict[Stage, int] = {stage: index for index, stage in enumerate(Stage)}

# Stages at which a feature is in customers' hands.
SHIPPED_STAGES = frozenset({Stage.BETA, Stage.LAUNCHED, Stage.ADOPTED})


def parse_stage(value: str) -> Stage:
    """The stage named by ``value`` (case-insensitive), or ValueError listing the valid ones."""
    try:
        return Stage(value.strip().lower())
    except ValueError:
        valid = ", ".join(stage.value for stage in Stage)
        raise ValueError(f"unknown stage {value!r}; expected one of: {valid}") from None


def needs_reason(current: Stage, target: Stage) -> bool:
    """Whether moving from ``current`` to ``target`` must be explained.

    Bringing a retired feature back is a decision someone has to account for.
    """
    return current is Stage.RETIRED and target is not Stage.RETIRED
