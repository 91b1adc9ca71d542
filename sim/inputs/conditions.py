"""Conditions that trigger phases and events: a small expression language.

Atoms (town names may contain spaces; faction names are identifiers)::

    day>=5                   day compared with >=, >, <=, <, ==
    captured:Aleppo          the town has changed hands at least once
    captured:Aleppo:sdf      ... and is now held by that faction (same as held:)
    held:Hama:government     the town is held by that faction now
    morale:government<0.4    a faction's morale compared with <, <=, >, >=
    stalled:opposition:2     the faction has taken no town in the last 2 days
    threatened:Hama          units hostile to its holder are in it or within a day's march
    threatened:Hama:sdf      ... hostile to that faction
    lost:government>0.25     the faction has lost more than that share of its starting towns

combined with ``and``, ``or``, ``not`` and parentheses. Conditions are evaluated at the start
of a day, on the state left by the previous day.

Bounds (sim.inputs.limits): at most 4,000 characters, 256 atoms, and parentheses and ``not``
nested 32 deep. A chain ``a and b and c ...`` becomes a balanced tree of pairs (the
operators are associative and the atoms have no side effects, so the value is the same), so
neither parsing nor evaluating a long chain recurses deeply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InputError, did_you_mean
from .limits import MAX_CONDITION_ATOMS, MAX_CONDITION_CHARS, MAX_CONDITION_DEPTH

if TYPE_CHECKING:
    from .theatre import Theatre

#: A parsed condition is a tree of tuples (picklable, so scenarios travel to workers):
#: ("or", a, b) | ("and", a, b) | ("not", a) | ("day", op, n) | ("morale", f, op, x)
#: | ("captured", town, faction or -1) | ("held", town, faction) | ("stalled", f, days)
#: | ("threatened", town, faction or -1) | ("lost", faction, op, share).
#: sim.core.events evaluates it on a run's state.
Node = tuple
OPS = (">=", "<=", "==", ">", "<")
_TOKEN = re.compile(r"(\(|\)|\band\b|\bor\b|\bnot\b)")
_DAY = re.compile(r"^day\s*(>=|<=|==|>|<)\s*([0-9]+)$")
_DAYS = re.compile(r"^\s*[0-9]+\s*$")
#: Largest day number a condition may name (a run lasts at most 3650 days).
MAX_DAY = 100_000
_MORALE = re.compile(r"^morale:\s*([\w-]+)\s*(>=|<=|>|<)\s*([0-9]*\.?[0-9]+)$")
_LOST = re.compile(r"^lost:\s*([\w-]+)\s*(>=|<=|>|<)\s*([0-9]*\.?[0-9]+)$")
FORMS = ("day>=N", "captured:TOWN[:FACTION]", "held:TOWN:FACTION", "morale:FACTION<X",
         "stalled:FACTION:DAYS", "threatened:TOWN[:FACTION]", "lost:FACTION>SHARE")


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its text and its tree."""

    text: str
    tree: Node


def parse(text: str, theatre: Theatre, factions: tuple[str, ...], *, file: Any,
          field: str) -> Condition:
    """Parse and bind a condition; any fault is an InputError naming ``file`` and ``field``."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(file, field, "empty condition; forms: " + ", ".join(FORMS))
    if len(text) > MAX_CONDITION_CHARS:
        raise InputError(file, field, f"condition of {len(text):,} characters; at most "
                                      f"{MAX_CONDITION_CHARS:,}")
    tokens = [t.strip() for t in _TOKEN.split(text) if t.strip()]
    atoms = sum(t not in ("(", ")", "and", "or", "not") for t in tokens)
    if atoms > MAX_CONDITION_ATOMS:
        raise InputError(file, field, f"condition of {atoms} atoms; at most "
                                      f"{MAX_CONDITION_ATOMS}")
    parser = _Parser(tokens, theatre, factions, file, field)
    tree = parser.expr()
    if parser.pos != len(tokens):
        raise InputError(file, field, f"unexpected {tokens[parser.pos]!r} in condition {text!r}")
    return Condition(text, tree)


def _balanced(op: str, items: list[Node]) -> Node:
    """``a op b op c ...`` as a balanced tree of pairs (depth log2 of the length)."""
    if len(items) == 1:
        return items[0]
    mid = len(items) // 2
    return (op, _balanced(op, items[:mid]), _balanced(op, items[mid:]))


class _Parser:
    def __init__(self, tokens, theatre, factions, file, field) -> None:
        self.tokens, self.pos, self.depth = tokens, 0, 0
        self.theatre, self.factions, self.file, self.field = theatre, factions, file, field

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _fail(self, msg: str) -> InputError:
        return InputError(self.file, self.field, msg)

    def expr(self) -> Node:
        items = [self.term()]
        while self._peek() == "or":
            self.pos += 1
            items.append(self.term())
        return _balanced("or", items)

    def term(self) -> Node:
        items = [self.factor()]
        while self._peek() == "and":
            self.pos += 1
            items.append(self.factor())
        return _balanced("and", items)

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_CONDITION_DEPTH:
            raise self._fail(f"parentheses and 'not' nested more than {MAX_CONDITION_DEPTH} "
                             "deep")

    def factor(self) -> Node:
        tok = self._peek()
        if tok is None:
            raise self._fail("condition ends too early")
        self.pos += 1
        if tok == "not":
            self._deeper()
            node = ("not", self.factor())
            self.depth -= 1
            return node
        if tok == "(":
            self._deeper()
            inner = self.expr()
            if self._peek() != ")":
                raise self._fail("missing ')' in condition")
            self.pos += 1
            self.depth -= 1
            return inner
        if tok in (")", "and", "or"):
            raise self._fail(f"unexpected {tok!r} in condition")
        return self.atom(tok)

    def _faction(self, name: str) -> int:
        if name not in self.factions:
            raise self._fail(f"unknown faction {name!r} in condition"
                             f"{did_you_mean(name, self.factions)}; factions: "
                             f"{', '.join(self.factions)}")
        return self.factions.index(name)

    def _town(self, name: str) -> int:
        return self.theatre.id_of(name.strip(), file=self.file, field=self.field)

    def _days(self, text: str) -> int:
        n = int(text)
        if n > MAX_DAY:
            raise self._fail(f"day number {n} in condition; at most {MAX_DAY}")
        return n

    def atom(self, tok: str) -> Node:
        if m := _DAY.match(tok):
            return ("day", m.group(1), self._days(m.group(2)))
        if m := _MORALE.match(tok):
            return ("morale", self._faction(m.group(1)), m.group(2), float(m.group(3)))
        if m := _LOST.match(tok):
            share = float(m.group(3))
            if share > 1:
                raise self._fail(f"a lost share is 0..1, got {share:g} in {tok!r}")
            return ("lost", self._faction(m.group(1)), m.group(2), share)
        kind, _, rest = tok.partition(":")
        parts = rest.split(":")
        if kind == "captured" and len(parts) in (1, 2) and parts[0].strip():
            faction = self._faction(parts[1].strip()) if len(parts) == 2 else -1
            return ("captured", self._town(parts[0]), faction)
        if kind == "held" and len(parts) == 2:
            return ("held", self._town(parts[0]), self._faction(parts[1].strip()))
        if kind == "threatened" and len(parts) in (1, 2) and parts[0].strip():
            faction = self._faction(parts[1].strip()) if len(parts) == 2 else -1
            return ("threatened", self._town(parts[0]), faction)
        if kind == "stalled" and len(parts) == 2 and _DAYS.match(parts[1]):
            return ("stalled", self._faction(parts[0].strip()), self._days(parts[1]))
        raise self._fail(f"unknown condition {tok!r}; forms: {', '.join(FORMS)}")
