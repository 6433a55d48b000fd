"""Local alias overrides: the user's own decisions about reported names, applied before matching.

An override file is a CSV the user owns (it is never shipped with the library). Each row says
"a supplier name written like ``reported_name``, reported for ``metal`` (from ``country``), is
``cid``" (or is not a smelter at all). Analysts create rows by reviewing matches (``smelter-match
review apply ... --overrides FILE``); they may also edit the file by hand in Excel.

Columns (:data:`OVERRIDE_COLUMNS`), in this order:

``reported_name``
    The name as a supplier wrote it (the one the analyst saw; the key below is what is looked up).
``metal``
    One of Gold, Tantalum, Tin, Tungsten; blank means "for any metal".
``country``
    The country the analyst's row reported, as an ISO 3166 alpha-2 code (any spelling is accepted
    and canonicalised when the file is read); blank means "from any country".
``cid``
    The RMI smelter ID; blank when ``verdict`` is ``not_a_smelter`` or ``unsure``.
``verdict``
    ``accept`` / ``other`` (from a review: the analyst confirmed the proposal / chose another CID),
    ``match`` (hand-written: this name is this CID), ``not_a_smelter`` (the name is not a 3TG
    smelter or refiner: a trader, a mine, a metal, a placeholder such as "unknown") or
    ``unsure`` (an analyst doubted the answer: the name stays in review until decided).
``comment``, ``decided_at`` (ISO 8601 UTC, e.g. ``2026-08-23T09:15:00Z``), ``source``
    Free text, when and where the decision was made (``analyst_review`` for review files).
``reference_version``
    The stamp of the RMI reference the decision was checked against (``review apply`` fills it;
    ``smelter-match match --overrides FILE`` uses it when no other reference is given).
``key``
    The name as normalised for lookup (:func:`override_key`): ``normalize_name(reported_name).folded``,
    with its Chinese, Japanese or Korean characters as written after it - case, accents,
    punctuation, spacing, invisible characters and a row number typed before the name ("1. ")
    do not matter, but every word counts, the legal form included
    ("Metalor Technologies S.A." and "Metalor Technologies Ltd." are different names). Always
    recomputed when the file is read, so hand edits of ``reported_name`` cannot leave a stale key.

**Matcher contract.** :class:`OverrideIndex` is the one lookup (the matcher builds it once;
:func:`find_override` is the same for a name as typed). An override applies to a row with the
same key and metal (a blank-metal override to any metal; a row without a metal only meets
blank-metal overrides) whose country is the override's, or is unknown, or when the override has no
country; the override of the row's own country wins over a blank-country one, a metal-specific one
over a blank-metal one. A row whose only overrides were decided for *another* country is not forced:
the matcher answers it as usual, sends it to ``review`` and flags ``override_other_country=<CC>``.
An applicable row with a ``cid`` forces that CID (decision ``match``, flag ``analyst_override``)
unless the reference has no such facility for the row's metal (then ``review`` with flag
``override_cid_not_in_reference=<CID>``) or the row reports a metal other than the four and the
override has none (``review``, flag ``override_for_no_metal``); a ``not_a_smelter`` row forces
``no_match``; an ``unsure`` row gives the row the matcher's own answer as ``review`` (flag
``analyst_unsure``). A metal other than the four 3TG metals is refused when the file is read (it never
widens into an any-metal override). One (key, metal, country) has at most one row: when a file
is saved, the newest ``decided_at`` wins (:func:`save_overrides`).

Training labels from reviews are written by :func:`smelter_match.labels.export_training_labels`.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pycountry

from smelter_match.cids import parse_cid
from smelter_match.countries import normalize_country
from smelter_match.errors import InputError, InputWarning
from smelter_match.io.safe_csv import (
    read_safe_csv,
    refuse_duplicate_columns,
    sheet_lines,
    unneutralise,
    write_csv,
)
from smelter_match.io.tables import cell_text, clean_text, escape_cell_text, header_key
from smelter_match.metals import METALS, normalize_metal
from smelter_match.normalize import normalize_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "OVERRIDE_COLUMNS",
    "OVERRIDE_VERDICTS",
    "OverrideHit",
    "OverrideIndex",
    "find_override",
    "load_overrides",
    "merge_overrides",
    "now_utc",
    "override_key",
    "text_key",
    "overrides_from_decisions",
    "recorded_references",
    "replaced_overrides",
    "save_overrides",
]

OVERRIDE_COLUMNS: tuple[str, ...] = (
    "reported_name", "metal", "country", "cid", "verdict", "comment", "decided_at", "source",
    "reference_version", "key",
)
#: Verdicts an override row may carry; all but ``not_a_smelter`` and ``unsure`` need a CID.
OVERRIDE_VERDICTS: tuple[str, ...] = ("accept", "other", "match", "not_a_smelter", "unsure")
_NO_CID_VERDICTS = ("not_a_smelter", "unsure")
#: One override per (key, metal, country).
_IDENTITY = ["key", "metal", "country"]
#: Columns the merge works with, never written.
_WORK_COLUMNS = ("_when", "_order")


def now_utc() -> str:
    """The current time as ISO 8601 UTC with seconds, e.g. ``2026-08-23T09:15:00Z``."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _canonical_metal(value: object) -> str:
    text = clean_text(value)
    if not text:
        return ""
    return normalize_metal(text) or text


def override_key(name: object) -> str:
    """The lookup key of a reported name: normalised (case, accents, punctuation, spacing), every
    word kept, the legal form included (``normalize_name(name).folded``), of the name read as a
    cell (:func:`~smelter_match.io.tables.cell_text`: Excel's "_x000D_" is the character it
    escapes, in the results as in the review the analyst saw), and its Chinese, Japanese or
    Korean letters as written (:data:`_READ_ALIKE_FROM`)."""
    return text_key(cell_text(name))


def text_key(text: str) -> str:
    """:func:`override_key` of a cell's text (the matcher's query names are read as cells
    already: reading one twice would decode an escaped escape, "_x005F_x000D_", twice)."""
    folded = normalize_name(text).folded
    own = "".join(c for c in unicodedata.normalize("NFKC", text)
                  if c >= _READ_ALIKE_FROM and c.isalpha())
    return f"{folded} {own}" if own else folded


#: From here on, after NFKC, letters are of the scripts whose transliteration reads different
#: names alike (Chinese characters of one pinyin: "郴州金利冶炼厂" and "郴州金力冶炼厂" are two
#: companies; kana, hangul, "々", the CJK extensions): kept in an override key beside their
#: reading, so that a decision is not widened to a name read alike (punctuation such as "・" is
#: no letter, and full-width Latin is Latin after NFKC).
_READ_ALIKE_FROM = "\u3000"


def _canonical_country(value: object) -> str | None:
    """ISO alpha-2 code of a country as typed; "" for blank; None when not recognised (a
    placeholder such as "N/A" too). A code as the file holds it is that country ("NA" is
    Namibia here, where a supplier's "NA" is no country)."""
    text = clean_text(value)
    if len(text) == 2 and text.isupper() and pycountry.countries.get(alpha_2=text) is not None:
        return text
    # only a blank cell is any country ("N/A" is refused, as in the metal column)
    return "" if not text else normalize_country(text)


def _answer(row: dict | pd.Series) -> tuple[str, str]:
    """What an override answers: a CID (accept, other and match alike), not a smelter, or
    unsure (keep the name in review)."""
    verdict = row["verdict"] if row["verdict"] in _NO_CID_VERDICTS else "match"
    return verdict, row["cid"]


# ------------------------------------------------------------------------------------------------
# override files
# ------------------------------------------------------------------------------------------------

def _empty_overrides() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=object) for c in OVERRIDE_COLUMNS})


def _clean_overrides(df: pd.DataFrame, where: str) -> pd.DataFrame:
    """Validate and canonicalise override rows; recompute ``key`` (rows numbered as in Excel).
    Headers are read as the input tables' are ("Metal" is ``metal``); a file without a metal
    column is refused (every decision in it would be for any metal), one without a country
    column (written before it existed) is read as any country, with a note."""
    import pandas as pd

    ours = {header_key(c): c for c in OVERRIDE_COLUMNS}
    df = df.rename(columns=lambda c: ours.get(header_key(c), c))
    refuse_duplicate_columns(df, OVERRIDE_COLUMNS, where)
    missing = [c for c in ("reported_name", "metal", "cid", "verdict") if c not in df.columns]
    if "country" not in df.columns and len(df):
        warnings.warn(f"{where}: the override file has no country column: every decision in it "
                      "applies to the name reported from any country", InputWarning, stacklevel=3)
    if missing:
        raise InputError(
            f"{where}: override file lacks column(s) {', '.join(missing)}; expected "
            f"{', '.join(OVERRIDE_COLUMNS[:-1])}"
        )
    extras = _own_columns(df)   # kept as written (a note, a ticket number)
    rows = []
    for line, rec in zip(sheet_lines(df), df.to_dict("records")):
        name = unneutralise(clean_text(rec.get("reported_name")))
        raw_verdict = clean_text(rec.get("verdict"))
        verdict = re.sub(r"[\s\-]+", "_", raw_verdict.casefold())
        cid = parse_cid(rec.get("cid"))
        if not name and not raw_verdict and not cid:
            continue  # an empty line left in the spreadsheet
        if not name:
            raise InputError(f"{where}: row {line}: reported_name is empty")
        if verdict not in OVERRIDE_VERDICTS:
            raise InputError(
                f"{where}: row {line}: verdict {raw_verdict!r} is not one of "
                f"{', '.join(OVERRIDE_VERDICTS)}"
            )
        if cid is None:
            raise InputError(f"{where}: row {line}: {clean_text(rec.get('cid'))!r} is not a CID")
        if verdict in _NO_CID_VERDICTS and cid:
            raise InputError(f"{where}: row {line}: verdict {verdict} with cid {cid}")
        if verdict not in _NO_CID_VERDICTS and not cid:
            raise InputError(f"{where}: row {line}: verdict {verdict} needs a cid")
        key = text_key(name)
        if not key:
            raise InputError(
                f"{where}: row {line}: reported_name {name!r} has no letters or digits"
            )
        metal = _canonical_metal(rec.get("metal"))
        if metal not in ("", *METALS):
            raise InputError(f"{where}: row {line}: metal {metal!r} is not one of "
                             f"{', '.join(METALS)} (blank = any metal)")
        country = _canonical_country(rec.get("country"))
        if country is None:
            raise InputError(f"{where}: row {line}: country {clean_text(rec.get('country'))!r} is "
                             f"not a country (write e.g. CH or Switzerland; blank = any country)")
        rows.append({
            "reported_name": escape_cell_text(name),   # (as a cell: read once when saved again)
            "metal": metal,
            "country": country,
            "cid": cid,
            "verdict": verdict,
            "comment": escape_cell_text(unneutralise(clean_text(rec.get("comment")))),
            "decided_at": clean_text(rec.get("decided_at")),
            "source": unneutralise(clean_text(rec.get("source"))),
            "reference_version": clean_text(rec.get("reference_version")),
            "key": key,
            **{c: escape_cell_text(unneutralise(clean_text(rec.get(c)))) for c in extras},
        })
    if not rows:
        return _empty_overrides()
    return pd.DataFrame(rows, columns=[*OVERRIDE_COLUMNS, *extras], dtype=object)


def _newest_per_key(df: pd.DataFrame) -> pd.DataFrame:
    """Keep the newest decision per (key, metal, country) (later row wins a tie); sort
    deterministically."""
    import pandas as pd

    if df.empty:
        return _empty_overrides()
    out = df.reset_index(drop=True).copy()
    out["_when"] = [_when(v) for v in out["decided_at"]]
    out["_order"] = range(len(out))
    # undated rows count as oldest (NaT first)
    out = out.sort_values(["_when", "_order"], kind="stable", na_position="first")
    for _, group in out.groupby(_IDENTITY, sort=False):
        last = group.iloc[-1]
        tied = [r for _, r in group.iloc[:-1].iterrows() if _answer(r) != _answer(last)
                and (r["_when"] == last["_when"] or pd.isna(r["_when"]) and pd.isna(last["_when"]))]
        if tied:   # which of two answers is the analyst's latest cannot be told: never guessed
            first = tied[0]["cid"] or tied[0]["verdict"]
            raise InputError(
                f"overrides: {last['reported_name']!r} ({last['metal'] or 'any metal'}, "
                f"{last['country'] or 'any country'}) is answered {first} and "
                f"{last['cid'] or last['verdict']}, dated alike "
                f"({last['decided_at'] or 'undated'}): delete the one that no longer holds")
    out = out.groupby(_IDENTITY, sort=False).tail(1)
    out = out.sort_values(["metal", "key", "country", "reported_name", "cid"], kind="stable")
    extras = _own_columns(out)
    out[extras] = out[extras].fillna("")   # (rows of a review, beside the analyst's own column)
    return out[[*OVERRIDE_COLUMNS, *extras]].reset_index(drop=True)


def _own_columns(df: pd.DataFrame) -> list[str]:
    """The columns an analyst added to an override file (neither the tool's nor the merge's)."""
    return [c for c in df.columns if c not in OVERRIDE_COLUMNS and c not in _WORK_COLUMNS]


def _when(value: object) -> pd.Timestamp:
    """A decision's date: ISO 8601 as the tool writes it, or a date Excel rewrote when it reads
    the same day-first and month-first ("25/11/2026 14:05"); NaT (the oldest) for one it does
    not ("03/12/2026": 3 December or 12 March?) and for none."""
    import pandas as pd

    text = clean_text(value)
    iso = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    if not pd.isna(iso) or not text:
        return iso
    readings = {pd.to_datetime(text, utc=True, errors="coerce", dayfirst=d, format="mixed")
                for d in (True, False)}
    return readings.pop() if len(readings) == 1 else pd.NaT


def load_overrides(path: str | Path) -> pd.DataFrame:
    """Read an override file into a DataFrame with :data:`OVERRIDE_COLUMNS` (all text).

    ``key`` is recomputed from ``reported_name``, metals canonicalised ("gold" -> "Gold"),
    countries to ISO codes ("Switzerland" -> "CH"), CIDs normalised ("cid 2763" -> "CID002763");
    if a (key, metal, country) appears twice, the newest ``decided_at`` wins. Blank lines are
    skipped; files written before the ``country`` and ``reference_version`` columns existed are
    read with those blank.

    Raises:
        InputError: the file is missing/unreadable, lacks a needed column, or a row is invalid
            (unknown verdict, malformed CID, a CID on a not_a_smelter row or none on a match row,
            a metal outside 3TG, an unrecognised country).
    """
    p = Path(path)
    if p.is_dir():   # (it exists: "not found" misled)
        raise InputError(f"{p}: is a folder, not an override file; give the file 'review apply "
                         "--overrides' wrote")
    if not p.is_file():
        raise InputError(f"{p}: override file not found")
    return _newest_per_key(_clean_overrides(read_safe_csv(p, what="override file"), str(p)))


def save_overrides(df: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """Merge ``df`` into the override file at ``path`` (created if missing; see
    :func:`merge_overrides`), write it and return it."""
    merged = merge_overrides(df, path)
    write_csv(merged, path)
    return merged


def merge_overrides(df: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """``df`` merged into the override file at ``path`` (none yet: ``df`` alone), not written.

    Per (name key, metal, country) the newest ``decided_at`` wins; at equal times the rows of
    ``df`` win over the file's. A row that repeats the file's decision (same CID, verdict and
    comment: the same review applied again) keeps the file's row, with the date it was first
    decided. Rows are sorted by metal, key, name, CID, so saving the same data twice gives
    identical bytes. Written with :func:`smelter_match.io.safe_csv.write_csv`.
    """
    import pandas as pd

    p = Path(path)
    new = _clean_overrides(df, "overrides to save")
    parts = [load_overrides(p)] if p.exists() else []
    if parts and not new.empty:
        same = [*_IDENTITY, "cid", "verdict", "comment"]
        known = set(parts[0][same].itertuples(index=False, name=None))
        new = new[[t not in known for t in new[same].itertuples(index=False, name=None)]]
    parts.append(new)
    return _newest_per_key(pd.concat([x for x in parts if not x.empty] or [new],
                                     ignore_index=True))


def replaced_overrides(path: str | Path, merged: pd.DataFrame) -> list[tuple[pd.Series, pd.Series]]:
    """(before, after) rows of the override file at ``path`` whose answer (CID or verdict) the
    ``merged`` overrides (:func:`merge_overrides`) change: a newer review decides the name
    otherwise, or an older review applied again replaces a later decision. Told to the user
    (``review apply``), as either may be a mistake."""
    p = Path(path)
    if not p.exists():
        return []
    before = load_overrides(p).set_index(list(_IDENTITY), drop=False)
    after = merged.set_index(list(_IDENTITY), drop=False)
    return [(before.loc[k], after.loc[k]) for k in before.index.intersection(after.index)
            if _answer(before.loc[k]) != _answer(after.loc[k])]


@dataclass(frozen=True)
class OverrideHit:
    """What the override file says about one row (:meth:`OverrideIndex.lookup`).

    ``row`` is the override that applies (None when none does); ``elsewhere`` holds the overrides
    of the same name and metal that were decided for other countries and therefore do not apply
    (or, for a row without a country, overrides of several countries that disagree).
    """

    row: dict | None
    elsewhere: tuple[dict, ...] = ()


class OverrideIndex:
    """The one override lookup: what the matcher and :func:`find_override` both use.

    Built from override rows (a DataFrame as :func:`load_overrides` returns, validated again here,
    or a path to an override file). See the module docstring for which override applies to a row.
    """

    def __init__(self, overrides: pd.DataFrame | str | Path | None = None):
        self._rows: pd.DataFrame | None = None
        self._by_key: dict[tuple[str, str], dict[str, dict]] = {}
        if overrides is None:
            return   # (no pandas needed: a matcher without overrides starts without it)
        import pandas as pd

        if isinstance(overrides, pd.DataFrame):
            rows = _newest_per_key(_clean_overrides(overrides, "overrides"))
        elif isinstance(overrides, (str, os.PathLike)):   # (also a py.path, as the model's)
            rows = load_overrides(overrides)
        else:
            raise InputError(f"overrides must be a DataFrame or the path of an override file, "
                             f"not {type(overrides).__name__}")
        self._rows = rows
        for r in rows.to_dict("records"):
            self._by_key.setdefault((r["key"], r["metal"]), {})[r["country"]] = r

    @property
    def rows(self) -> pd.DataFrame:
        """The override rows the index was built from (validated, newest per name)."""
        if self._rows is None:
            self._rows = _empty_overrides()
        return self._rows

    def __len__(self) -> int:
        return 0 if self._rows is None else len(self._rows)

    def lookup(self, key: str, metal: str = "", country: str = "") -> OverrideHit | None:
        """The overrides for a name ``key`` (:func:`override_key`) reported for ``metal``
        (canonical, "" unknown) from ``country`` (ISO code, "" unknown); None when there are none.
        """
        if not key or not self._by_key:
            return None
        levels = [self._by_key.get((key, m)) for m in ((metal, "") if metal else ("",))]
        levels = [by_country for by_country in levels if by_country]
        if not levels:
            return None
        for by_country in levels:
            hit = by_country.get(country) if country else None
            if hit is not None:
                return OverrideHit(hit)
            if "" in by_country:
                return OverrideHit(by_country[""])
        if not country:
            # the row's country is unknown: the analysts' decisions apply if they agree
            found = [r for by_country in levels for r in by_country.values()]
            answers = {_answer(r) for r in found}
            if len(answers) == 1:
                return OverrideHit(found[0])
            return OverrideHit(None, tuple(found))
        return OverrideHit(None, tuple(r for by_country in levels for r in by_country.values()))

    def find(self, key: str, metal: str = "", country: str = "") -> dict | None:
        """The override row that applies to ``key`` / ``metal`` / ``country``, or None."""
        hit = self.lookup(key, metal, country)
        return hit.row if hit is not None else None


def find_override(overrides: pd.DataFrame | OverrideIndex, name: object, metal: object = "",
                  country: object = "") -> dict | None:
    """The override row that applies to a reported name, metal and country as typed, or None
    (see :class:`OverrideIndex`)."""
    index = overrides if isinstance(overrides, OverrideIndex) else OverrideIndex(overrides)
    return index.find(text_key(clean_text(name)), _canonical_metal(metal),
                      _canonical_country(country) or "")


def recorded_references(overrides: pd.DataFrame) -> list[str]:
    """The reference stamps recorded in override rows, newest decision first (distinct)."""
    if overrides.empty or "reference_version" not in overrides.columns:
        return []
    df = overrides.assign(_when=[_when(v) for v in overrides["decided_at"]])
    df = df.sort_values("_when", kind="stable", ascending=False, na_position="last")
    return list(dict.fromkeys(s for s in df["reference_version"].map(clean_text) if s))


def overrides_from_decisions(
    decisions: pd.DataFrame, *, decided_at: str | None = None, source: str = "analyst_review"
) -> tuple[pd.DataFrame, list[str]]:
    """Build override rows from review decisions; returns (overrides, conflicting names).

    ``decisions`` has columns reported_name, metal, cid, verdict, comment and optionally country
    and reference_version (one row per decided review row, ``unsure`` ones too). Rows
    without a usable name, or with a country not read as one, are skipped. When one review
    gives different answers for the same (key, metal, country), no override is made for it and
    the name is returned among the conflicts, since an override would be wrong for one of the
    rows.
    """
    import pandas as pd

    stamp = decided_at or now_utc()
    by_key: dict[tuple[str, str, str], dict] = {}
    conflicts: dict[tuple[str, str, str], str] = {}
    for rec in decisions.to_dict("records"):
        verdict = clean_text(rec.get("verdict"))
        if verdict not in OVERRIDE_VERDICTS:
            continue
        name = clean_text(rec.get("reported_name"))
        key = text_key(name) if name else ""
        if not key:
            continue
        metal = _canonical_metal(rec.get("metal"))
        country = _canonical_country(rec.get("country"))
        if country is None:   # not read as a country: one for any country would widen it
            continue
        row = {
            "reported_name": escape_cell_text(name), "metal": metal, "country": country,
            "cid": clean_text(rec.get("cid")), "verdict": verdict,
            "comment": escape_cell_text(clean_text(rec.get("comment"))), "decided_at": stamp,
            "source": source,
            "reference_version": clean_text(rec.get("reference_version")), "key": key,
        }
        ident = (key, metal, country)
        prev = by_key.get(ident)
        if prev is not None and _answer(prev) != _answer(row):
            conflicts[ident] = name
        elif prev is None:
            by_key[ident] = row
    for k in conflicts:
        by_key.pop(k, None)
    if not by_key:
        return _empty_overrides(), sorted(set(conflicts.values()))
    out = pd.DataFrame(list(by_key.values()), columns=list(OVERRIDE_COLUMNS), dtype=object)
    return _newest_per_key(out), sorted(set(conflicts.values()))
