"""Parameter values: the table's defaults (sim.inputs.param_table) with a scenario's, a
file's or the command line's values applied, each checked against its bounds.

Scenarios (`[params]`), `--set name=value`, experiments and calibration all address
parameters by these names. Values are plain floats (or one of ``choices`` for the
categorical ones), resolved once per run into a :class:`Params` object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError, did_you_mean
from .files import read_toml
from .limits import ascii_number, digits_hint
from .param_table import TABLE, Param

PARAMS: dict[str, Param] = {p.name: p for p in TABLE}


class Params(Mapping[str, Any]):
    """Resolved parameters: the defaults with overrides applied and checked.

    Read-only; attribute access (``params.kill_rate``) and mapping access both work.
    """

    # every parameter is also a slot (its docstring the table's meaning), filled from
    # ``_values``: attribute access is then a slot read, the cheapest Python has (the model
    # reads parameters ~1000 times a run)
    __slots__ = {"_values": "the values, by name", **{p.name: p.meaning for p in TABLE}}

    def __init__(self, overrides: Mapping[str, Any] | None = None, *, file: str = "--set",
                 origins: Mapping[str, str] | None = None) -> None:
        """The defaults with ``overrides`` applied, each value checked once against the
        table. ``origins`` names where a value came from when it is not ``file`` (such as
        ``--set``); an error names that origin and the parameter."""
        values = {p.name: p.default for p in TABLE}
        origins = origins or {}
        for key, raw in (overrides or {}).items():
            where = origins.get(key, file)
            values[key] = coerce(key, raw, file=where,
                                 field=key if where == "--set" else f"params.{key}")
        self._fill(values)

    @classmethod
    def _checked(cls, values: dict[str, Any]) -> Params:
        out = object.__new__(cls)
        out._fill(values)
        return out

    def _fill(self, values: dict[str, Any]) -> None:
        object.__setattr__(self, "_values", values)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Params are read-only; use .replace({name}=...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Params are read-only")

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __reduce__(self):      # picklable (for process pools and Dask) despite __slots__
        return (Params._checked, (self._values,))

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != PARAMS[k].default}
        return f"Params({changed})"

    def replace(self, **changes: Any) -> Params:
        """These parameters with some values changed (only the changes are checked)."""
        return Params._checked({**self._values,
                                **{k: coerce(k, v) for k, v in changes.items()}})

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)


def settings_text(pairs: Iterable[tuple[str, Any]]) -> str:
    """``name = value`` pairs for a line of text (``speed_highway = 12, combat_law = square``)."""
    return ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in pairs)


def coerce(name: str, raw: Any, *, file: str | Path = "--set", field: str | None = None
           ) -> float | str:
    """Check one parameter value against the table and return it typed. Errors name
    ``field`` (default: the parameter's name)."""
    field = field or name
    if name not in PARAMS:
        raise InputError(file, field, f"unknown parameter{did_you_mean(name, PARAMS)}; valid: "
                         f"{', '.join(PARAMS)}")
    p = PARAMS[name]
    if p.choices:
        if raw not in p.choices:
            raise InputError(file, field, f"expected one of {', '.join(p.choices)}, got {raw!r}")
        return str(raw)
    if isinstance(raw, bool):
        raise InputError(file, field, f"expected a number, got {raw!r}")
    try:
        value = ascii_number(raw) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise InputError(file, field, f"expected a number, got {raw!r}{digits_hint(raw)}") \
            from None
    if not (p.low <= value <= p.high):  # type: ignore[operator]
        unit = f" ({p.unit})" if p.unit not in ("-", "") else ""
        raise InputError(file, field, f"expected {p.low} <= value <= {p.high}{unit}, "
                                      f"got {value:g}")
    return value


def load_params_file(path: str | Path) -> dict[str, float | str]:
    """The ``[params]`` table of a TOML file (a fitted-parameter file written by
    ``frontline calibrate``, say), every name and value checked against the table; an
    InputError names the file and the key."""
    p = Path(path)
    params = read_toml(p).get("params")
    if not isinstance(params, dict):
        raise InputError(p, "params", "expected a [params] table of parameter values")
    return {k: coerce(k, v, file=str(p), field=f"params.{k}") for k, v in params.items()}


def table_markdown(names: Iterable[str] | None = None) -> str:
    """The parameter table as Markdown (`frontline params --markdown [NAME ...]`): every
    parameter, or only ``names``."""
    rows = ["| name | default | bounds | unit | meaning | source |", "|---|---|---|---|---|---|"]
    names = set(names) if names else None
    for p in TABLE:
        if names is not None and p.name not in names:
            continue
        bounds = "/".join(p.choices) if p.choices else f"{p.low:g}..{p.high:g}"
        rows.append(f"| `{p.name}` | {p.default} | {bounds} | {p.unit} | {p.meaning} | "
                    f"{p.source} |")
    return "\n".join(rows)
