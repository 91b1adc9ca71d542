"""Data assimilation: a particle filter that carries the model from day 0 to a forecast
origin in agreement with the reported control changes (the way weather services start a
forecast from an analysis, and as particle filters are used for agent-based models: Wang &
Hu 2015, Lueck et al. 2019).

The filter. N members, each a model run (``ConflictModel(..., agents=False)``) with its own
parameters, drawn from the prior (sim.analysis.posterior: uniform between the spec's bounds
on a linear or log scale; the filter moves parameters in ``z = logit(u)``), and its own seed
(SeedSequence children of the spec's seed). Every member is advanced one day at a time from
day 0; after each day its log-weight gains the log-likelihood of the reports whose window
closes that day (:class:`Observation`). When the effective sample size falls below
``ess_threshold x N`` (default N/2; resampling only when the weights have degenerated adds
the least Monte Carlo noise, Doucet & Johansen 2009) and always at the origin (so that the
forecast ensemble is equally weighted), members are resampled by *systematic* resampling
(one uniform draw; the lowest variance of the common schemes, Douc & Cappé 2005); every
child is forked with a new seed (``ConflictModel.fork``) and its parameters jittered with
Liu & West's (2001) kernel shrinkage: ``z' = a z_parent + (1 - a) zbar + N(0, h^2 V)`` with
``a = (3 delta - 1) / (2 delta)``, ``h^2 = 1 - a^2`` (``delta`` = ``discount``, default 0.95),
where ``zbar`` and ``V`` are the weighted mean and covariance of the members' z. Shrinking
towards the mean before adding the kernel keeps the cloud's mean and variance, so repeated
jitter does not inflate the posterior. The new parameters apply from the next day
(``ConflictModel.set_params``). The forecast then continues the members from the origin.

Why the filter's parameters and not ABC-SMC (pyabc): ABC-SMC accepts or rejects whole runs
from day 0 against a distance threshold, so its posterior comes without a model *state* at
the origin (the forecast would restart from day 0 and forget which towns the record says
have fallen), it needs many generations of full runs (too slow for the 60 s calibration
target), and its tolerance schedule is a second, arbitrary noise model. The filter gives
parameters and states consistent with the record in one pass over the days, with an explicit
observation model.

Parallel work and reproducibility: each day the members are stepped in fixed chunks (the
spec's ``chunk``) through any ordered map (serial, process pool, Dask). A member's future
depends only on its own state, seed and parameters; all random draws of the filter itself
(prior, seeds, resampling, jitter) are made here, in member order, from the spec's seed; so
the result is bit-identical whatever the executor. Members travel between processes as
pickles without their theatre and road graph (rebuilt from the task's scenario).
"""

from __future__ import annotations

import io
import math
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np
from scipy.special import logsumexp

from ..core.model import ConflictModel
from ..inputs.reported import Reported
from ..inputs.roads import Roads
from ..inputs.scenario import Scenario
from ..inputs.theatre import Theatre
from .calibration import MapLike
from .posterior import Prior

Change = tuple[int, int, int]          # (town, new faction, day)


# -- the observation model --------------------------------------------------------------------
@dataclass(frozen=True)
class Observation:
    """How a member's run is weighed against the reports (defaults in the spec's
    ``[assimilation]``):

    - a reported change of town t to faction f dated d *agrees* with a member when the
      member's t passed to f on some day in ``d - tolerance .. d + tolerance`` (date
      uncertainty about a day; the window is cut at the origin, never looking past it). A
      member that merely *holds* t then (having taken it earlier) does not agree: with that
      rule a member advancing too fast would agree with every report;
    - an agreeing report has likelihood ``1 - miss_probability``, any other
      ``miss_probability`` (reports can be wrong, premature or misdated; a floor above zero
      keeps one bad report from wiping out the ensemble);
    - every simulated change of a place to a faction that no report up to the origin names
      costs ``unreported_penalty`` in log-likelihood (records are incomplete: many villages
      change hands unreported, so this is small);
    - ``dependence = "source"``: reports dated the same day that share a
      citation (:func:`sim.inputs.reported.citations`; linked through shared citations) form
      one cluster, and each of its n reports counts 1/n, so the cluster weighs as much as one
      report. Twenty-six places "taken on 30 November" in one news agency's list are one
      observation of how far the offensive got that day, not twenty-six independent ones;
      multiplying them as independent overstates the evidence, collapses the ensemble onto a
      few members and makes the forecast overconfident. This is a power (composite)
      likelihood over dependent observations, with weights fixed by the record's own
      citations (Varin, Reid & Firth 2011 review composite likelihoods; Miller & Dunson 2019
      temper a likelihood for the same reason, robustness to a misspecified noise model).
      ``"independent"`` (the default) multiplies every report. The default was chosen on
      hold-out origins inside each spec's pre-origin record (``benchmarks/
      observation_check.py``): "source" had the better log and Brier scores but a CRPS 10%
      worse, which the rule fixed beforehand counted against it.
    """

    tolerance: int = 1
    miss_probability: float = 0.1
    unreported_penalty: float = 0.1
    dependence: str = "independent"

    def weights(self, record: Reported) -> np.ndarray:
        """Each report's weight in the log-likelihood (aligned with ``record.events``)."""
        if self.dependence == "independent":
            return np.ones(len(record))
        if self.dependence != "source":
            raise ValueError(f"dependence: expected 'source' or 'independent', "
                             f"got {self.dependence!r}")
        cluster = source_clusters(record)
        return 1.0 / np.bincount(cluster)[cluster]

    def window(self, day: int, origin: int) -> tuple[int, int]:
        return day - self.tolerance, min(day + self.tolerance, origin)

    def report_loglik(self, history: set[Change], town: int, new: int, lo: int, hi: int
                      ) -> float:
        hit = any((town, new, d) in history for d in range(lo, hi + 1))
        return math.log1p(-self.miss_probability) if hit else math.log(self.miss_probability)


def source_clusters(record: Reported) -> np.ndarray:
    """A cluster number per report: reports of one date sharing a citation, directly or
    through other reports of that date, are one cluster (union-find)."""
    parent = list(range(len(record)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple, int] = {}            # (day, citation) -> first report citing it
    for i, e in enumerate(record.events):
        for c in sorted(e.citations):
            j = first.setdefault((e.day, c), i)
            parent[root(i)] = root(j)
    roots = [root(i) for i in range(len(record))]
    number = {r: k for k, r in enumerate(dict.fromkeys(roots))}
    return np.array([number[r] for r in roots], dtype=np.int64)


def day_loglik(obs: Observation, histories: Sequence[set[Change]], today: Sequence[list],
               record: Reported, day: int, origin: int) -> np.ndarray:
    """Log-likelihood gained by each member on ``day``: reports whose window closes today
    (each with its weight, :meth:`Observation.weights`), and today's unreported simulated
    changes (``today[i]``: member i's log rows of the day)."""
    named = record.pairs()
    weight = obs.weights(record)
    closing = [(e.town, e.new, *obs.window(e.day, origin), weight[k])
               for k, e in enumerate(record.events) if obs.window(e.day, origin)[1] == day]
    out = np.zeros(len(histories))
    for i, h in enumerate(histories):
        out[i] = sum(w * obs.report_loglik(h, t, f, lo, hi) for t, f, lo, hi, w in closing)
        out[i] -= obs.unreported_penalty * sum(1 for r in today[i]
                                               if (int(r[1]), int(r[2])) not in named)
    return out


# -- weights, resampling, jitter --------------------------------------------------------------
def normalise(logw: np.ndarray) -> np.ndarray:
    """Normalised weights from log-weights."""
    return np.exp(logw - logsumexp(logw))


def evidence_gain(logw: np.ndarray, gain: np.ndarray) -> float:
    """The day's factor of the filter's estimate of the record's likelihood under the model
    (its evidence, Del Moral 2004; Doucet & Johansen 2009): log sum_i W_i exp(gain_i), with
    ``W`` the members' normalised weights before the day's reports. Summed over the days
    up to the origin it compares models (or settings) on the reports before the origin
    only: a higher log evidence means the record is likelier under that model."""
    return float(logsumexp(logw - logsumexp(logw) + gain))


def ess(w: np.ndarray) -> float:
    """Effective sample size of normalised weights (Kong 1992): 1 / sum w^2."""
    return float(1.0 / np.sum(np.square(w)))


def systematic_resample(w: np.ndarray, u: float) -> np.ndarray:
    """Ancestor indices by systematic resampling: the points ``(u + i) / N`` (``u`` one
    uniform draw in [0, 1)) read off the cumulative weights. Sorted; member i's expected
    number of children is ``N w_i``, and the actual number differs from it by less than 1."""
    n = len(w)
    cum = np.cumsum(w)
    cum[-1] = 1.0
    return np.searchsorted(cum, (u + np.arange(n)) / n, side="right").astype(np.int64)


def liu_west(z: np.ndarray, w: np.ndarray, ancestors: np.ndarray, discount: float,
             rng: np.random.Generator) -> np.ndarray:
    """The children's parameters: kernel shrinkage of Liu & West (2001), in z."""
    a = (3.0 * discount - 1.0) / (2.0 * discount)
    zbar = w @ z
    dev = z - zbar
    cov = (w[:, None] * dev).T @ dev
    noise = rng.standard_normal(z.shape)
    vals, vecs = np.linalg.eigh(cov)
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))
    return a * z[ancestors] + (1.0 - a) * zbar + math.sqrt(1.0 - a * a) * noise @ root.T


def member_seed(seed: int, *key: int) -> int:
    """A seed for one purpose: the SeedSequence child of ``seed`` with this spawn key
    ((1, i): member i's first seed; (3, day, i): member i's fork after ``day``)."""
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1)[0])


# -- members on the executors -----------------------------------------------------------------
class _Pickler(pickle.Pickler):
    """Pickles a member without its theatre and current road graph (they are the task's)."""

    def __init__(self, fh, model: ConflictModel) -> None:
        super().__init__(fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.theatre, self.roads = model.setup.theatre, model.state.roads
        self.key = tuple(float(model.params[k]) for k in Roads.PARAMS)

    def persistent_id(self, obj: Any) -> Any:
        if obj is self.theatre:
            return ("theatre",)
        if obj is self.roads:
            return ("roads", *self.key)
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, theatre: Theatre) -> None:
        super().__init__(io.BytesIO(data))
        self.theatre = theatre

    def persistent_load(self, pid: Any) -> Theatre | Roads:
        if pid[0] == "theatre":
            return self.theatre
        return self.theatre.roads(dict(zip(Roads.PARAMS, pid[1:], strict=True)))


def pack(model: ConflictModel) -> bytes:
    fh = io.BytesIO()
    _Pickler(fh, model).dump(model)
    return fh.getvalue()


def unpack(data: bytes, scenario: Scenario) -> ConflictModel:
    return _Unpickler(data, scenario.theatre).load()


Payload = int | bytes | ConflictModel     # a new member's seed, a packed or a live member
Pending = tuple[int | None, dict[str, float]] | None   # (fork seed, new parameters)


@dataclass(frozen=True)
class Advance:
    """A task: step a chunk of members through ``until`` (a day). Returns per member
    (the member, packed if ``pack``, or None if not ``keep``; its log rows of the days
    stepped; its control from day ``control_from`` through ``until``, if asked)."""

    scenario: Scenario
    until: int
    pack: bool = True
    keep: bool = True
    control_from: int | None = None
    copy: bool = False          # leave a live member untouched (step a copy of it)
    insert: tuple[tuple[int, int], ...] = ()   # (town, faction) set before the first step

    def __call__(self, items: Sequence[tuple[Payload, Pending]]) -> list[tuple]:
        out = []
        for payload, pending in items:
            m = self.load(payload, pending)
            if self.insert:
                m.set_control(self.insert)
            start = len(m.result.log_rows)
            while m.day <= self.until:
                m.step()
            rows = [(int(d), int(t), int(n), int(o), str(c))
                    for d, t, n, o, c in m.result.log_rows[start:]]
            ctrl = (m.result.control_array[self.control_from:self.until + 1].copy()
                    if self.control_from is not None else None)
            kept = (pack(m) if self.pack else m) if self.keep else None
            out.append((kept, rows, ctrl))
        return out

    def load(self, payload: Payload, pending: Pending) -> ConflictModel:
        if isinstance(payload, int):
            m = ConflictModel(self.scenario.with_params(**pending[1]), seed=payload,
                              agents=False)
            # Mesa 3.3 keeps a per-model id counter in a class-level dict that would keep
            # every member alive; members make no agents after __init__ (agents=False)
            getattr(mesa.Agent, "_ids", {}).pop(m, None)
            return m
        m = unpack(payload, self.scenario) if isinstance(payload, bytes) else payload
        if pending is not None:
            m = m.fork(seed=pending[0])
            m.set_params(**pending[1])
        elif self.copy and not isinstance(payload, bytes):
            m = m.fork()
        return m


def in_process(mapper: MapLike) -> bool:
    """True for the builtin map and the serial executor: members need not be pickled."""
    owner = getattr(mapper, "__self__", None)
    return mapper is map or getattr(owner, "backend", "") == "serial"


def run_chunks(mapper: MapLike, task: Advance, payloads: Sequence[Payload],
               pending: Sequence[Pending], chunk: int) -> list[tuple]:
    """``task`` over the members in chunks of ``chunk`` (results in member order)."""
    items = list(zip(payloads, pending, strict=True))
    parts = mapper(task, [items[i:i + chunk] for i in range(0, len(items), chunk)])
    return [r for part in parts for r in part]


# -- the filter -------------------------------------------------------------------------------
@dataclass
class Ensemble:
    """The members at the end of the origin day, equally weighted, with what the filter
    did. ``payloads``/``pending`` continue them (sim.analysis.forecast)."""

    scenario: Scenario
    prior: Prior
    origin: int
    payloads: list[Payload]
    pending: list[Pending]
    z: np.ndarray                                   # (N, P) parameters at the origin
    histories: list[set[Change]]
    trace: list[dict[str, float]] = field(default_factory=list)   # per day: ESS, resampled
    chunk: int = 25

    @property
    def params(self) -> np.ndarray:
        """(N, P) parameter values of the members."""
        return self.prior.from_z(self.z)


def assimilate(scenario: Scenario, record: Reported, origin: int, prior: Prior, *,
               members: int, seed: int, obs: Observation = Observation(),
               ess_threshold: float = 0.5, discount: float = 0.95, chunk: int = 25,
               mapper: MapLike = map, progress: Callable[[str], None] | None = None
               ) -> Ensemble:
    """Run the filter on ``record`` (reports dated up to the origin only; checked) from day
    0 through day ``origin`` of ``scenario`` (already cut to what is known at the origin)."""
    if any(e.day > origin for e in record.events):
        raise ValueError("the record passed to assimilate has reports after the origin")
    n = members
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
    z = prior.sample_z(rng, n)
    payloads: list[Payload] = [member_seed(seed, 1, i) for i in range(n)]
    pending: list[Pending] = [(None, prior.params(z[i])) for i in range(n)]
    histories: list[set[Change]] = [set() for _ in range(n)]
    logw = np.zeros(n)
    log_evidence = 0.0
    packed = not in_process(mapper)
    cluster = (source_clusters(record) if obs.dependence == "source"
               else np.arange(len(record)))
    trace = []
    for day in range(origin + 1):
        res = run_chunks(mapper, Advance(scenario, day, pack=packed), payloads, pending, chunk)
        payloads = [r[0] for r in res]
        today = [r[1] for r in res]
        for h, rows in zip(histories, today, strict=True):
            h.update((t, f, d) for d, t, f, _o, _c in rows)
        gain = day_loglik(obs, histories, today, record, day, origin)
        log_evidence += evidence_gain(logw, gain)
        logw += gain
        w = normalise(logw)
        e = ess(w)
        resample = e < ess_threshold * n or (day == origin and np.ptp(logw) > 0)
        trace.append({"day": day, "ess": e, "resampled": bool(resample),
                      "reports": sum(1 for r in record.events if r.day == day),
                      "independent_reports": len({cluster[k] for k, r in
                                                  enumerate(record.events) if r.day == day}),
                      "log_evidence": log_evidence})
        if progress:
            progress(f"day {day} ({scenario.date(day)}): ESS {e:8.1f} of {n}"
                     f"{'  resampled' if resample else ''}")
        if resample:
            anc = systematic_resample(w, float(rng.uniform()))
            z = liu_west(z, w, anc, discount, rng)
            payloads = [payloads[a] for a in anc]
            histories = [set(histories[a]) for a in anc]
            pending = [(member_seed(seed, 3, day, i), prior.params(z[i])) for i in range(n)]
            logw = np.zeros(n)
        else:
            pending = [None] * n
    return Ensemble(scenario, prior, origin, payloads, pending, z, histories, trace, chunk)


def continue_members(ens: Ensemble, until: int, mapper: MapLike = map, *,
                     with_origin: bool = False, insert: tuple[tuple[int, int], ...] = ()
                     ) -> tuple[list[list], np.ndarray]:
    """Step the members from the origin through day ``until``: their log rows after the
    origin and their control (N, days, n) at the end of each day after the origin (and of
    the origin day itself first, if ``with_origin``). ``insert``: (town, faction) pairs set
    in every member before the first step (the analysis; the origin day's control too)."""
    task = Advance(ens.scenario, until, pack=False, keep=False,
                   control_from=ens.origin + (0 if with_origin else 1), copy=True,
                   insert=insert)
    res = run_chunks(mapper, task, ens.payloads, ens.pending, ens.chunk)
    return [r[1] for r in res], np.stack([r[2] for r in res])
