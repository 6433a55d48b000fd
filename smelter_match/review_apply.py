"""Applying an analyst's filled review file to the results (writing one: review.py).

:func:`apply_review` reads the analyst's verdicts (``accept``, ``other`` with ``analyst_cid``,
``not_a_smelter``, ``unsure``), checks every filled row before changing anything, updates the
decided rows of the results from the reference, and returns the decisions as override rows
(:mod:`smelter_match.overrides`) so that the next run decides the same name, metal and country
the same way. Rows are found by their ``row_id``, so the analyst may sort, filter or delete rows,
or add a results row to the review by its ``row_id``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from smelter_match.cids import parse_cid
from smelter_match.countries import country_is_blank, normalize_country
from smelter_match.errors import ReviewError
from smelter_match.io.safe_csv import sheet_lines, unneutralise
from smelter_match.io.tables import clean_text, escape_cell_text
from smelter_match.metals import normalize_metal
from smelter_match.overrides import now_utc, override_key, overrides_from_decisions, text_key
from smelter_match.placeholders import read_metal
from smelter_match.reference import Reference
from smelter_match.results import (
    coalesce,
    column_text,
    facility_flags,
    input_roles,
    meta_column,
    names_of_row_id,
    own_columns,
    parse_flags,
    read_no_name,
    result_column,
    row_ids,
    text_labelled,
)
from smelter_match.review import check_review, normalise_verdict, read_review
from smelter_match.review_book import (
    VERDICTS,
)

#: Flags about what the supplier reported, kept when an analyst decides a row; every other flag
#: described the matcher's answer or its doubt (another candidate, the proposal's removal, an
#: override not applied), which the analyst's decision replaces.
_ROW_FLAGS = re.compile(r"^(metal_missing|metal_unrecognised|reported_cid_unknown|"
                        r"reported_cid_other_metal=.*)$")



def _facility_for(reference: Reference, cid: str, metal: str, where: str) -> dict:
    if metal:
        fac = reference.facility(cid, metal)
        if fac is not None:
            return fac
        others = reference.metals_of(cid)
        if others:
            raise ReviewError(
                f"{where}: {cid} is a {'/'.join(others)} facility in the reference, but the row "
                f"is {metal}"
            )
        raise ReviewError(f"{where}: {cid} is not in the reference ({reference.version.stamp})")
    metals = reference.metals_of(cid)
    if len(metals) == 1:
        return reference.facility(cid, metals[0])  # type: ignore[return-value]
    if not metals:
        raise ReviewError(f"{where}: {cid} is not in the reference ({reference.version.stamp})")
    raise ReviewError(f"{where}: {cid} exists for {', '.join(metals)}; the row has no metal")


def _added_row_text(results: pd.DataFrame, i: int, rid: str, role: str,
                    roles: Mapping[str, list[str]], own: list[str], *, given: bool,
                    no_name: bool, where: str) -> str:
    """The name or country the supplier reported in row ``i``, for a review row the analyst
    added by its ``row_id``: the name the row's id was made of (the column the matcher read,
    ``--name-col`` too), else the one text of the role's columns (the column given as
    ``input_columns`` first).

    Raises:
        ReviewError: the row's columns for the role say different things and nothing tells which
            one the matcher read, or no column is recognised as the country but one of the row's
            own cells reads as one ("Location": a country read with ``--country-col``): the
            decision would be saved for another name or country, or for every country.
    """
    if role == "name":
        if no_name:
            return ""
        by_id = names_of_row_id(results, i, rid)
        if len(by_id) == 1:
            return by_id[0]
    texts = [t for t in (clean_text(results[c].iloc[i]) for c in roles[role]) if t]
    if role == "country" and not texts:
        taken = {c for r in ("name", "metal", "cid") for c in roles[r]}
        places = [(c, t) for c in own if c not in taken
                  and normalize_country(t := clean_text(results[c].iloc[i]))]
        if places:
            c, t = places[0]
            raise ReviewError(f"{where}: no column of the results is read as the country, but "
                              f"{c!r} holds {t!r}: fill reported_country with the country the "
                              "supplier's row reports (blank would decide the name for every "
                              "country)")
    if given or len({text_key(t) for t in texts}) <= 1:
        return texts[0] if texts else ""
    raise ReviewError(f"{where}: the row's {role} columns say different things "
                      f"({', '.join(map(repr, dict.fromkeys(texts)))}); fill reported_{role} "
                      "with the one the supplier's row is about")


#: Columns ``write_review`` fills on the rows it writes (a row the analyst added by its
#: ``row_id`` has none of them; its reported_name and reported_country the analyst may fill).
_WRITTEN = ("source_file", "source_row", "decision", "reported_metal", "reported_cid",
            "cand1_cid")


def _reported(rec: Mapping[str, object], role: str, results: pd.DataFrame, i: int, rid: str,
              roles: Mapping[str, list[str]], own: list[str], where: str, *, given: bool,
              no_name: bool, shown_column: bool) -> str:
    """The name or country a decision on results row ``i`` is saved for: what the supplier's
    row reports, as the review shows it (``reported_name`` / ``reported_country``), checked:
    the name must be the one the row's ``row_id`` was made of (where the id tells it), a name
    or country one of the row's own cells (case and spacing aside; text of punctuation only,
    "-", as written). A row written by match that shows none reports none (the matcher read
    none); where the review has no such column (deleted, retitled) or the analyst added the row
    by its ``row_id``, the results tell (:func:`_added_row_text`).

    Raises:
        ReviewError: the review shows another name or country than the row reports (an edit,
            or another of the row's cells: the decision would move to that name or country),
            text that lost its characters (a review CSV saved as ANSI: "???"), or nothing the
            results can stand in for (:func:`_added_row_text`).
    """
    seen = clean_text(rec.get(f"reported_{role}"))
    if not seen:
        written = shown_column and any(clean_text(rec.get(c)) for c in _WRITTEN)
        return "" if written else _added_row_text(results, i, rid, role, roles, own,
                                                  given=given, no_name=no_name, where=where)
    key = text_key(seen)
    by_id = names_of_row_id(results, i, rid) if role == "name" else []
    truth = by_id[0] if len(by_id) == 1 else None
    if not key:   # "-", "?": the supplier's own cell, as written, or an edit
        agrees = any(clean_text(results[c].iloc[i]) == seen for c in own)
    elif truth is not None:
        agrees = key == override_key(truth)
    else:
        agrees = any(override_key(results[c].iloc[i]) == key for c in own)
    if agrees:
        return seen
    cells = [truth] if truth is not None else [clean_text(results[c].iloc[i]) for c in own]
    if "?" in seen and any(seen == t.encode("cp1252", errors="replace").decode("cp1252")
                           for t in cells if t):
        raise ReviewError(f"{where}: reported_{role} {seen!r} has lost its characters: the "
                          "review was saved as ANSI text; save it as 'CSV UTF-8' (or use the "
                          ".xlsx review) and apply it again")
    shows = f" (the row reports {truth!r})" if truth is not None else ""
    raise ReviewError(f"{where}: reported_{role} {seen!r} is not what the supplier wrote in "
                      f"this row{shows}; a decision is saved for the {role} as reported: undo "
                      "the edit (a correction goes in analyst_comment)")


def _metal_text(value: object) -> str:
    metal = clean_text(value)
    return (normalize_metal(metal) or metal) if metal else ""


def _reported_metal(results: pd.DataFrame, i: int, col: dict[str, str], reported: list[str]) -> str:
    """The metal the supplier reported ("" for none or another): the results' ``metal`` unless
    the matcher's flags say none was (``metal_missing``, ``metal_unrecognised``), whatever the
    input's metal column is called; not the metal of a proposal for a row without one."""
    flags = parse_flags(results[col["flags"]].iloc[i])
    if "metal_missing" in flags or "metal_unrecognised" in flags:
        return ""
    return _metal_text(results[col["metal"]].iloc[i]) or normalize_metal(reported[i]) or ""


def _add_flag(flags: str, flag: str, *, decided: bool = False) -> str:
    """``flags`` with ``flag`` added; ``decided`` (an analyst's answer replaces the matcher's):
    only the flags about what the supplier reported are kept (:data:`_ROW_FLAGS`)."""
    parts = parse_flags(flags)
    if decided:
        parts = [f for f in parts if _ROW_FLAGS.match(f)]
    return ";".join(parts + ([flag] if flag not in parts else []))


def _set_cell(df: pd.DataFrame, i: int, col: str, value: object) -> None:
    """Set one cell, widening the column to object dtype when the value would not fit."""
    series = df[col]
    fits = (pd.api.types.is_object_dtype(series)
            or (isinstance(value, float) and pd.api.types.is_float_dtype(series))
            or (isinstance(value, str) and pd.api.types.is_string_dtype(series)))
    if not fits:
        df[col] = series.astype(object)
    df.iloc[i, df.columns.get_loc(col)] = value


def apply_review(
    review: pd.DataFrame | str | Path,
    results: pd.DataFrame,
    reference: Reference,
    *,
    decided_at: str | None = None,
    source: str = "analyst_review",
    input_columns: Mapping[str, str | None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Apply an analyst's filled review file to the results.

    Returns ``(updated_results, overrides, report)``:

    - ``updated_results``: a copy of ``results`` (same columns and order). Rows with verdict
      accept/other become decision ``match`` with the decided CID (``accept``: the review's
      ``proposed_cid``, what the analyst saw, also if the results were matched again since,
      unless ``analyst_cid`` gives one); ``not_a_smelter`` rows become
      ``no_match`` with an empty CID; for both, ``standard_name``/``metal``/``country``/
      ``rmap_status`` are refreshed from ``reference``, ``score`` is 1.0 for matches (a person
      confirmed it; unchanged for no_match), ``reason`` is ``"analyst review: <verdict>"``,
      ``flags`` are ``analyst_reviewed``, the flags about what the supplier reported (metal,
      reported CID) and the decided facility's removed/successor flags: the flags about the
      matcher's answer and its doubts (other candidates, overrides) are dropped; and
      ``reference_version`` is the reference's stamp.
      ``unsure`` rows are ``review`` with that reason and flag, whatever they were (a sampled
      ``no_match`` row: one a person doubts is not thrown away; a ``match`` row, matched again
      since or added by its ``row_id``: one a person doubts is not filed); blank verdicts are
      left alone.
    - ``overrides``: override rows (see :mod:`smelter_match.overrides`) for the decisions (an
      unsure one without a CID: the name stays in review), keyed by the reported name (the
      review file's ``reported_name``, as the analyst saw it, which must be the name the row's
      ``row_id`` was made of where the id tells it, else one of the row's own cells, case and
      spacing aside; for a row added by its ``row_id`` alone, or a review without the column,
      the name the id was made of, else the one text of the row's name columns:
      ``input_columns`` first, then those recognised by their header; columns that disagree
      are an error asking for ``reported_name``) and the metal the supplier reported (not the
      proposal's: a row reported without one gives a blank-metal override, for any metal, as
      the analyst decided the name without one; its CID may be of any metal), stamped
      ``decided_at`` (default: now) and ``source``. Save them with ``save_overrides``.
      Each override records the row's reported country (ISO code; blank when unknown), so it is
      not forced onto the same name from another country, and the reference's stamp; the
      review's ``reported_country`` must be one of the row's own cells (an edited country
      would move or widen the decision; a review without the column reads it from the results
      as for an added row, and text of punctuation only, "-", must be the row's as written).
    - ``report``: ``{"rows", "accept", "other", "not_a_smelter", "unsure", "not_reviewed",
      "changed", "overrides", "override_conflicts", "override_other_metal",
      "override_nameless", "override_unread_country", "changes"}`` - counts, the names left out
      of the overrides because one review gave them different answers, or because their row
      reported a metal other than the four (no decision on a "Copper" row is an override for any
      metal: "not a smelter" of copper is not of gold), the row ids whose row has no reported
      name (an override for "" would decide every row without one), the names whose row reported
      a country that is not read as one ("Jiangsu": an override for any country would
      decide the name reported from every country), and one dict per changed
      row (row_id, source_file, source_row, reported_name, verdict, before, after; before/after
      read like ``"review CID000019"``).

    Every filled row is checked before anything is changed; the first problem raises
    :class:`~smelter_match.errors.ReviewError` naming the review row (spreadsheet line) and
    row_id: row ids not in the results (the review belongs to other results; the count is given),
    unknown verdicts, an edited ``reported_name`` or ``reported_country``, ``other`` without
    ``analyst_cid``, a CID not in the reference for the row's metal, ``accept`` without any CID
    (a no_match row, or a blind review), ``not_a_smelter`` or ``unsure`` with a CID, a CID given
    without a verdict, or one row_id given two different answers.
    """
    where_file = str(review) if not isinstance(review, pd.DataFrame) else "review"
    if isinstance(review, pd.DataFrame):
        rev = check_review(review.copy(), where_file)
        # as a file gives it: text as the cells hold it (escapes are read once, at use)
        rev = rev.map(lambda v: unneutralise(v.strip() if isinstance(v, str) else clean_text(v)))
    else:
        rev = read_review(review)
    blind = "proposed_cid" not in rev.columns

    res = text_labelled(results).copy()   # (labels as text: Matcher.match's of 0, 1, ...)
    ids = row_ids(res)
    pos = {rid: i for i, rid in enumerate(ids)}
    col = {n: result_column(res, n) for n in
           ("cid", "standard_name", "metal", "country", "rmap_status", "score", "decision",
            "reason", "flags")}
    stamp_col = result_column(res, "reference_version", required=False)
    roles = input_roles(res, input_columns)
    reported_metal = coalesce(res, roles["metal"])
    # what the supplier reported, as the results tell it and the review shows it (_reported)
    own = own_columns(res)
    reasons = column_text(res, col["reason"])   # read_no_name: the matcher read no name

    rev_ids = [clean_text(v) for v in rev["row_id"].tolist()]
    lines = sheet_lines(rev)
    bad = [(line, rid) for line, rid in zip(lines, rev_ids) if rid and rid not in pos]
    if bad:
        raise ReviewError(
            f"{where_file}: {len(bad)} of {len(rev_ids)} review rows are not in these results "
            f"(first: row_id {bad[0][1]!r} on review row {bad[0][0]}); was the review written "
            f"from other results?"
        )

    counts = {v: 0 for v in VERDICTS}
    counts["not_reviewed"] = 0
    decided: dict[str, dict] = {}
    for line, rec in zip(lines, rev.to_dict("records")):
        rid = clean_text(rec.get("row_id"))
        where = f"review row {line} (row_id {rid})"
        verdict = normalise_verdict(rec.get("analyst_verdict"), line=line, row_id=rid)
        raw_cid = clean_text(rec.get("analyst_cid"))
        acid = parse_cid(raw_cid, alone=True)
        if not rid:
            if verdict or raw_cid:
                raise ReviewError(f"review row {line}: analyst columns filled but row_id is empty")
            continue
        if acid is None:
            raise ReviewError(f"{where}: analyst_cid {raw_cid!r} is not a CID alone (like "
                              "CID002763); a note goes in analyst_comment")
        if not verdict:
            if acid:
                raise ReviewError(
                    f"{where}: analyst_cid {acid} given without analyst_verdict; set it to "
                    f"other (or accept)"
                )
            counts["not_reviewed"] += 1
            continue
        i = pos[rid]
        # the decision is saved for the name and country the supplier's row reports, as the
        # results tell them (what the review shows is checked against them, never taken instead)
        shown = {role: _reported(rec, role, res, i, rid, roles, own, where,
                                 given=bool((input_columns or {}).get(role)),
                                 no_name=read_no_name(reasons[i]),
                                 shown_column=f"reported_{role}" in rev.columns)
                 for role in ("name", "country")}
        metal = _reported_metal(res, i, col, reported_metal)
        decision: dict = {"verdict": verdict, "i": i, "metal": metal,
                          "other_metal": "metal_unrecognised" in parse_flags(
                              res[col["flags"]].iloc[i]) or bool(read_metal(reported_metal[i])[1]
                                                                 and not metal),
                          "comment": clean_text(rec.get("analyst_comment")),
                          "reported_name": shown["name"], "reported_country": shown["country"]}
        if verdict == "accept":
            # the proposal the analyst saw, not the results' CID now (matched again since?)
            proposed = "" if blind else parse_cid(rec.get("proposed_cid")) or ""
            cid = acid or proposed
            if not cid:
                why = ("a blind review shows no proposal" if blind
                       else "there is no proposed CID")
                raise ReviewError(
                    f"{where}: accept needs analyst_cid here ({why}); or use not_a_smelter"
                )
            # accepting the proposal of a row without a metal accepts the proposal's metal too
            of_metal = metal or (_metal_text(rec.get("proposed_metal")) if cid == proposed else "")
            decision.update(cid=cid, facility=_facility_for(reference, cid, of_metal, where))
        elif verdict == "other":
            if not acid:
                raise ReviewError(f"{where}: verdict other needs analyst_cid")
            decision.update(cid=acid, facility=_facility_for(reference, acid, metal, where))
        elif verdict == "not_a_smelter":
            if acid:
                raise ReviewError(
                    f"{where}: verdict not_a_smelter but analyst_cid {acid} given; clear one"
                )
            decision.update(cid="", facility=None)
        elif acid:   # unsure: a CID would be silently dropped
            raise ReviewError(f"{where}: verdict unsure but analyst_cid {acid} given; set the "
                              "verdict to other, or clear the CID (a note goes in analyst_comment)")
        prev = decided.get(rid)
        if prev is not None:
            if (prev["verdict"], prev.get("cid")) != (verdict, decision.get("cid")):
                raise ReviewError(f"{where}: row_id {rid} appears twice with different answers")
            continue
        decided[rid] = decision
        counts[verdict] += 1

    stamp = reference.version.stamp
    changed = 0
    changes: list[dict] = []
    override_rows, other_metal, nameless, unread_country = [], [], [], []
    where = {"file": column_text(res, meta_column(res, "source_file")),
             "row": column_text(res, meta_column(res, "source_row"))}
    for rid in sorted(decided, key=lambda r: pos[r]):
        d = decided[rid]
        i, verdict = d["i"], d["verdict"]
        before = (clean_text(res[col["cid"]].iloc[i]), clean_text(res[col["decision"]].iloc[i]))
        flags = clean_text(res[col["flags"]].iloc[i])
        updates: dict[str, object] = {col["reason"]: f"analyst review: {verdict}"}
        if verdict == "unsure":
            updates[col["flags"]] = _add_flag(flags, "analyst_reviewed")
            # whatever the results say now (a spot-checked no_match is not thrown away; a row
            # matched since, by an override, or added by its row_id does not stay in the annex)
            updates[col["decision"]] = "review"
        else:
            fac = d["facility"]
            if fac is not None:
                flags = _add_flag(flags, "analyst_reviewed", decided=True)
                for f in facility_flags(fac):
                    flags = _add_flag(flags, f)
                updates.update({
                    col["cid"]: d["cid"], col["standard_name"]: fac["standard_name"],
                    col["metal"]: fac["metal"], col["country"]: fac["country"],
                    col["rmap_status"]: fac["rmap_status"], col["decision"]: "match",
                    col["score"]: 1.0, col["flags"]: flags,
                })
            else:
                updates.update({
                    col["cid"]: "", col["standard_name"]: "", col["country"]: "",
                    col["rmap_status"]: "", col["decision"]: "no_match",
                    col["metal"]: d["metal"],
                    col["flags"]: _add_flag(flags, "analyst_reviewed", decided=True),
                })
            if stamp_col:
                updates[stamp_col] = stamp
        # every verdict is kept for next time, unsure too (the name then stays in review)
        country = d["reported_country"]
        name = "" if read_no_name(reasons[i]) else d["reported_name"]
        if d["other_metal"]:   # no override for any metal from a "Copper" row, of any verdict
            other_metal.append(name)
        elif not name:         # (an override for "" would decide every row without a name)
            nameless.append(rid)
        elif not country_is_blank(country) and not normalize_country(country):
            unread_country.append(name)   # (one for any country would widen the decision)
        else:
            override_rows.append({
                "reported_name": escape_cell_text(name),   # (read once more as a cell)
                "metal": d["metal"], "country": normalize_country(country) or "",
                "cid": d.get("cid", ""), "verdict": verdict,
                "comment": escape_cell_text(d["comment"]),
                "reference_version": stamp})
        for c, v in updates.items():
            _set_cell(res, i, c, v)
        after = (clean_text(res[col["cid"]].iloc[i]), clean_text(res[col["decision"]].iloc[i]))
        if after != before:
            changed += 1
            changes.append({"row_id": rid, "source_file": where["file"][i],
                            "source_row": where["row"][i],
                            "reported_name": d["reported_name"],
                            "verdict": verdict, "before": " ".join(filter(None, before[::-1])),
                            "after": " ".join(filter(None, after[::-1]))})

    decisions = pd.DataFrame(override_rows, columns=["reported_name", "metal", "country", "cid",
                                                     "verdict", "comment", "reference_version"])
    overrides, conflicts = overrides_from_decisions(
        decisions, decided_at=decided_at or now_utc(), source=source)
    report = {"rows": len(rev), **counts, "changed": changed, "overrides": len(overrides),
              "override_conflicts": conflicts, "override_other_metal": sorted(set(other_metal)),
              "override_nameless": nameless, "override_unread_country": sorted(set(unread_country)),
              "changes": changes}
    res.columns = results.columns   # the caller's labels, as given
    return res, overrides, report
