"""Result types: the columns every match result carries, and the single-name result object.

``Matcher.match`` returns the input DataFrame (its own columns first, unchanged, same order) with
``RESULT_COLUMNS`` appended. ``match_one`` returns a :class:`MatchResult`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smelter_match.errors import InputError
from smelter_match.io.columns import COLUMN_SYNONYMS
from smelter_match.io.tables import clean_text, header_key

if TYPE_CHECKING:
    import pandas as pd

#: Columns the matcher appends to every input row, in this order.
RESULT_COLUMNS: tuple[str, ...] = (
    "cid",                # best candidate for match/review; "" for no_match
    "standard_name",      # RMI standard name of ``cid``
    "metal",              # metal of ``cid`` (or the parsed reported metal when no_match)
    "country",            # RMI country of ``cid``
    "rmap_status",        # Conformant | Active | "" (on neither list) | Not checked (no list,
    #                       or one of the two without the facility)
    "score",              # P(the best candidate is the facility | the name is an RMI facility)
    "smelter_score",      # P(the name denotes an RMI facility at all)
    "decision",           # match | review | no_match
    "reason",             # short human text, e.g. "exact RMI alias"
    "explanation",        # review / no_match: the evidence that lowered or raised the scores
    "candidates",         # top-k "CID|name|score" joined by " ; "
    "flags",              # ";"-joined flags, e.g. "removed_cid;successor=CID000760"
    "reference_version",  # stamp of the reference used
)

#: Result columns that hold numbers (probabilities); every other result column is text.
NUMERIC_COLUMNS: tuple[str, ...] = ("score", "smelter_score")

#: If the input already has a column of one of these names, the matcher's column is prefixed
#: with ``match_`` instead (the input's own columns are never overwritten).
RESULT_PREFIX = "match_"

DECISIONS: tuple[str, ...] = ("match", "review", "no_match")


@dataclass(frozen=True)
class Candidate:
    """One candidate facility for a reported name (immutable and hashable, like
    :class:`MatchResult`)."""

    cid: str
    metal: str
    name: str          # the facility's RMI standard name (as standard_name)
    standard_name: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """The answer for one reported name (``Matcher.match_one``)."""

    query: str
    cid: str
    standard_name: str
    metal: str
    country: str
    rmap_status: str
    score: float
    smelter_score: float
    decision: str
    reason: str
    explanation: str
    flags: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    reference_version: str

    @property
    def matched(self) -> bool:
        return self.decision == "match"


#: The reported fields of a review file, by input role (see :func:`input_roles`).
REPORTED_COLUMNS: dict[str, str] = {
    "name": "reported_name", "metal": "reported_metal", "country": "reported_country",
    "cid": "reported_cid",
}
_ROLE_ORDER = {"name": ("reported_name", *COLUMN_SYNONYMS["name"])}
#: Provenance columns the CLI adds to results (before the input's columns). Like the matcher's
#: columns, each is named ``match_<name>`` when an input already has a column ``<name>``.
META_COLUMNS: tuple[str, ...] = ("row_id", "source_file", "source_row", "supplier_company")


def tool_column_name(name: str, taken: Iterable[object]) -> str:
    """The name the tool gives its column ``name``: ``match_<name>`` if ``taken`` (the input's
    column names) already has ``name``, else ``name``.

    Raises:
        InputError: the input has both ``name`` and ``match_<name>`` (no name is left that
            keeps the input's columns as they are and the results readable by name).
    """
    # a tuple label (MultiIndex columns) takes its first level: pandas adds "cid" as ("cid", "")
    taken = {str(c[0] if isinstance(c, tuple) and c else c) for c in taken}
    if name not in taken:
        return name
    if RESULT_PREFIX + name in taken:
        raise InputError(f"the input already has columns {name!r} and {RESULT_PREFIX + name!r} "
                         "(a results file of an earlier run?): drop or rename one so the "
                         "matcher's column can be added")
    return RESULT_PREFIX + name


def column_label(label: object) -> str:
    """A column's label as the results helpers address it: text. A tool column beside
    MultiIndex input columns (pandas adds "cid" as ``("cid", "")``) is its first level; any
    other label its ``str`` (a header-less CSV's ``0`` is ``"0"``, a tuple ``"('s', 'name')"``)."""
    if isinstance(label, tuple) and label and all(x == "" for x in label[1:]):
        return str(label[0])
    return str(label)


def text_labelled(results: pd.DataFrame) -> pd.DataFrame:
    """``results`` with every column label as :func:`column_label` gives it, so that results
    ``Matcher.match`` made from a frame whose labels are not text (integers, a MultiIndex) are
    read as a results file is. The frame itself when its labels are text already, else a
    shallow copy (the cells are shared; the caller's frame keeps its labels)."""
    labels = [column_label(c) for c in results.columns]
    if labels == list(results.columns):
        return results
    import pandas as pd

    out = results.copy(deep=False)
    out.columns = pd.Index(labels, dtype=object)
    return out


def meta_column(results: pd.DataFrame, name: str) -> str | None:
    """The column holding the tool's provenance column ``name`` (one of :data:`META_COLUMNS`).

    ``match_<name>`` when present (the input had its own ``name``, which stays the user's), else
    ``name``, else None. In results made by ``Matcher.match`` alone (no provenance columns) an
    input column called ``row_id`` is therefore taken as the row id.
    """
    cols = {str(c) for c in results.columns}
    for c in (RESULT_PREFIX + name, name):
        if c in cols:
            return c
    return None


def meta_columns(results: pd.DataFrame) -> set[str]:
    """The columns of ``results`` that hold the tool's provenance (see :func:`meta_column`)."""
    return {c for n in META_COLUMNS if (c := meta_column(results, n))}


def result_column(results: pd.DataFrame, name: str, *, required: bool = True) -> str | None:
    """The actual column holding the matcher's ``name`` column (``cid``, ``metal``, ...).

    The matcher names its column ``match_<name>`` when the input already had a ``name`` column; as
    it appends its columns after the input's, the later of ``name`` / ``match_<name>`` is the
    matcher's.

    Raises:
        InputError: (when ``required``) neither column exists.
    """
    cols = [str(c) for c in results.columns]
    found = [c for c in (name, RESULT_PREFIX + name) if c in cols]
    if not found:
        if required:
            raise InputError(
                f"results have no {name!r} column; give the output of smelter-match match"
            )
        return None
    return max(found, key=cols.index)


def result_columns(results: pd.DataFrame) -> set[str]:
    """The columns of ``results`` that the matcher added (see :func:`result_column`)."""
    return {c for n in RESULT_COLUMNS if (c := result_column(results, n, required=False))}


def column_text(results: pd.DataFrame, col: str | None) -> list[str]:
    """The cells of column ``col`` as stripped text ("" for every row when it is absent)."""
    if col is None or col not in results.columns:
        return [""] * len(results)
    return [clean_text(v) for v in results[col].tolist()]


def format_flags(flags: tuple[str, ...] | list[str]) -> str:
    """Flags as one cell: ``removed_cid;successor=CID000760`` (inverse: :func:`parse_flags`)."""
    return ";".join(flags)


def parse_flags(value: object) -> list[str]:
    """The flags of a ``flags`` cell, in order."""
    return [f for f in (x.strip() for x in clean_text(value).split(";")) if f]


def format_candidates(cands: tuple[tuple[str, str, float], ...] | list) -> str:
    """Candidates as one cell: ``CID|name|score ; ...`` (inverse: :func:`parse_candidates`)."""
    return " ; ".join(f"{cid}|{name}|{score:.3f}" for cid, name, score in cands)


def parse_candidates(value: object) -> list[tuple[str, str, float | None]]:
    """``"CID|name|score ; ..."`` -> [(cid, name, score)] (names may contain ``|``)."""
    out = []
    for part in clean_text(value).split(" ; "):
        part = part.strip()
        if not part:
            continue
        cid, _, rest = part.partition("|")
        name, sep, score = rest.rpartition("|")
        if not sep:
            name, score = rest, ""
        try:
            num: float | None = round(float(score), 3)
        except ValueError:
            num = None
        out.append((cid.strip(), name.strip(), num))
    return out


def removal_flags(removed: bool, successors: str) -> list[str]:
    """``removed_cid`` and one ``successor=CID...`` per successor, for a removed facility."""
    if not removed:
        return []
    return ["removed_cid", *[f"successor={s}" for s in clean_text(successors).split(";") if s]]


def facility_flags(fac: dict) -> list[str]:
    """:func:`removal_flags` of a reference facility record."""
    return removal_flags(bool(fac.get("removed")), fac.get("successors") or "")


def own_columns(results: pd.DataFrame) -> list[str]:
    """The input's own columns of results: neither the matcher's nor the provenance columns."""
    tool_cols = result_columns(results) | meta_columns(results)
    return [c for c in map(str, results.columns) if c not in tool_cols]


def input_roles(results: pd.DataFrame,
                input_columns: Mapping[str, str | None] | None = None) -> dict[str, list[str]]:
    """Input columns holding the reported name, metal, country and CID, by role.

    Only the input's own columns are considered (not the matcher's or the provenance columns).
    Each role maps to a list of columns in order of preference; per row the first non-empty one
    is used, which handles results concatenated from inputs with different headers (a CSV with
    "Smelter Name" and a CMRT with ``reported_name``). ``input_columns`` (role -> column, e.g.
    ``{"name": "Supplier smelter"}``, as given with ``--name-col``) puts that column first; the
    recognised synonyms still fill rows where it is empty (a CMRT read alongside keeps its layout).
    """
    own = own_columns(results)
    roles: dict[str, list[str]] = {}
    for role in REPORTED_COLUMNS:
        given = (input_columns or {}).get(role)
        given = "" if given is None else column_label(given)   # (a header-less frame's 0)
        cols: list[str] = []
        if given:   # (then the columns headed alike in other inputs: "HÜTTE" for "Hütte")
            cols = [c for c in own if c == given]
            cols += [c for c in own if header_key(c) == header_key(given) and c not in cols]
            if not cols:
                raise InputError(f"results have no input column {given!r} (for the {role})")
        synonyms = _ROLE_ORDER.get(role, COLUMN_SYNONYMS[role])
        for syn in synonyms:
            key = header_key(syn)
            cols += [c for c in own if header_key(c) == key and c not in cols]
        roles[role] = cols
    return roles


def coalesce(results: pd.DataFrame, cols: list[str]) -> list[str]:
    """Per row, the first of ``cols`` (a role's columns, :func:`input_roles`) with text: results
    concatenated from inputs with different headers read each row's own. A row the matcher read
    no name for (its column empty beside a filled "Smelter Look-up") reads the other column's
    text here: :func:`read_no_name` tells such rows."""
    out = [""] * len(results)
    for c in reversed(cols):
        vals = [clean_text(v) for v in results[c].tolist()]
        out = [v or o for v, o in zip(vals, out, strict=True)]
    return out


def read_no_name(reason: object) -> bool:
    """Whether a results row's ``reason`` says the matcher read no name in it ("empty name"; "no
    name, but the reported CID is ...'s"): what the review shows for it is not what was matched,
    and no decision on it is an override (one for "" would decide every row without a name)."""
    text = clean_text(reason)
    return text == "empty name" or text.startswith("no name,")


def make_row_ids(df: pd.DataFrame, *, name_col: str | None = None,
                 names: Sequence[object] | None = None) -> pd.Series:
    """Stable row ids: ``r`` + 12 hex digits of SHA-256 over (source_file, source_row, name).

    ``names`` are the names the matcher read, one per row (the CLI's, read by ``--name-col``);
    else ``name_col``'s cells; else the name columns found like :func:`input_roles`. Without
    ``source_file``/``source_row`` columns the row's position (1-based) stands in for
    ``source_row``. Rows that would collide (the same file, row and name twice) get ``-2``,
    ``-3``, ... in order of appearance, so ids are unique. The ``r`` prefix keeps spreadsheets
    from reading an id like ``12e45`` as a number.
    """
    import pandas as pd

    names = (column_text(df, name_col) if name_col
             else coalesce(df, input_roles(df)["name"])) if names is None else [
                 clean_text(v) for v in names]
    if len(names) != len(df):
        raise InputError(f"{len(names)} names for {len(df)} rows")
    seen: dict[str, int] = {}
    ids = []
    for (f, r), name in zip(_provenance(df), names, strict=True):
        rid = _row_hash(f, r, name)
        seen[rid] = seen.get(rid, 0) + 1
        ids.append(rid if seen[rid] == 1 else f"{rid}-{seen[rid]}")
    return pd.Series(ids, index=df.index, name="row_id", dtype=object)


def _provenance(df: pd.DataFrame) -> list[tuple[str, str]]:
    """Per row, (source_file, source_row) as text; the row's position (1-based) without them."""
    files = column_text(df, meta_column(df, "source_file"))
    row_col = meta_column(df, "source_row")
    rows = column_text(df, row_col) if row_col else [str(i + 1) for i in range(len(df))]
    return list(zip(files, rows, strict=True))


def _row_hash(file: str, row: str, name: str) -> str:
    return "r" + hashlib.sha256("\x1f".join((file, row, name)).encode("utf-8")).hexdigest()[:12]


def names_of_row_id(results: pd.DataFrame, i: int, row_id: str) -> list[str]:
    """The texts among row ``i``'s own cells that its ``row_id`` was made of (:func:`make_row_ids`
    hashes the name the matcher read with the row's file and line): which of several name
    columns the matcher read, for a row a review names by its id alone. Empty for ids made
    otherwise (by hand, or from another name)."""
    file, row = _provenance(results.iloc[[i]])[0]
    if meta_column(results, "source_row") is None:
        row = str(i + 1)
    base = row_id.split("-")[0]
    texts = dict.fromkeys(clean_text(results[c].iloc[i]) for c in own_columns(results))
    return [t for t in texts if t and _row_hash(file, row, t) == base]


def row_ids(results: pd.DataFrame) -> list[str]:
    """The row id of every results row: the tool's id column (:func:`meta_column`), else computed
    by :func:`make_row_ids`.

    Raises:
        InputError: the id column has blanks or duplicates (the results file was damaged).
    """
    col = meta_column(results, "row_id")
    if col is not None:
        ids = column_text(results, col)
        if "" in ids:
            raise InputError(f"results have rows without {col}; re-run smelter-match match")
        seen: set[str] = set()
        dup = next((x for x in ids if x in seen or seen.add(x)), None)
        if dup:
            why = ("; an input column called row_id is taken as the tool's row id: rename it, "
                   "or let smelter-match match add its own (match_row_id)") \
                if col == "row_id" and meta_column(results, "source_file") is None else ""
            raise InputError(f"results have {col} {dup!r} more than once{why}")
        return ids
    return make_row_ids(results).tolist()
