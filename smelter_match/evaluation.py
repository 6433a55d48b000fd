"""Evaluation: gold sets, the real matcher scored on them, metrics and the evaluation report.

A gold CSV (``reference_data/gold/*.csv``, see its ``GUIDE.md``) holds hand-labelled supplier rows:
``label`` is the right CID, ``NO_MATCH`` or ``AMBIGUOUS`` (then ``candidate_cids`` lists the
acceptable ones). :func:`score_gold` runs the real :class:`~smelter_match.Matcher` on such rows and
adds the correctness columns every metric uses; :func:`metrics` turns them into the figures of
``smelter-match evaluate``; :func:`write_evaluation` writes the JSON / Markdown / error-list report.
Nothing here trains: held-out (cross-validated) figures come from
:func:`smelter_match.transfer.heldout_evaluation` (``smelter-match evaluate --heldout``).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pandas as pd

from smelter_match._resources import find_recorded
from smelter_match.errors import InputError
from smelter_match.matcher import Matcher
from smelter_match.normalize import normalize_name
from smelter_match.overrides import override_key
from smelter_match.reference import Reference


def equivalent_cids(ref: Reference) -> dict[str, set[str]]:
    """CID -> CIDs an answer may equal: itself and, for a removed CID, its successors and back."""
    eq: dict[str, set[str]] = {}
    for cid, succ in zip(ref.facilities.cid, ref.facilities.successors):
        eq.setdefault(cid, {cid})
        for s in filter(None, str(succ).split(";")):
            eq[cid].add(s)
            eq.setdefault(s, {s}).add(cid)
    return eq


# -- gold sets -----------------------------------------------------------------------------------

def load_gold(path: str | Path) -> pd.DataFrame:
    """A labelled CSV with a ``truth`` column: acceptable CIDs (empty = no RMI facility).

    Two layouts are read: the gold sets' (``reference_data/gold/*.csv``: reported_name,
    reported_metal, reported_country, label, candidate_cids, metal_inferred, ...) and the
    training labels that ``smelter-match review apply --export-labels`` writes (row_id,
    reported_name, metal, country, label, ...). ``label`` is a CID, ``NO_MATCH`` or
    ``AMBIGUOUS`` (then ``candidate_cids`` lists the acceptable CIDs).

    Raises:
        InputError: the file is missing, or lacks reported_name or label.
    """
    from smelter_match.cids import parse_cid
    from smelter_match.io.safe_csv import read_safe_csv, refuse_duplicate_columns, sheet_lines
    from smelter_match.metals import normalize_metal

    g = read_safe_csv(path, what="labels file")
    refuse_duplicate_columns(g, ("reported_name", "label", "candidate_cids", "reported_metal",
                                 "metal", "reported_country", "country", "metal_inferred",
                                 "row_id"), str(path))
    missing = [c for c in ("reported_name", "label") if c not in g.columns]
    if missing:
        raise InputError(f"{path}: not a labels file: column(s) {', '.join(missing)} missing")
    if g.empty:
        raise InputError(f"{path}: the labels file has a header but no labelled row")
    for ours, theirs in (("reported_metal", "metal"), ("reported_country", "country")):
        if ours not in g.columns:
            g[ours] = g[theirs] if theirs in g.columns else ""
    if "metal_inferred" not in g.columns:
        g["metal_inferred"] = [normalize_metal(m) or "" for m in g["reported_metal"]]
    if "row_id" not in g.columns:
        g["row_id"] = [f"{Path(path).stem}:{line}" for line in sheet_lines(g)]
    truth = []
    for line, label, cands in zip(sheet_lines(g), g["label"], g.get("candidate_cids",
                                                                   [""] * len(g))):
        label = label.strip()
        if label.upper() == "NO_MATCH":
            truth.append(frozenset())
        elif label.upper() == "AMBIGUOUS":
            acceptable = frozenset(c for c in (parse_cid(x) for x in cands.split(";")) if c)
            if not acceptable:   # else it would be scored as NO_MATCH, silently
                raise InputError(f"{path}: row {line}: label AMBIGUOUS needs its acceptable CIDs "
                                 "in candidate_cids (CID...;CID...)")
            truth.append(acceptable)
        else:
            cid = parse_cid(label)
            if not cid:
                raise InputError(f"{path}: row {line}: label {label!r} is not a CID, NO_MATCH "
                                 "or AMBIGUOUS")
            truth.append(frozenset([cid]))
    g["label"] = [("NO_MATCH" if not t else (min(t) if len(t) == 1 else "AMBIGUOUS"))
                  for t in truth]
    g["truth"] = truth
    g["matchable"] = [bool(t) for t in truth]
    g["group"] = [label if label not in ("NO_MATCH", "AMBIGUOUS") else
                  f"{label}:{normalize_name(n).key}" for label, n in zip(g["label"], g["reported_name"])]
    return g


def unknown_label_cids(gold: pd.DataFrame, reference: Reference, where: str) -> str:
    """A warning ("" when none) about labels naming a CID the reference does not have (a typo,
    or a facility only another reference lists, as the shipped gold sets' removed facilities are
    in the RMI export alone): such a row counts as one no candidate can answer."""
    known = set(reference.facilities["cid"])
    bad = [(rid, c) for rid, truth in zip(gold["row_id"], gold["truth"]) for c in sorted(truth)
           if c not in known]
    if not bad:
        return ""
    return (f"{where}: {len(bad)} label(s) name a CID this reference does not have (first: row "
            f"{bad[0][0]}, {bad[0][1]}; reference {reference.version.stamp}): rows no candidate "
            "can answer")


def score_queries(matcher: Matcher, queries: pd.DataFrame) -> pd.DataFrame:
    """Run the real matcher on labelled queries; one row each with the correctness columns.

    ``queries`` has ``name``, ``metal``, ``country`` and ``truth`` (acceptable CIDs, empty when no
    RMI facility is meant); any of ``row_id``, ``metal_inferred``, ``label``, ``kind``,
    ``families`` is carried over. A removed CID and its successors are interchangeable answers.
    """
    out = matcher.match(queries[["name", "metal", "country"]].reset_index(drop=True),
                        name="name", metal="metal", country="country")
    eq = equivalent_cids(matcher.reference)
    n = len(queries)
    listed = [[c.split("|")[0] for c in x.split(" ; ")] if x else [] for x in out["candidates"]]
    truth = [set().union(*(eq.get(t, {t}) for t in tr)) if tr else set()
             for tr in queries["truth"]]
    res = pd.DataFrame({
        "row_id": _col(queries, "row_id", [str(i) for i in range(n)]),
        "metal": _col(queries, "metal_inferred", queries["metal"].tolist()),
        "label": _col(queries, "label", [";".join(sorted(t)) or "NO_MATCH" for t in
                                         queries["truth"]]),
        "matchable": [bool(t) for t in truth],
        "score": out["score"].to_numpy(), "decision": out["decision"].to_numpy(),
        "cid": out["cid"].to_numpy(), "best": [x[0] if x else "" for x in listed],
        "candidates": out["candidates"].to_numpy(), "name": queries["name"].to_numpy(),
        "reason": out["reason"].to_numpy(),
    })
    if "smelter_score" in out.columns:
        res["smelter_score"] = out["smelter_score"].to_numpy()
    for extra in ("kind", "families", "edits"):
        if extra in queries.columns:
            res[extra] = queries[extra].to_numpy()
    res["best_correct"] = [bool(x) and x[0] in t for x, t in zip(listed, truth)]
    res["in_candidates"] = [bool(set(x) & t) for x, t in zip(listed, truth)]
    return res


def _col(df: pd.DataFrame, name: str, default: list) -> list:
    return df[name].tolist() if name in df.columns else default


def score_gold(matcher: Matcher, gold: pd.DataFrame) -> pd.DataFrame:
    """:func:`score_queries` on the rows of a gold file (see :func:`load_gold`)."""
    q = pd.DataFrame({"name": gold["reported_name"].to_numpy(),
                      "metal": gold["reported_metal"].to_numpy(),
                      "country": gold["reported_country"].to_numpy(),
                      "truth": gold["truth"].to_numpy(), "row_id": gold["row_id"].to_numpy(),
                      "metal_inferred": gold["metal_inferred"].to_numpy(),
                      "label": gold["label"].to_numpy()})
    return score_queries(matcher, q)


#: The figures of a report table, in order.
REPORT_KEYS = ("rows", "top1_accuracy", "top5_accuracy", "auto_decisions_right", "automation_rate",
               "matchable_no_match_rate", "no_match_recall", "auto_match_precision",
               "no_match_precision")


def _rate(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


def metrics(scored: pd.DataFrame) -> dict:
    """The evaluation figures; a blocking miss counts as an error.

    ``top1_accuracy`` / ``top5_accuracy``: matchable rows whose right CID is the first / among
    the five listed candidates (the ranking, whatever the decision). ``auto_decisions_right``:
    rows decided without review whose decision is right (a match to a right CID, a no_match of
    a row with no right CID) / rows decided without review. ``automation_rate``: rows decided
    without review / rows. ``matchable_no_match_rate``: rows that have a right CID but were
    decided no_match (silently dropped from a filing) / matchable rows. ``no_match_recall``:
    rows without a right CID decided no_match / such rows (non-smelters recognised).
    """
    m = scored
    matchable = m[m["matchable"]]
    auto = m[m["decision"] == "match"]
    nomatch = m[m["decision"] == "no_match"]
    true_nm = m[~m["matchable"]]
    auto_ok = int((auto["matchable"] & auto["best_correct"]).sum())
    nm_ok = int((~nomatch["matchable"]).sum())
    out = {
        "rows": int(len(m)), "matchable_rows": int(len(matchable)),
        "no_match_rows": int(len(true_nm)),
        "top1_accuracy": _rate(matchable["best_correct"].sum(), len(matchable)),
        "top5_accuracy": _rate(matchable["in_candidates"].sum(), len(matchable)),
        "auto_decisions_right": _rate(auto_ok + nm_ok, len(auto) + len(nomatch)),
        "automation_rate": _rate((m["decision"] != "review").sum(), len(m)),
        "matchable_no_match_rate": _rate((matchable["decision"] == "no_match").sum(),
                                         len(matchable)),
        "no_match_recall": _rate((true_nm["decision"] == "no_match").sum(), len(true_nm)),
        "auto_match_precision": _rate(auto_ok, len(auto)),
        "auto_match_rate": _rate(len(auto), len(m)),
        "no_match_precision": _rate(nm_ok, len(nomatch)),
    }
    p, r = out["no_match_precision"], out["no_match_recall"]
    out["no_match_f1"] = float(2 * p * r / (p + r)) if p + r > 0 else float("nan")
    return out


def metrics_by_metal(scored: pd.DataFrame) -> dict:
    return {m: metrics(s) for m, s in scored.groupby("metal", sort=True)}


def error_rows(scored: pd.DataFrame) -> pd.DataFrame:
    wrong = (scored["matchable"] & ~scored["best_correct"]) | (
        (scored["decision"] == "match") & ~scored["best_correct"]) | (
        ~scored["matchable"] & (scored["decision"] != "no_match"))
    cols = ["row_id", "name", "metal", "label", "decision", "best", "score", "candidates"]
    return scored.loc[wrong, cols].reset_index(drop=True)


def _error_kinds(errors: pd.DataFrame, scored: pd.DataFrame | None = None) -> pd.Series:
    """What went wrong on each row of :func:`error_rows`' frame (for the Markdown report only).

    A row of that frame is either a matchable row whose best CID is wrong (decided ``match``,
    ``review`` or ``no_match``), or a row with no correct CID (``NO_MATCH``) that was not decided
    ``no_match``: auto-matched (an error) or sent to review (``"sent to review"``, a safe
    outcome). Matchability comes from ``scored`` when given (by ``row_id``), else from the label.
    """
    if scored is not None and {"row_id", "matchable"} <= set(scored.columns) \
            and scored["row_id"].is_unique:
        known = dict(zip(scored["row_id"], scored["matchable"]))
        matchable = [bool(known.get(r, lab != "NO_MATCH"))
                     for r, lab in zip(errors["row_id"], errors["label"])]
    else:
        matchable = (errors["label"] != "NO_MATCH").tolist()
    kinds = {
        (True, "match"): "wrong auto-match (wrong CID)",
        (True, "review"): "wrong top-1 CID, sent to review",
        (True, "no_match"): "missed match (decided no_match, top-1 CID wrong)",
        (False, "match"): "NO_MATCH row auto-matched",
        (False, "review"): "sent to review",
    }
    return pd.Series([kinds.get((bool(m), d), f"{'matchable' if m else 'NO_MATCH'} row, {d}")
                      for m, d in zip(matchable, errors["decision"])], index=errors.index,
                     dtype=object)


def _error_table(rows: pd.DataFrame) -> str:
    rows = rows.drop(columns=["candidates"])
    return rows.to_markdown(index=False) if _has_tabulate() else rows.to_string()


def _markdown(title: str, how: str, overall: dict, per_metal: dict, errors: pd.DataFrame,
              scored: pd.DataFrame | None = None, fresh: dict | None = None) -> str:
    keys = list(REPORT_KEYS)
    fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = [f"# {title}", "", how, "", "| subset | " + " | ".join(keys) + " |",
             "|" + "---|" * (len(keys) + 1)]
    subsets = [("all", overall),
               *([("not repeating a training-label row", fresh)] if fresh else []),
               *per_metal.items()]
    for name, m in subsets:
        lines.append(f"| {name} | " + " | ".join(fmt(m.get(k, float("nan"))) for k in keys) + " |")
    lines += ["", "automation_rate: rows decided without review (match or no_match) / rows; "
              "auto_match_rate: rows auto-matched / rows."]
    kind = _error_kinds(errors, scored)
    safe = kind == "sent to review"
    wrong = errors[~safe].reset_index(drop=True)
    wrong.insert(1, "kind", kind[~safe].to_numpy())
    reviewed = errors[safe].reset_index(drop=True)
    lines += ["", f"## Errors ({len(wrong)})", "",
              "Wrong auto-matches, NO_MATCH rows auto-matched, and matchable rows whose top-1 "
              "CID is wrong (whatever the decision; a blocking miss counts).", ""]
    if len(wrong):
        lines.append(_error_table(wrong))
    lines += ["", f"## Sent to review, no correct CID (safe outcomes, not errors) ({len(reviewed)})",
              "", "Rows labelled NO_MATCH that were sent to a person instead of being decided "
              "no_match: nothing wrong was recorded, but the row was not automated.", ""]
    if len(reviewed):
        lines.append(_error_table(reviewed))
    lines += ["", f"`*_errors.csv` lists both groups ({len(errors)} rows)."]
    return "\n".join(lines) + "\n"


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
        return True
    except ImportError:
        return False


def evaluate_model(matcher: Matcher, gold_path: str, *, model_name: str = "the shipped model",
                   trained_with: list[str] | None = None, unchecked: bool = False) -> dict:
    """Evaluate a fixed model on a gold file, and say how many of its rows repeat a row of the
    model's training labels (``trained_with``, the label files its metadata names: the same
    name, case and spacing aside, and metal), whose figures are not held out; the figures of
    the other rows are given apart (``overall_not_in_training``, the report's row "not
    repeating a training-label row"). Those other rows are not held out either when they are
    RMI names: the synthetic training queries are made from the reference's own names (and an
    RMI name written exactly is mostly settled by the exact lookup before any model runs). For
    the Inogen annex, all 58 rows that do not repeat a Data I/O row are exact RMI names of their
    labelled facility. Held-out figures: :func:`smelter_match.transfer.heldout_evaluation`.
    The key name ``overall_not_in_training`` is kept for the JSON's readers. Files of
    ``trained_with`` are found as the model recorded them
    (:func:`~smelter_match._resources.find_recorded`).

    Raises:
        InputError: every row repeats a training row (no figure would be held out), or a file
            of ``trained_with`` is not here (the figures could not be told held out or not;
            ``unchecked`` scores anyway, and the report says so).
    """
    gold = load_gold(gold_path)
    unknown = unknown_label_cids(gold, matcher.reference, Path(gold_path).name)
    seen: set[tuple[str, str]] = set()
    found, missing = [], []
    for path in trained_with or []:
        if (file := find_recorded(path)) is not None:
            t = load_gold(file)
            seen |= set(zip(map(override_key, t["reported_name"]), t["metal_inferred"]))
            found.append(file.name)
        else:
            missing.append(str(path))
    if missing and not unchecked:
        raise InputError(f"{model_name} was trained on {', '.join(missing)}, not found here: "
                         "the gold rows it was trained on cannot be told from the others; run "
                         "where those files are, or score anyway with --unchecked")
    repeated = [(k, m) in seen for k, m in zip(map(override_key, gold["reported_name"]),
                                               gold["metal_inferred"])]
    if repeated and all(repeated):
        raise InputError(f"{gold_path}: every row repeats a row {model_name} was trained on "
                         f"({', '.join(found)}); use evaluate --heldout for an honest figure")
    scored = score_gold(matcher, gold)
    how = f"Scored by {model_name}."
    if found:
        how += (f" {sum(repeated):,} of {len(gold):,} rows repeat a row of its training labels "
                f"({', '.join(found)}: the same name and metal), so their figures are not held "
                "out; the row \"not repeating a training-label row\" (`overall_not_in_training`) "
                "has the others', which are not held out either where they are RMI names (the "
                "synthetic training queries are made from the reference's names; "
                "`evaluate --heldout` gives held-out figures).")
    if missing:
        how += (f" NOT HELD OUT for certain: its training labels {', '.join(missing)} are not "
                "here, so rows it was trained on may be counted (--unchecked).")
    if unknown:
        how += f" In {unknown}."
    fresh = scored[[not r for r in repeated]]
    return {"how": how, "overall": metrics(scored),
            "overall_not_in_training": metrics(fresh) if found else None,
            "per_metal": metrics_by_metal(scored), "errors": error_rows(scored), "scored": scored}



def write_evaluation(result: dict, title: str, out_prefix: str) -> str:
    """Write ``<prefix>.json``, ``<prefix>.md`` and ``<prefix>_errors.csv``; return the Markdown."""
    from smelter_match.io.safe_csv import replaced_whole, write_csv

    Path(out_prefix).parent.mkdir(parents=True, exist_ok=True)
    md = _markdown(title, result["how"], result["overall"], result["per_metal"], result["errors"],
                   result.get("scored"), result.get("overall_not_in_training"))
    payload = {k: v for k, v in result.items() if k not in ("errors", "scored")}
    payload["n_errors"] = int(len(result["errors"]))
    # whole files, put in place together (an interrupted run leaves the old report or the new
    # one); the errors as an Excel-safe CSV (they hold supplier text)
    with contextlib.ExitStack() as together:
        def to(suffix: str) -> Path:
            return together.enter_context(replaced_whole(out_prefix + suffix))

        to(".json").write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n",
                               encoding="utf-8")
        to(".md").write_text(md, encoding="utf-8")
        write_csv(result["errors"], to("_errors.csv"))
    return md


