"""The scenario file's schema: pydantic models, strict about unknown keys.

Field names and constraints here are what a scenario TOML may contain; names are resolved
against the theatre and the factions later, in :func:`sim.scenario.bind`.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import did_you_mean
from .limits import MAX_DAYS, digits_hint

PHASE_KINDS = ("offensive", "counteroffensive", "defend", "withdraw")
EVENT_KINDS = ("reinforcement", "withdrawal", "handover", "support", "ceasefire", "params")


class Strict(BaseModel):
    """Base: unknown keys are an error that lists the valid ones; inf and nan are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = [k for k in data if k not in cls.model_fields]
            if unknown:
                raise ValueError(f"unknown key {unknown[0]!r}"
                                 f"{did_you_mean(unknown[0], cls.model_fields, n=1)}; "
                                 f"valid: {', '.join(cls.model_fields)}")
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _no_silent_coercion(cls, value: Any, info: Any) -> Any:
        """A number where a date is expected is refused: pydantic would read ``start = 0``
        as 1970-01-01 (seconds since the Unix epoch), a silently wrong date; so is true or
        false where a number is (``days = true`` was one day, as ``--params`` refuses), and a
        number where true or false is (``counterattacks = 0``)."""
        ann = cls.model_fields[info.field_name].annotation
        _no_coercion(value, _plain_types(ann))
        if typing.get_origin(ann) is list and isinstance(value, list):
            for v in value:
                _no_coercion(v, _plain_types(typing.get_args(ann)[0]))
        return value


def _plain_types(ann: Any) -> set:
    """The plain types a field's annotation takes, through Optional, unions and Annotated
    (``object`` for anything else: Any, Literal, containers)."""
    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        return _plain_types(typing.get_args(ann)[0])
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_plain_types(a) for a in typing.get_args(ann)))
    return {ann} if isinstance(ann, type) else {object}


def _no_coercion(value: Any, kinds: set) -> None:
    if isinstance(value, str) and digits_hint(value) and kinds & {int, float} \
            and not kinds & {str, object}:     # (pydantic reads ASCII digits only; say why)
        raise ValueError(f"expected a number, got {value!r}{digits_hint(value)}")
    if isinstance(value, bool) and kinds & {int, float} and not kinds & {bool, object}:
        raise ValueError(f"expected a number, got {str(value).lower()}")
    if (isinstance(value, int | float) and not isinstance(value, bool) and bool in kinds
            and not kinds & {int, float, object}):
        raise ValueError(f"expected true or false, got {value!r}")
    if (isinstance(value, int | float) and not isinstance(value, bool)
            and dt.date in kinds and not kinds & {int, float, object}):
        raise ValueError(f"expected a date written YYYY-MM-DD (unquoted, e.g. 2024-11-27), "
                         f"got the number {value!r}")


class FactionSpec(Strict):
    label: str = ""
    colour: str = "#888888"
    strength: float = Field(gt=0, description="fighters under command at day 0")
    quality: float = Field(1.0, gt=0, le=3)
    # at least the floor the model keeps morale at every day (ConflictModel.update_morale):
    # a morale of 0 made the hold limit 0 and the first day's planning divided by it
    morale: float = Field(0.7, ge=0.05, le=1)
    allies: list[str] = []
    neutral: list[str] = []
    supply: list[str] = Field([], description="supply-source towns (border crossings, bases)")
    garrison_share: float | None = Field(None, ge=0, le=1)
    attack_ratio: float | None = Field(None, gt=0, le=20)
    hold_ratio: float | None = Field(None, gt=0, le=20)
    counterattack_ratio: float | None = Field(None, gt=0, le=20)
    counterattacks: bool = Field(True, description="retakes lost towns on its own when its "
                                                   "odds allow (outside offensive phases)")
    stake: float | None = Field(None, gt=0, allow_inf_nan=False,
                                description="what the faction's morale measures losses "
                                            "against (default: the value of all it holds at "
                                            "the start, off-map places included)")
    air: float = Field(0.0, ge=0, le=1, description="air support level at day 0")
    drones: float = Field(0.0, ge=0, le=1, description="drone support level at day 0")


class DeploymentSpec(Strict):
    faction: str
    town: str
    strength: float = Field(gt=0)
    quality: float | None = Field(None, gt=0, le=3)
    units: int = Field(1, ge=1, le=100)
    posture: Literal["attack", "hold", "reserve"] = "reserve"
    day: int = Field(0, ge=0, description="the day the group enters the map (0: at the "
                                          "start); until then it is held back out of reach, "
                                          "though its strength counts in the faction's")


class PhaseSpec(Strict):
    faction: str
    kind: Literal["offensive", "counteroffensive", "defend", "withdraw"]
    objectives: list[str] = []
    start: int = Field(0, ge=0)
    end: int | None = Field(None, ge=0)
    when: str | None = None
    duration: int | None = Field(None, ge=1)
    commitment: float = Field(1.0, ge=0, le=1)
    to: str | None = None
    line: list[str] = []
    against: list[str] = []

    @model_validator(mode="after")
    def _order(self) -> PhaseSpec:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) not after start ({self.start})")
        if self.against and self.kind not in ("offensive", "counteroffensive"):
            raise ValueError("'against' goes with an offensive or counteroffensive phase")
        if self.duration is not None and self.when is None:
            raise ValueError("'duration' goes with 'when'; use 'end' for a fixed day")
        return self


class EventSpec(Strict):
    day: int | None = Field(None, ge=0)
    when: str | None = None
    kind: Literal["reinforcement", "withdrawal", "handover", "support", "ceasefire",
                  "params"]
    faction: str | None = None
    factions: list[str] = []
    town: str | None = None
    towns: list[str] = []
    region: str | None = None
    to: str | None = None
    line: list[str] = []
    strength: float | None = Field(None, gt=0)
    quality: float | None = Field(None, gt=0, le=3)
    units: int = Field(1, ge=1, le=100)
    air: float | None = Field(None, ge=0, le=1)
    drones: float | None = Field(None, ge=0, le=1)
    #: kind "params": parameters (``frontline params``) changed from the event's day on
    set: dict[str, Any] = {}
    note: str = ""

    @model_validator(mode="after")
    def _needs(self) -> EventSpec:
        if (self.day is None) == (self.when is None):
            raise ValueError("an event needs exactly one of 'day' and 'when'")
        need = {"reinforcement": ("faction", "town", "strength"),
                "withdrawal": ("faction",),
                "handover": ("to",),
                "support": ("faction",),
                "ceasefire": (),
                "params": ()}[self.kind]
        for key in need:
            if getattr(self, key) is None:
                raise ValueError(f"a {self.kind} event needs {key!r}")
        if self.kind == "handover" and not (self.towns or self.town):
            raise ValueError("a handover event needs 'towns' (or 'town')")
        if self.kind == "withdrawal" and not (self.towns or self.town or self.region):
            raise ValueError("a withdrawal event needs 'towns' or 'region'")
        if self.kind == "withdrawal" and self.to is not None and self.line:
            raise ValueError("a withdrawal goes 'to' a town or to a 'line', not both")
        if self.kind == "support" and self.air is None and self.drones is None:
            raise ValueError("a support event needs 'air' and/or 'drones'")
        if (self.kind == "params") != bool(self.set):
            raise ValueError("a params event needs 'set' (a table of parameters and values), "
                             "and only a params event takes one")
        if self.kind == "params" and self.faction is not None:
            raise ValueError("a params event changes parameters for every faction; a "
                             "faction's own doctrine values are set under [factions.NAME]")
        return self


class ScenarioSpec(Strict):
    name: str = ""
    description: str = ""
    sources: list[str] = []
    theatre: str
    start: dt.date
    days: int = Field(ge=1, le=MAX_DAYS)
    seed: int = Field(0, ge=0)
    params: dict[str, Any] = {}
    factions: dict[str, FactionSpec]
    deployments: list[DeploymentSpec] = []
    phases: list[PhaseSpec] = []
    events: list[EventSpec] = []

    @model_validator(mode="after")
    def _factions(self) -> ScenarioSpec:
        if not self.factions:
            raise ValueError("at least one faction is needed")
        return self
