"""Reading a scenario file as data: ``extends`` chains and ``--set`` overrides.

``extends = "base.toml"`` inherits everything (tables merge key by key, arrays replace);
``add_events`` / ``add_phases`` append and ``drop_events`` removes inherited events by
their note. ``--set name=value`` sets a parameter (by its name in the table) or any scenario
field by its dotted path. The result is a plain dict for :mod:`sim.inputs.spec` to validate.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError, did_you_mean
from .files import check_nesting, read_toml
from .limits import MAX_EXTENDS, ascii_number
from .params import PARAMS
from .spec import ScenarioSpec


def parse_set(items: Iterable[str]) -> dict[str, Any]:
    """``name=value`` strings -> {name: value}; values are TOML literals or plain strings."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise InputError("--set", item, "expected name=value")
        key, _, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not key:
            raise InputError("--set", item, "expected name=value")
        try:
            out[key] = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            out[key] = text
        except ValueError:             # an integer of more digits than Python converts
            raise InputError("--set", key, "a number of more than 4,300 digits; expected a "
                                           "number of ordinary size") from None
        except RecursionError:
            raise InputError("--set", key, "value nested too deeply") from None
        check_nesting(out[key], "--set")
    return out


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Apply ``--set`` overrides: a parameter name goes to ``[params]``; a dotted path
    (``days``, ``factions.government.morale``, ``events[2].day``) sets that field."""
    data = copy.deepcopy(data)
    for key, value in overrides.items():
        if key in PARAMS:
            data.setdefault("params", {})[key] = value
            continue
        head = key.split(".")[0].split("[")[0]
        if head not in ScenarioSpec.model_fields:
            hint = did_you_mean(key, [*PARAMS, *ScenarioSpec.model_fields])
            listed = ("" if hint else f"; scenario fields: "
                      f"{', '.join(ScenarioSpec.model_fields)}")
            raise InputError("--set", key, f"not a parameter or scenario field{hint}; "
                             f"parameters: `frontline params`{listed}")
        node: Any = data
        parts = key.replace("[", ".[").split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part.startswith("["):
                try:
                    idx = ascii_number(part.strip("[]"), int)
                    if last:
                        node[idx] = value
                    else:
                        node = node[idx]
                except (ValueError, IndexError, TypeError, KeyError):
                    raise InputError("--set", key, "no such list item in the scenario"
                                     f"{_items(parts[i - 1] if i else '', node)}") from None
            elif isinstance(node, dict):
                if i == 1 and parts[0] == "factions" and part not in node \
                        and did_you_mean(part, node):     # a misspelt faction, not a new one
                    raise InputError("--set", key, f"no faction {part!r} in the scenario"
                                     f"{did_you_mean(part, node)}; factions: "
                                     f"{', '.join(node)}")
                if i == 1 and parts[0] == "factions" and part not in node and not last \
                        and f"factions.{part}.strength" not in overrides:
                    # a new faction needs its strength; without it the scenario file was
                    # blamed ('FILE: factions.x.strength: required field is missing')
                    raise InputError("--set", key, f"no faction {part!r} in the scenario; "
                                     f"factions: {', '.join(node)}")
                if last:
                    node[part] = value
                elif parts[i + 1].startswith("[") and not isinstance(node.get(part), list):
                    raise InputError("--set", key, "no such list item in the scenario"
                                     f"{_items(part, node.get(part))}")
                else:
                    node = node.setdefault(part, {})
            else:
                raise InputError("--set", key, "not a scenario field or parameter name")
    return data


def _items(name: str, node: Any) -> str:
    """What a list of the scenario holds, for an index that is not in it: ``"; events has 2
    items: events[0]..events[1]"``, or that the scenario has no such list."""
    name = name.lstrip(".")
    if not isinstance(node, list):
        return f"; the scenario has no list {name!r}" if name else ""
    if not node:
        return f"; {name} is empty"
    return (f"; {name} has {len(node)} item{'s' if len(node) != 1 else ''}: "
            f"{name}[0]..{name}[{len(node) - 1}]")


#: Where each item of a scenario's top-level lists was written: list name -> one (file,
#: the list's name in that file, index there) per item, so an error in ``events[3]`` of
#: the merged data can name ``add_events[0]`` of the what-if that added it.
Origins = dict[str, list[tuple[Path, str, int]]]


def load_raw(path: str | Path) -> dict[str, Any]:
    """Read a scenario TOML, following ``extends`` (tables merge, arrays replace)."""
    return load_raw_placed(path)[0]


def load_raw_placed(path: str | Path, _chain: tuple[Path, ...] = ()
                    ) -> tuple[dict[str, Any], Origins]:
    """:func:`load_raw`, and where the items of its top-level lists were written
    (:data:`Origins`)."""
    p = Path(path).resolve()
    if p in _chain:
        cycle = " -> ".join(q.name for q in (*_chain, p))
        raise InputError(_chain[0], "extends", f"cycle in extends: {cycle}")
    if len(_chain) >= MAX_EXTENDS:
        raise InputError(_chain[0], "extends", f"a chain of more than {MAX_EXTENDS} files "
                                               "extending one another")
    data = read_toml(p)
    parent = data.pop("extends", None)
    if parent is None:
        for key in _ADDITIONS:
            if key in data:
                raise InputError(p, key, "only a scenario that 'extends' another can use it")
        origins = _written_in(p, data)
        data["__file__"] = str(p)
        return data, origins
    if not isinstance(parent, str):
        raise InputError(p, "extends", "expected a file name")
    if not (p.parent / parent).is_file():
        raise InputError(p, "extends", f"no scenario file {parent!r} beside this one")
    base, origins = load_raw_placed(p.parent / parent, (*_chain, p))
    own = _without_additions(data)
    merged = _merge(base, own)
    origins = {k: v for k, v in origins.items() if k not in own} | _written_in(p, own)
    _apply_additions(merged, data, p, origins)
    merged["__file__"] = str(p)
    merged.setdefault("__theatre_base__", base.get("__theatre_base__", base["__file__"]))
    if "theatre" in data:
        merged["__theatre_base__"] = str(p)
    return merged, origins


def _written_in(p: Path, data: dict[str, Any]) -> Origins:
    return {k: [(p, k, j) for j in range(len(v))] for k, v in data.items()
            if isinstance(v, list)}


_ADDITIONS = ("add_events", "add_phases", "drop_events")


def _without_additions(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in _ADDITIONS}


def _apply_additions(merged: dict[str, Any], child: dict[str, Any], file: Path,
                     origins: Origins) -> None:
    """``drop_events`` (inherited events by note), then ``add_events`` / ``add_phases``;
    ``origins`` follows the items."""
    drop = child.get("drop_events", [])
    if not isinstance(drop, list) or not all(isinstance(x, str) for x in drop):
        raise InputError(file, "drop_events", "expected a list of event notes (strings)")
    events = merged.get("events", [])
    if not isinstance(events, list):
        raise InputError(file, "events", "expected an array of tables [[events]]")
    notes = {e.get("note") for e in events if isinstance(e, dict)}
    for note in drop:
        if note not in notes:
            raise InputError(file, "drop_events", f"no inherited event has note {note!r}")
    keep = [not (isinstance(e, dict) and e.get("note") in drop) for e in events]
    kept = [e for e, k in zip(events, keep, strict=True) if k]
    origins["events"] = [o for o, k in zip(origins.get("events", []), keep, strict=False) if k]
    for key, target in (("add_events", "events"), ("add_phases", "phases")):
        extra = child.get(key, [])
        if not isinstance(extra, list):
            raise InputError(file, key, f"expected an array of tables [[{key}]]")
        base_list = kept if target == "events" else merged.get(target, [])
        if not isinstance(base_list, list):
            raise InputError(file, target, f"expected an array of tables [[{target}]]")
        merged[target] = base_list + extra
        origins[target] = origins.get(target, [])[:len(base_list)] + \
            [(file, key, j) for j in range(len(extra))]


def placed(err: InputError, file: Path, origins: Origins,
           replaced: Iterable[str] = ()) -> InputError:
    """``err`` about item k of a merged list (``events[3].day`` of ``file``) as an error
    about that item where it was written: ``add_events[0].day`` of the what-if, or
    ``events[3].day`` of the scenario it extends. Lists named in ``replaced`` (set whole
    by ``--set``) and errors about other files are left as they are."""
    m = re.match(r"([A-Za-z_]\w*)\[([0-9]+)\](.*)$", err.field)
    if m is None or err.file != InputError(file, None, "-").file or any(
            err.field == r or err.field.startswith((f"{r}.", f"{r}[")) for r in replaced):
        return err
    where = origins.get(m.group(1), [])
    k = int(m.group(2))
    if k >= len(where):
        return err
    src, key, j = where[k]
    if (src, key, j) == (file, m.group(1), k):
        return err
    return InputError(src, f"{key}[{j}]{m.group(3)}", err.message)


def where_made(err: InputError, file: Path, origins: Origins,
                overrides: Mapping[str, Any] | None, written: Mapping[str, Any]
                ) -> InputError:
    """``err`` about the scenario ``file`` as an error about where the bad value was
    written: ``--set`` when the field is one it set (``params.NAME`` when it set the
    parameter ``NAME``: ``--set kill_rate=nan``) or one that only ``--set`` made (a new
    faction, ``--set factions.x.strength=100``, or a field the file's item lacks,
    ``--set events[0].set.kill_rate=1`` on a handover) or the other field of a clash
    (``err.also``: ``--set deployments[0].faction=X`` against the file's town), else the
    file (or the file it extends)."""
    if overrides and err.file == InputError(file, None, "-").file:
        key = err.field.removeprefix("params.")
        if err.field in overrides or (key in overrides and key in PARAMS):
            return InputError("--set", err.field if err.field in overrides else key,
                              err.message)
        below = [k for k in overrides if k.startswith((f"{err.field}.", f"{err.field}["))]
        if below and not _has_field(written, err.field):
            return InputError("--set", err.field, err.message)
        for k in below:        # a field the file's item lacks: events[0].set.kill_rate=...
            if not _has_field(written, _child(err.field, k)):
                return InputError("--set", k, err.message)
        for k in err.also:     # the other half of a clash: a group's faction and its town
            if k in overrides:
                return InputError("--set", k, err.message)
    return placed(err, file, origins, overrides or ())


def _child(field: str, key: str) -> str:
    """The path one level below ``field`` on the way to ``key`` (``events[0]``,
    ``events[0].set.kill_rate`` -> ``events[0].set``)."""
    rest = key[len(field):]
    if rest.startswith("["):
        return field + rest[:rest.index("]") + 1]
    name = re.split(r"[.\[]", rest[1:])[0]
    return f"{field}.{name}"


def _has_field(data: Any, field: str) -> bool:
    """Whether ``data`` holds the dotted field path ``field`` (``factions.x``,
    ``events[2].set``)."""
    for part in field.replace("[", ".[").split("."):
        try:
            data = data[int(part.strip("[]"))] if part.startswith("[") else data[part]
        except (ValueError, IndexError, TypeError, KeyError):
            return False
    return True


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


