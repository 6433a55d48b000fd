"""What the commands say when they are done: summaries in words, never Python reprs.

Each function returns lines; the command prints them on stderr (unless ``--quiet``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pandas as pd

from smelter_match.cli._common import plural
from smelter_match.results import DECISIONS, column_text, meta_column, parse_flags, result_column

#: How each decision is said in a summary.
DECISION_WORDS = {"match": "matched", "review": "to review", "no_match": "not matched"}
#: At most this many files are listed one by one.
MAX_FILES = 20
#: At most this many kinds of flag are named.
MAX_FLAGS = 5


def decision_phrase(decisions: Sequence[str]) -> str:
    """``"3 matched, 2 to review, 1 not matched"`` (decisions that do not occur are left out)."""
    counts = Counter(decisions)
    parts = [f"{counts[d]:,} {DECISION_WORDS[d]}" for d in DECISIONS if counts.get(d)]
    return ", ".join(parts) or "nothing decided"


def flag_phrase(flag_cells: Sequence[str], limit: int = MAX_FLAGS) -> str:
    """The most common flags by kind (``successor=CID…`` counts as ``successor``), with rows."""
    counts: Counter[str] = Counter()
    for cell in flag_cells:
        counts.update({f.split("=", 1)[0] for f in parse_flags(cell)})
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return ", ".join(f"{name} on {plural(n, 'row')}" for name, n in top)


def match_summary(results: pd.DataFrame, *, files: int, seconds: float, stamp: str,
                  skipped: int = 0) -> list[str]:
    """The end-of-run summary of ``match``: rows per decision, per file, the most common flags."""
    decisions = column_text(results, result_column(results, "decision"))
    lines = [f"Matched {plural(len(results), 'row')} from {plural(files, 'file')} in "
             f"{seconds:.1f} s (reference {stamp}): {decision_phrase(decisions)}."]
    if skipped:
        lines.append(f"Skipped {plural(skipped, 'file')} that could not be read (listed above).")
    sources = column_text(results, meta_column(results, "source_file"))
    by_file: dict[str, list[str]] = {}
    for src, dec in zip(sources, decisions):
        by_file.setdefault(src, []).append(dec)
    if len(by_file) > 1:
        for src, decs in list(by_file.items())[:MAX_FILES]:
            lines.append(f"  {src}: {plural(len(decs), 'row')}, {decision_phrase(decs)}")
        if len(by_file) > MAX_FILES:
            lines.append(f"  ... and {plural(len(by_file) - MAX_FILES, 'more file')}")
    flags = flag_phrase(column_text(results, result_column(results, "flags")))
    if flags:
        lines.append(f"Most common flags: {flags}.")
    return lines


def _where(change: dict) -> str:
    src, row = change.get("source_file", ""), change.get("source_row", "")
    if src and row:
        return f"{src} row {row}"
    return src or f"row_id {change['row_id']}"


def apply_summary(report: dict, *, review_file: str, target: str,
                  max_changes: int = 50) -> list[str]:
    """What ``review apply`` did: verdicts counted, each changed row, the overrides."""
    verdicts = [f"{report[v]:,} {v}" for v in ("accept", "other", "not_a_smelter", "unsure")
                if report.get(v)]
    lines = [f"Applied {review_file}: {plural(report['rows'], 'review row')}; "
             f"{', '.join(verdicts) or 'no verdicts'}; "
             f"{report.get('not_reviewed', 0):,} not reviewed."]
    changes = report.get("changes", [])
    if changes:
        lines.append(f"Changed {plural(len(changes), 'row')} in {target}:")
        for ch in changes[:max_changes]:
            lines.append(f"  {_where(ch)} \"{ch['reported_name']}\": {ch['before'] or '(none)'}"
                         f" -> {ch['after']} ({ch['verdict']})")
        if len(changes) > max_changes:
            lines.append(f"  ... and {plural(len(changes) - max_changes, 'more row')}")
    else:
        lines.append(f"No row of {target} changed.")
    return lines
