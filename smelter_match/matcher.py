"""The Matcher: reported (name, metal, country, reported CID) rows in, RMI facilities out.

Pipeline per batch: parse metal/country -> normalise the name -> (a name that is exactly RMI's
name of one facility of the reported metal, with nothing against it, is decided by lookup here:
:func:`~smelter_match.decide.exact_lookup`) -> generate candidates (blocking) -> compute
features (compare) -> score (classify) -> decide. Work is done once per *distinct*
query: thousands of supplier rows name the same few hundred smelters, and a bounded cache keeps
answers across calls, so throughput grows with duplication.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import suppress
from dataclasses import dataclass, replace
from functools import partial
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from smelter_match.blocking import CandidateGenerator, Candidates
from smelter_match.cache import load_places
from smelter_match.cids import cid_named
from smelter_match.classify import Model, sigmoid
from smelter_match.compare import FEATURES, compute_features
from smelter_match.decide import (
    Decision,
    decide_exact,
    decide_many,
    decide_reported_cid,
    exact_lookup,
    query_flags,
)
from smelter_match.errors import InputError
from smelter_match.explain import explain_many
from smelter_match.index import NameIndex
from smelter_match.io.tables import cell_text
from smelter_match.normalize import NormalizedName, normalize_name
from smelter_match.overrides import OverrideIndex, text_key
from smelter_match.parallel import run_steps, step_size, threads_for, use_processes
from smelter_match.placeholders import (
    names_no_business,
    no_letters,
    placeholder_text,
)
from smelter_match.queries import Query, distinct_queries, read_query
from smelter_match.query_features import Ranking, query_features, unrelated
from smelter_match.readings import same_name
from smelter_match.reference import Reference
from smelter_match.results import (
    RESULT_COLUMNS,
    Candidate,
    MatchResult,
    format_candidates,
    format_flags,
    removal_flags,
    tool_column_name,
)

if TYPE_CHECKING:
    import pandas as pd

#: Distinct queries searched together: bounds the memory of the vectorised stages.
QUERY_CHUNK = 2048


def _row_column(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A result column over the distinct queries, typed as pandas infers it, ready to be taken
    per row. Text is kept as Python strings even where pandas would store it in Arrow (pandas 3
    with pyarrow installed): rows then share one string per distinct answer instead of each
    holding its own bytes (a million rows of ``candidates`` text alone is ~150 MB in Arrow), and
    the columns' dtype (``str``) no longer depends on whether pyarrow is installed."""
    import pandas as pd

    typed = pd.Series(values, copy=False)
    dtype = typed.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage != "python":
        typed = typed.astype(pd.StringDtype("python", na_value=dtype.na_value))
    return typed.array


@dataclass
class Scored:
    """What the stages before the decision produced for a batch of distinct queries."""

    cands: Candidates      # candidate rows (query position, facility row, ...)
    X: np.ndarray          # their pair features
    logit: np.ndarray      # their pair log-odds (uncalibrated)
    pair: np.ndarray       # their calibrated pair probabilities
    Q: np.ndarray          # query features, one row per query
    smelter: np.ndarray    # calibrated smelter probability per query
    ranking: Ranking       # candidate order per query
    kinds: list[str]       # kind of the strongest unexplained non-smelter word per query
    same_key: np.ndarray   # per candidate row: how the name reads as its best name (readings)


class Matcher:
    """Match supplier-reported smelter names against an RMI :class:`Reference`.

    ``model``: a :class:`Model`, a path to a model JSON file, or ``None`` for the shipped model.
    ``overrides``: analyst decisions (a DataFrame or CSV path from ``review apply``) that resolve
    a (name, metal) directly. ``workers``: how many of a batch's steps of distinct queries are
    searched side by side (-1: every core), each in a process forked from this one where that
    is safe, else on a thread (:mod:`smelter_match.parallel`); a single step uses as many
    threads for its string comparisons and the forests' walk. ``processes=False`` keeps every
    step on threads of this process (e.g. a server that must not fork). Results depend on
    neither. ``max_candidates``: facilities of the reported metal compared per name (the model
    was trained with 8); ``top_k``: candidates listed per row; ``cache_size``: distinct queries
    whose answers are kept for later calls (0: none). Bad values raise
    :class:`~smelter_match.errors.InputError`.
    """

    def __init__(self, reference: Reference, model: Model | str | Path | None = None,
                 overrides: pd.DataFrame | str | Path | None = None, *, max_candidates: int = 8,
                 top_k: int = 5, cache_size: int = 200_000, workers: int = -1,
                 processes: bool = True):
        if not isinstance(reference, Reference):
            raise InputError(f"Matcher needs a Reference (smelter_match.load_reference(...)), "
                             f"not {type(reference).__name__}")
        for label, value, least in (("max_candidates", max_candidates, 1), ("top_k", top_k, 0),
                                    ("cache_size", cache_size, 0), ("workers", workers, -1)):
            if isinstance(value, bool) or not isinstance(value, Integral) or value < least or (
                    label == "workers" and value == 0):
                least_text = "-1 (every core) or at least 1" if least < 0 else f"at least {least}"
                raise InputError(f"{label} must be a whole number, {least_text}, not {value!r}")
        max_candidates, top_k, cache_size, workers = map(int, (max_candidates, top_k, cache_size,
                                                               workers))
        if not (model is None or isinstance(model, (Model, str, os.PathLike))):
            raise InputError(f"model must be a Model or the path of a model file, not "
                             f"{type(model).__name__}")
        self.reference = reference
        self.model = model if isinstance(model, Model) else Model.load(model)
        self.index = NameIndex(reference)
        self.generator = CandidateGenerator(self.index, max_candidates=max_candidates)
        self.top_k = top_k
        self.workers = workers
        self.processes = processes
        fac_cols = ("cid", "metal", "standard_name", "country", "rmap_status", "successors")
        self._fac = {c: np.array(v, dtype=object) for c, v in
                     zip(fac_cols, reference.columns("facilities", *fac_cols))}
        self._fac["removed"] = np.array(reference.columns("facilities", "removed")[0], dtype=bool)
        self._fac["current_key"] = np.array([self.index.normalized(n).key
                                             for n in self._fac["standard_name"].tolist()],
                                            dtype=object)
        #: CID -> the metals this reference lists it under (decide checks reported CIDs against it)
        self.cid_metals: dict[str, list[str]] = {}
        for c, m in zip(self._fac["cid"].tolist(), self._fac["metal"].tolist()):
            self.cid_metals.setdefault(c, []).append(m)
        self._fac_row = {(c, m): i for i, (c, m) in enumerate(zip(self._fac["cid"].tolist(),
                                                                    self._fac["metal"].tolist()))}
        self._overrides = OverrideIndex(overrides)
        self._cache: OrderedDict[Query, Decision] = OrderedDict()
        self._cache_size = cache_size
        self.version = reference.version.stamp

    # -- public API ---------------------------------------------------------------------------
    def match(self, df: pd.DataFrame, name: str = "name", metal: str | None = None,
              country: str | None = None, reported_cid: str | None = None,
              progress: Callable[[int], None] | None = None) -> pd.DataFrame:
        """One output row per input row, same order, input columns intact, plus RESULT_COLUMNS.

        Column arguments name the input's columns; ``metal``/``country``/``reported_cid`` are
        optional. ``progress`` is called with the number of rows finished after each step.

        Work is done once per distinct (name, metal, country, reported CID) of the whole frame.
        Those are searched in order of their normalised name, a few thousand at a time, so that
        a name reported under several metals or countries is blocked and compared in one step
        (the answer of each query does not depend on which others share its step).

        ``score`` and ``smelter_score`` are floats; the other result columns are text held as
        Python strings (object under pandas 2, ``str`` with Python storage under pandas 3,
        with or without pyarrow), one string object per distinct answer (on an empty frame,
        object columns).
        """
        import pandas as pd  # (not at start-up: match_one needs none)

        if not isinstance(df, pd.DataFrame):
            raise InputError("match() expects a pandas DataFrame")
        if name is None:
            raise InputError("match() needs the name column (name=...)")
        for label, col in (("name", name), ("metal", metal), ("country", country),
                           ("reported_cid", reported_cid)):
            try:
                absent = col is not None and col not in df.columns
            except TypeError:   # an unhashable label (a list)
                absent = True
            if absent:
                raise InputError(f"column {col!r} ({label}) not in input; columns are: "
                                 f"{', '.join(map(str, df.columns))}")
            if col is not None and (df.columns == col).sum() > 1:
                raise InputError(f"column {col!r} ({label}) appears {(df.columns == col).sum()} "
                                 "times in the input: rename all but one")
            if col is not None and not isinstance(df[col], pd.Series):
                raise InputError(f"column {col!r} ({label}) is {df[col].shape[1]} columns of the "
                                 "input (a top-level name of several): give one column")
        if progress is not None and not callable(progress):
            raise InputError(f"progress must be a function of the rows done, not {progress!r}")
        targets = {c: tool_column_name(c, df.columns) for c in RESULT_COLUMNS}   # before any work
        queries, row_q = distinct_queries(df, name, metal, country, reported_cid)
        rows_of = np.bincount(row_q, minlength=len(queries))
        decided: list[Decision | None] = [None] * len(queries)
        order = sorted(range(len(queries)), key=lambda i: normalize_name(queries[i][0]).key)
        done = 0
        # steps searched side by side (see _steps_decided) together hold one step's queries
        workers = threads_for(self.workers)
        forked = self.processes and use_processes(len(order), workers)
        size = step_size(QUERY_CHUNK, workers, forked)
        steps = [order[start:start + size] for start in range(0, len(order), size)]
        for at, answers in self._steps_decided([[queries[i] for i in step] for step in steps],
                                               forked):
            step = steps[at]
            for i in step:
                decided[i] = answers[queries[i]]
            done += int(rows_of[step].sum())
            if progress:
                progress(done)
        # column by column onto a copy of the input: no block of all result columns is built
        # and copied again (a million-row batch's memory follows its columns); a result column
        # named like an input column is appended beside it, never over it. Each column is typed
        # once over the distinct queries (pandas' own inference, e.g. Arrow strings) and then
        # taken per row, not converted from a row-length array of Python strings.
        out = df.copy()
        for c, target in targets.items():
            values = _row_column(self._column(decided, c)).take(row_q)
            out.insert(out.shape[1], target, values, allow_duplicates=True)
        return out

    def match_one(self, name: str, metal: str | None = None, country: str | None = None,
                  reported_cid: str | None = None) -> MatchResult:
        """Match a single reported name; returns a :class:`MatchResult` with its candidates.

        Raises:
            InputError: an argument holds many values (a Series, list, array: use ``match``).
        """
        for role, v in (("name", name), ("metal", metal), ("country", country),
                        ("reported_cid", reported_cid)):
            if isinstance(v, Iterable | Sized) and not isinstance(v, str | bytes):
                raise InputError(f"match_one takes one {role}, not a {type(v).__name__}: "
                                 "match many with Matcher.match on a DataFrame")
        q = read_query(name, metal, country, reported_cid)
        d = self._decide_many([q])[q]
        cands = tuple(
            Candidate(self._fac["cid"][f], self._fac["metal"][f], self._fac["standard_name"][f],
                      self._fac["standard_name"][f], round(s, 4))
            for f, s in d.candidates[: self.top_k])
        return MatchResult(cell_text(name), d.cid, d.standard_name, d.metal, d.country, d.rmap_status,
                           round(d.score, 4), round(d.smelter_score, 4), d.decision, d.reason,
                           d.explanation,
                           d.flags, cands, self.version)

    # -- internals ----------------------------------------------------------------------------
    def _column(self, decided: list, c: str) -> np.ndarray:
        """One result column over the distinct queries (rows are taken from it by index)."""
        if c == "reference_version":
            return np.full(len(decided), self.version, dtype=object)
        if c in ("score", "smelter_score"):
            return np.array([round(getattr(d, c), 4) for d in decided], dtype=float)
        if c == "flags":   # the output boundary: structured values become text here
            return np.array([format_flags(d.flags) for d in decided], dtype=object)
        if c == "candidates":
            cid, name = self._fac["cid"], self._fac["standard_name"]
            # (top_k of every answer, as match_one lists them: the first pass's has its facility)
            return np.array([format_candidates([(cid[f], name[f], s)
                                                for f, s in d.candidates[: self.top_k]])
                             for d in decided], dtype=object)
        out = np.empty(len(decided), dtype=object)
        out[:] = [getattr(d, c) for d in decided]
        return out

    def _decide_many(self, queries: Iterable[Query]) -> dict[Query, Decision]:
        result, todo = self._cached(queries)
        if todo:
            self._remember(result, self._decide_fresh(todo))
        return result

    def _cached(self, queries: Iterable[Query]) -> tuple[dict[Query, Decision], list[Query]]:
        """(answers already cached, distinct queries still to decide).

        Threads may share a matcher (``match_one`` from a server's threads): each step on the
        cache is one operation, and an answer another thread evicted between two of them is
        still the answer (no lock, so that a matcher pickles)."""
        result: dict[Query, Decision] = {}
        todo: list[Query] = []
        for q in dict.fromkeys(queries):
            hit = self._cache.get(q)
            if hit is not None:
                with suppress(KeyError):   # (evicted by another thread since: answered anyway)
                    self._cache.move_to_end(q)
                result[q] = hit
            else:
                todo.append(q)
        return result, todo

    def _remember(self, result: dict[Query, Decision], fresh: dict[Query, Decision]) -> None:
        result.update(fresh)
        self._cache.update(fresh)
        while len(self._cache) > self._cache_size:
            try:
                self._cache.popitem(last=False)
            except KeyError:   # (another thread emptied it meanwhile)
                break

    def _steps_decided(self, steps: list[list[Query]], forked: bool = False
                       ) -> Iterator[tuple[int, dict[Query, Decision]]]:
        """(position, answers) of each step of :meth:`match`, as the steps finish.

        With several cores and several steps, the steps' searches run side by side, one core
        each: with ``forked``, in processes forked from this one and in this one
        (:func:`smelter_match.parallel.use_processes`: a large frame, where that is safe), else
        on threads (:func:`smelter_match.parallel.run_steps`). :meth:`match` makes the steps
        smaller by as much, so that the steps in flight hold about as many queries as one step
        searched alone (memory follows the step). The cache is read and written in this
        thread only. The answer of a query does not depend on which others share its step nor
        on where it is searched, so the output does not depend on the workers
        (``tests/test_matcher.py``, ``tests/test_parallel.py``).
        """
        if min(threads_for(self.workers), len(steps)) < 2:
            for at, step in enumerate(steps):
                yield at, self._decide_many(step)
            return
        cached: list = [self._cached(step) for step in steps]
        searched = [at for at, (_, todo) in enumerate(cached) if todo]
        for at, (result, todo) in enumerate(cached):
            if not todo:
                cached[at] = None
                yield at, result
        # forked only for enough queries still to search (a warm cache may leave few)
        workers = min(threads_for(self.workers), len(searched))
        forked = forked and use_processes(sum(len(cached[at][1]) for at in searched), workers)
        todos = [cached[at][1] for at in searched]
        if forked:   # what the searches build on first use, built once here and shared
            self.index.prepare(workers)
            load_places(self.reference.use_cache)   # the provinces' names
        answers = run_steps(partial(self._decide_fresh, workers=1), todos, workers, forked,
                            "smelter_match") if workers > 1 else \
            ((j, self._decide_fresh(todo)) for j, todo in enumerate(todos))
        for j, fresh in answers:
            at = searched[j]
            result = cached[at][0]
            cached[at] = None       # an answered step is not held to the end of match()
            self._remember(result, fresh)
            yield at, result

    def _decide_fresh(self, todo: list[Query], workers: int | None = None
                      ) -> dict[Query, Decision]:
        """Decisions for distinct queries not in the cache (``workers``: threads for this call's
        string comparisons and forest walks; default the matcher's)."""
        out: dict[Query, Decision] = {}
        norms = [normalize_name(q[0]) for q in todo]
        search = []
        for q, nn in zip(todo, norms):
            special = self._special(q, nn)
            if special is None:
                special = self._exact(q, nn)
            if special is not None:
                out[q] = special
            else:
                search.append((q, nn))
        if search:   # at most QUERY_CHUNK queries (match() steps): memory follows the step
            out.update(self._search([q for q, _ in search], [nn for _, nn in search], workers))
        for q in todo:
            if q[5]:   # a reported CID not read as one is said, and a row with nothing else kept
                d = out[q]
                out[q] = replace(d, flags=(*d.flags, "reported_cid_unread"), **(
                    {"decision": "review", "reason": f"no name, and the reported CID {q[5]!r} "
                                                     "is not read as one: which facility?"}
                    if d.reason == "empty name" else {}))
        return out

    def _search(self, qs: list[Query], nns: list[NormalizedName],
                workers: int | None = None, explain_every: bool = False
                ) -> dict[Query, Decision]:
        """Candidates, scores and decisions for distinct queries that need a search
        (``explain_every``: an explanation for matches too, not only for review and no_match)."""
        out: dict[Query, Decision] = {}
        load_places(self.reference.use_cache)   # read once per process (the place rule, slips)
        scored = self.score(qs, nns, workers=workers)
        decided = decide_many([q[1] or None for q in qs], [q[2] for q in qs],
                              [q[4] or None for q in qs], scored.ranking, scored.cands.fac,
                              scored.pair, scored.X, self._fac, self.cid_metals, scored.smelter,
                              scored.kinds, self.model.thresholds, self.top_k, scored.same_key,
                              unrelated(scored.Q), [nn.key for nn in nns],
                              np.array([names_no_business(nn) for nn in nns], dtype=bool))
        for i, (q, d) in enumerate(zip(qs, decided, strict=True)):
            # the supplier named an RMI facility by its ID: never thrown away (review, proposing
            # it, with what the name said), as a row without a name is not
            kept = self._by_reported_cid(q, d.reason) if d.decision == "no_match" and q[4] \
                else None
            if kept is not None:
                decided[i] = replace(kept, candidates=d.candidates,
                                     smelter_score=d.smelter_score)
        self._explain(scored, decided, explain_every)
        out.update(zip(qs, decided))
        return out

    def _explain(self, scored: Scored, decided: list[Decision], every: bool = False) -> None:
        """Fill ``explanation`` of the review and no_match decisions (``every``: of all), in one
        batch."""
        todo = [i for i, d in enumerate(decided) if every or d.decision != "match"]
        if not todo:
            return
        pair, smelter = self.model.pair, self.model.smelter
        with_pair = scored.ranking.n_same[todo] > 0
        best = scored.ranking.order[scored.ranking.starts[todo][with_pair]]
        # a proposal decide put before the best (the current bearer of a shared name) is the
        # candidate whose score is explained
        paired = np.asarray(todo)[with_pair]
        proposed = np.array([decided[i].candidates[0][0] if decided[i].candidates else -1
                             for i in paired.tolist()], dtype=np.int64)
        for j in np.flatnonzero((proposed >= 0) & (scored.cands.fac[best] != proposed)).tolist():
            best[j] = next(r for r in scored.ranking.rows(int(paired[j]))
                           if scored.cands.fac[r] == proposed[j])
        why = explain_many(pair.features, smelter.features, pair.contributions(scored.X[best]),
                           with_pair, smelter.contributions(scored.Q[todo]),
                           [decided[i].score for i in todo],
                           [decided[i].smelter_score for i in todo], scored.X[best],
                           scored.Q[todo])
        for i, text in zip(todo, why):
            decided[i] = replace(decided[i], explanation=text)

    def score(self, qs: list[Query], nns: list[NormalizedName],
              model: Model | None = None, workers: int | None = None) -> Scored:
        """Every stage before the decision, for distinct queries: candidates, pair features and
        probabilities, query features and the smelter probability (``model``: default this
        matcher's; training passes the model being fitted; ``workers``: default the
        matcher's)."""
        cands, X, best_name = self.candidate_features(qs, nns, workers)
        return self.score_candidates(model or self.model, qs, nns, cands, X, best_name,
                                     workers=workers)

    def score_candidates(self, model: Model, qs: list[Query], nns: list[NormalizedName],
                         cands: Candidates, X: np.ndarray, best_name: np.ndarray,
                         logit: np.ndarray | None = None, workers: int | None = None) -> Scored:
        """The classifier and query-feature stages on candidates already compared (``logit``:
        pair log-odds to use instead of the model's, as training's out-of-fold scores)."""
        workers = self.workers if workers is None else workers
        logit = model.pair.raw(X, workers) if logit is None else logit
        a, b = model.pair.calibration
        pair = sigmoid(a * logit + b)
        Q, ranking, kinds = query_features(nns, [q[1] or None for q in qs], cands.query,
                                           cands.fac, X, logit, best_name, self.index, FEATURES)
        same_key = same_name(self.index, nns, [q[1] or None for q in qs], cands.query,
                             best_name, workers, cands.fac, ranking.best())
        return Scored(cands, X, logit, pair, Q, model.smelter.proba(Q, workers), ranking, kinds,
                      same_key)

    def candidate_features(self, qs: list[Query], nns: list[NormalizedName],
                           workers: int | None = None) -> tuple:
        """Blocking + comparison for distinct queries: (Candidates, features, best name rows)."""
        frame = {"key": [n.key for n in nns], "compact": [n.compact for n in nns],
                 "variants": [n.variants for n in nns], "acronym": [n.acronym for n in nns]}
        metals = [q[1] or None for q in qs]
        cands = self.generator.generate(frame, metals)
        X, best_name = compute_features(nns, [q[3] or None for q in qs], metals,
                                        [q[4] or None for q in qs], cands, self.index,
                                        self.workers if workers is None else workers)
        return cands, X, best_name

    def _by_reported_cid(self, q: Query, why: str) -> Decision | None:
        return decide_reported_cid(why, q[1], q[2], q[4] or None, self._fac, self._fac_row,
                                   self.cid_metals)

    def _exact(self, q: Query, nn: NormalizedName) -> Decision | None:
        """The first pass's answer (:func:`~smelter_match.decide.exact_lookup`), or None when
        the name needs the search (or the model has no lookup probabilities)."""
        if self.model.exact is None:
            return None
        r = exact_lookup(q[1], q[4], q[3], nn, self.index, self.cid_metals, q[2])
        return None if r is None else decide_exact(r, q[1], q[2], q[4], q[3], nn, self.index,
                                                   self._fac, self.cid_metals, self.model.exact)

    def _special(self, q: Query, nn) -> Decision | None:  # noqa: ANN001
        """Answers that need no search: empty names, placeholders, cells without letters (each
        ``review`` instead when the row's reported CID is a facility of the reference), analyst
        overrides.

        An override that applies forces its answer; one the matcher cannot honour as decided (made
        for another country, or naming a CID this reference lacks for the metal) is never
        ignored: the row gets the model's answer, but as ``review`` with a flag saying why.
        """
        metal = q[1]
        if not nn.key:
            return self._by_reported_cid(q, "no name") or Decision(
                "", "", metal, "", "", 0.0, "no_match", "empty name", (), (), 0.0)
        # an analyst's decision comes first, even on a text the placeholder rule would decide
        hit = self._overrides.lookup(text_key(q[0]), metal, q[3]) if len(self._overrides) \
            else None
        if hit is None:
            return self._by_rule(q, nn)
        ov = hit.row
        if ov is not None and ov["verdict"] == "unsure":
            # an analyst doubted the answer: the model's, never automatic until decided
            flags = ("analyst_unsure",)
            why = "an analyst was unsure about this name"
        elif ov is not None and ov["verdict"] != "not_a_smelter" and q[2] and not metal:
            # an any-metal override is not a CID for a metal other than the four ("Cobalt")
            flags = ("override_for_no_metal",)
            why = f"analyst override to {ov['cid']} decided without a metal, this row says {q[2]}"
        elif ov is not None:
            # the flags about what the supplier reported stay, as ``review apply`` keeps them
            reported = tuple(query_flags(metal or None, q[2], q[4] or None, self.cid_metals))
            if ov["verdict"] == "not_a_smelter":
                return Decision("", "", metal, "", "", 1.0, "no_match",
                                "analyst override: not a smelter", (),
                                (*reported, "analyst_override"), 0.0)
            cid = ov["cid"]
            f = self._fac_row.get((cid, metal)) if metal else next(
                (r for (c, _), r in self._fac_row.items() if c == cid), None)
            if f is not None:
                flags = [*reported, "analyst_override",
                         *removal_flags(self._fac["removed"][f], self._fac["successors"][f])]
                return Decision(cid, self._fac["standard_name"][f], self._fac["metal"][f],
                                self._fac["country"][f], self._fac["rmap_status"][f], 1.0,
                                "match", "analyst override", (), tuple(flags), 1.0)
            flags = (f"override_cid_not_in_reference={cid}",)
            why = f"analyst override to {cid} not applied: no {metal or 'such'} facility in " \
                  f"this reference"
        else:
            countries = sorted({r["country"] for r in hit.elsewhere})
            flags = tuple(f"override_other_country={c}" for c in countries)
            why = (f"analyst override decided for {'/'.join(countries)}, this row says "
                   f"{q[3] or 'no country'}")
        # the model's own answer, as the row would get it without the override (the same rules,
        # lookup and search), sent to a person
        d = self._by_rule(q, nn) or self._exact(q, nn) or \
            self._search([q], [nn], explain_every=True)[q]
        return replace(d, decision="review", reason=f"{why}; model: {d.reason}",
                       flags=(*d.flags, *flags))

    def _by_rule(self, q: Query, nn: NormalizedName) -> Decision | None:
        """The rules that answer a name without a search: a CID in the name cell, placeholder
        texts, cells without letters (each ``review`` instead when the row's reported CID is a
        facility of the reference); None for a name to look up."""
        metal = q[1]
        named = cid_named(q[0])
        named = named if q[4] in ("", named) else ""
        d = self._by_reported_cid((*q[:4], named, q[5]), "") if named else None
        if d is not None:   # a CID in the name cell ("CID002763") names the facility by it
            return replace(d, reason=f"the name is {d.cid}, {d.standard_name}'s RMI ID: is it?")
        if placeholder_text(nn):
            return self._by_reported_cid(q, "placeholder text") or Decision(
                "", "", metal, "", "", 0.0, "no_match", "not a smelter (placeholder text)", (),
                (), 0.0)
        if no_letters(nn, self.index):
            return self._by_reported_cid(q, "no letters") or Decision(
                "", "", metal, "", "", 0.0, "no_match", "not a name (no letters)", (), (), 0.0)
        return None
