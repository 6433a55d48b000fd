"""The review file an analyst fills: writing and reading it (applying a filled one: review_apply.py;
labels: labels.py).

The loop an analyst runs::

    results = matcher.match(...)                      # plus source_file/source_row/row_id (CLI)
    write_review(results, "review.csv")               # rows the matcher was unsure about
    # ... the analyst fills analyst_verdict / analyst_cid / analyst_comment in Excel ...
    results, overrides, report = apply_review("review.csv", results, reference)
    save_overrides(overrides, "my_overrides.csv")     # next run decides these names the same way
    write_annex(build_annex(results, reference), "annex.csv")

**Review file** (:func:`write_review`): one row per result with decision ``review`` (plus, on
request, a reproducible sample of ``no_match`` rows for quality control), columns
:func:`review_columns`: where the row came from, what the supplier reported, what the matcher
proposes and why it hesitated (``explanation``), the top candidates with their scores, and three
empty columns for the analyst. A path ending in ``.xlsx`` gives an Excel workbook with the same
columns (:func:`write_review_workbook`: a drop-down for the verdict, frozen header, a second sheet
explaining the verdicts); any other path a CSV. Both are read back by :func:`read_review`.

``analyst_verdict`` is ``accept``, ``other`` (the right CID is in ``analyst_cid``),
``not_a_smelter`` or ``unsure``, blank for rows not reviewed (case and spaces do not matter);
``analyst_cid`` a CID ("CID002763", "cid 2763", "2763") that must exist for the row's metal;
``analyst_comment`` free text kept in the override file. ``vocab/review_guide.csv`` explains them
to the analyst (the workbook's second sheet).

**Blind review** (``blind=True``) shows no proposal, decision, score, reason or flag, and the
candidates in a deterministic shuffled order; ``accept`` then needs ``analyst_cid``.

**Row ids.** Every results row has a ``row_id``: a short hash of (source_file, source_row,
reported name) (:func:`smelter_match.results.make_row_ids`). The CLI stores it in results files
(as ``match_row_id`` when an input has its own ``row_id`` column); :func:`apply_review` uses it to
find the rows of a review file in the results, so the analyst may sort, filter or delete rows.

Files analysts open are formula-injection safe and deterministic (``io.safe_csv``, ``io.xlsx``).
"""

from __future__ import annotations

import hashlib
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from smelter_match.errors import InputError, InputWarning, ReviewError
from smelter_match.io.safe_csv import (
    read_safe_csv,
    refuse_duplicate_columns,
    text_frame,
    write_csv,
)
from smelter_match.io.tables import (
    clean_text,
    escape_cell_text,
    file_format,
    header_key,
)
from smelter_match.io.xlsx import is_workbook_path, read_workbook_sheets
from smelter_match.results import (
    META_COLUMNS,
    REPORTED_COLUMNS,
    coalesce,
    column_text,
    input_roles,
    meta_column,
    meta_columns,
    parse_candidates,
    read_no_name,
    result_column,
    result_columns,
    row_ids,
    text_labelled,
)
from smelter_match.review_book import (
    ANALYST_COLUMNS,
    GUIDE_SHEET,
    REVIEW_SHEET,
    VERDICTS,
    write_review_workbook,
)

# ------------------------------------------------------------------------------------------------
# review files
# ------------------------------------------------------------------------------------------------

def _hash_rank(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()


def review_columns(*, blind: bool = False, top_k: int = 5) -> list[str]:
    """The columns of a review file (before any extra input columns, which come last)."""
    cols = [*META_COLUMNS, *REPORTED_COLUMNS.values()]
    if not blind:
        cols += ["decision", "proposed_cid", "proposed_name", "proposed_metal", "proposed_country",
                 "proposed_rmap_status", "score", "smelter_score", "reason", "explanation",
                 "flags"]
    cols += list(ANALYST_COLUMNS)
    for i in range(1, top_k + 1):
        cols += [f"cand{i}_cid", f"cand{i}_name"] + ([] if blind else [f"cand{i}_score"])
    return cols


def _no_match_count(include: int | float, available: int) -> int:
    """How many no_match rows to sample: an int is a count, a float <= 1 a fraction (rounded up)."""
    if isinstance(include, bool) or not isinstance(include, int | float) or include != include:
        raise InputError(f"include_no_match must be a count or a fraction, not {include!r}")
    if include < 0:
        raise InputError(f"include_no_match must not be negative, not {include}")
    if isinstance(include, float):
        if include <= 1:
            return min(available, math.ceil(include * available))
        if not include.is_integer():
            raise InputError(f"include_no_match must be a count or a fraction between 0 and 1, "
                             f"not {include}")
    return min(available, int(include))


def write_review(
    results: pd.DataFrame,
    path: str | Path | None,
    *,
    include_no_match: int | float = 0,
    blind: bool = False,
    seed: int = 0,
    top_k: int = 5,
    input_columns: Mapping[str, str | None] | None = None,
    reported: Mapping[str, Sequence[object]] | None = None,
) -> pd.DataFrame:
    """Write the rows an analyst must review to ``path`` (if given); return the review DataFrame.

    Rows: every result with decision ``review``, plus with ``include_no_match`` a sample of the
    ``no_match`` rows - an int is a count, a float in (0, 1) a fraction (rounded up; ``1.0`` is
    all). The sample is drawn by hashing (seed, row_id), so it is reproducible and does not depend
    on row order. Rows keep the order of ``results``.

    Columns: :func:`review_columns` (row_id, source_file, source_row, supplier_company; the
    reported name/metal/country/CID; unless ``blind``: decision, proposed_cid, proposed_name,
    proposed_metal, proposed_country, proposed_rmap_status, score, smelter_score, reason,
    explanation (why the model hesitated, as the matcher wrote it), flags; the empty analyst
    columns; ``top_k`` candidates as cand1_cid, cand1_name, cand1_score, ...), then the input's
    other columns (renamed ``input_<col>`` if the name is taken). A ``path`` ending in ``.xlsx`` is
    written as a workbook (:func:`write_review_workbook`), any other as an Excel-safe CSV.

    ``blind=True`` leaves out decision, proposal, scores, reason, explanation and flags and shuffles the
    candidates deterministically (by seed and row_id).

    Reported name, metal, country, CID: ``reported`` (per role, the cell the matcher read on each
    row), else the first with text per row of the ``input_columns`` given and the synonyms'.

    Raises:
        InputError: results lack the matcher's columns or a recognisable name column (give
            ``input_columns``), or ``include_no_match`` is invalid.
    """
    if top_k < 0:
        raise InputError(f"top_k must not be negative, not {top_k}")
    results = text_labelled(results)   # (Matcher.match's output of a header-less frame)
    col = {n: result_column(results, n) for n in
           ("cid", "standard_name", "metal", "country", "rmap_status", "score", "decision",
            "reason", "candidates", "flags")}
    ids = row_ids(results)
    decisions = column_text(results, col["decision"])
    is_review = [d == "review" for d in decisions]
    no_match = [i for i, d in enumerate(decisions) if d == "no_match"]
    n_sample = _no_match_count(include_no_match, len(no_match))
    sample = set(sorted(no_match, key=lambda i: _hash_rank(seed, ids[i]))[:n_sample])
    picked = [i for i in range(len(results)) if is_review[i] or i in sample]
    sub = results.iloc[picked]
    sub_ids = [ids[i] for i in picked]

    roles = input_roles(results, input_columns)
    reported = reported or {}
    if not roles["name"] and "name" not in reported:   # (no review, nor override key, without it)
        raise InputError("the results have no column recognised as the reported name; give it "
                         "as input_columns={'name': ...} (the column match() read the names from)")
    out: dict[str, list] = {
        "row_id": sub_ids,
        "source_file": column_text(sub, meta_column(sub, "source_file")),
        "source_row": [int(x) if x.isdigit() else None
                       for x in column_text(sub, meta_column(sub, "source_row"))],
        "supplier_company": column_text(sub, meta_column(sub, "supplier_company")),
    }
    for role, name in REPORTED_COLUMNS.items():
        read = reported.get(role)
        out[name] = ([clean_text(read[i]) for i in picked] if read is not None
                     else coalesce(sub, roles[role]))
    # a row the matcher read no name in shows none (not a "Smelter Look-up" beside it)
    out["reported_name"] = ["" if read_no_name(r) else n for n, r in zip(
        out["reported_name"], column_text(sub, col["reason"]), strict=True)]
    for name in ("supplier_company", *REPORTED_COLUMNS.values()):   # (read as cells again)
        out[name] = [escape_cell_text(t) for t in out[name]]
    if not blind:
        out["decision"] = column_text(sub, col["decision"])
        for src, dst in (("cid", "proposed_cid"), ("standard_name", "proposed_name"),
                         ("metal", "proposed_metal"), ("country", "proposed_country"),
                         ("rmap_status", "proposed_rmap_status")):
            out[dst] = column_text(sub, col[src])
        # a no_match row has no proposal: its metal is the reported one, not a CID's
        out["proposed_metal"] = [m if c else "" for m, c in
                                 zip(out["proposed_metal"], out["proposed_cid"], strict=True)]
        for name in ("score", "smelter_score"):
            src = result_column(sub, name, required=name == "score")
            out[name] = (pd.to_numeric(sub[src], errors="coerce").round(3).tolist() if src
                         else [None] * len(sub))
        out["reason"] = column_text(sub, col["reason"])
        out["explanation"] = column_text(sub, result_column(sub, "explanation", required=False))
        out["flags"] = column_text(sub, col["flags"])
    cands = [parse_candidates(v)[:top_k] for v in sub[col["candidates"]].tolist()]
    if blind:
        cands = [sorted(cs, key=lambda c, rid=rid: _hash_rank(seed, rid, c[0]))
                 for cs, rid in zip(cands, sub_ids, strict=True)]
    for k in range(top_k):
        out[f"cand{k + 1}_cid"] = [cs[k][0] if k < len(cs) else "" for cs in cands]
        out[f"cand{k + 1}_name"] = [cs[k][1] if k < len(cs) else "" for cs in cands]
        if not blind:
            out[f"cand{k + 1}_score"] = [cs[k][2] if k < len(cs) else None for cs in cands]
    for c in ANALYST_COLUMNS:
        out[c] = [""] * len(sub)
    review = pd.DataFrame(out, columns=review_columns(blind=blind, top_k=top_k))
    review["source_row"] = pd.array(out["source_row"], dtype="Int64")
    if not blind:
        review["score"] = review["score"].astype(float)
        review["smelter_score"] = review["smelter_score"].astype(float)
        for k in range(top_k):
            review[f"cand{k + 1}_score"] = review[f"cand{k + 1}_score"].astype(float)
    # role columns shown as reported_* are not repeated (a second name column is, where it says
    # something else than the reported name)
    used = set()
    for role, cols in roles.items():
        shown = out[REPORTED_COLUMNS[role]]
        used |= {c for c in cols if all(not v or v == w for v, w in
                                         zip(column_text(sub, c), shown, strict=True))}
    skip = used | result_columns(results) | meta_columns(results)
    extras = [c for c in map(str, results.columns) if c not in skip]
    for c in extras:
        name = c if c not in review.columns else f"input_{c}"
        review[name] = column_text(sub, c)
    review = review.reset_index(drop=True)
    if path is not None:
        if is_workbook_path(path):
            write_review_workbook(review, path)
        else:
            write_csv(review, path)
    return review


#: The columns of a review that applying it reads; a header retitled as Excel users do
#: ("Reported Name", "Analyst Verdict") is read as the column it names.
READ_COLUMNS: tuple[str, ...] = (
    "row_id", *ANALYST_COLUMNS, "reported_name", "reported_country", "proposed_cid",
    "proposed_metal", "source_file", "source_row", "decision", "reported_metal", "reported_cid",
    "cand1_cid")


def read_review(path: str | Path) -> pd.DataFrame:
    """Read a (filled) review file as text: a workbook (its "Review" sheet, else the first) or a
    CSV, as saved by Excel or any editor. Verdicts on another sheet of a workbook (a copy of the
    Review sheet, "Review (2)") are not read: said in a warning (:class:`InputWarning`), or an
    error when the sheet read has none.

    Raises:
        InputError: the file is missing, unreadable or empty.
        ReviewError: it lacks the ``row_id`` or ``analyst_verdict`` column, or its verdicts are
            all on another sheet than the one read.
    """
    p = Path(path)
    if file_format(p) not in ("xlsx", "xls"):
        return check_review(read_safe_csv(p, what="review file"), str(p))
    frame, read, others = read_workbook_sheets(p, sheet=REVIEW_SHEET, what="review file")
    review = check_review(frame, str(p))
    _verdicts_elsewhere(p, review, read, others)
    return review


def _has_verdicts(review: pd.DataFrame) -> bool:
    return any(clean_text(v) for v in review["analyst_verdict"].tolist())


def _verdicts_elsewhere(path: Path, review: pd.DataFrame, read: str,
                        others: dict[str, list[list[str]]]) -> None:
    """Say so when another sheet of a review workbook than the one read (``read``) holds
    verdicts (``others``: the other sheets' rows by name)."""
    holding = []
    for name, rows in others.items():
        if name == GUIDE_SHEET:
            continue
        try:
            other = check_review(text_frame(rows, str(path), "sheet"), str(path))
        except (InputError, ReviewError):
            continue
        if _has_verdicts(other):
            holding.append(name)
    if not holding:
        return
    named = ", ".join(map(repr, holding))
    if not _has_verdicts(review):
        raise ReviewError(f"{path}: the verdicts are on sheet {named}, and sheet {read!r}, the "
                          "one read, has none: copy them there, or delete the other sheets")
    warnings.warn(InputWarning(f"{path}: sheet {named} holds verdicts too; only sheet {read!r} "
                               "is read"), stacklevel=2)


def check_review(review: pd.DataFrame, where: str) -> pd.DataFrame:
    """``review`` with its retitled headers read as the columns they name
    (:data:`READ_COLUMNS`), checked: those columns once each, ``row_id`` and
    ``analyst_verdict`` among them.

    Raises:
        ReviewError: a column read is there twice, or one of the two is missing.
    """
    names = {header_key(c): c for c in READ_COLUMNS}
    renamed = {c: names[header_key(c)] for c in review.columns
               if header_key(c) in names and c != names[header_key(c)]}
    if renamed:
        review = review.rename(columns=renamed)
    refuse_duplicate_columns(review, READ_COLUMNS, where)
    missing = [c for c in ("row_id", "analyst_verdict") if c not in review.columns]
    if missing:
        raise ReviewError(
            f"{where}: not a review file: column(s) {', '.join(missing)} missing; "
            f"write one with smelter-match match ... --review FILE"
        )
    return review


def normalise_verdict(value: object, *, line: int | None = None, row_id: str = "") -> str:
    """An analyst verdict in canonical form ("Not a smelter" -> ``not_a_smelter``); "" for blank.

    Raises:
        ReviewError: not one of :data:`VERDICTS` (naming the review row when ``line`` is given).
    """
    raw = clean_text(value)
    verdict = re.sub(r"[\s\-]+", "_", raw.casefold())
    if verdict in ("", *VERDICTS):
        return verdict
    where = f"review row {line} (row_id {row_id}): " if line is not None else ""
    raise ReviewError(
        f"{where}analyst_verdict {raw!r} is not one of {', '.join(VERDICTS)} (or blank)"
    )
