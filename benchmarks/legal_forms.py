"""Which legal-form vocabulary normalises smelter names better: cleanco's term list or rigour's?

``python -m benchmarks.legal_forms`` (needs ``pip install rigour``; ``--out`` folder, default
``benchmarks/results``) writes ``legal_forms.md`` and ``legal_forms.json``.

Both variants run the same normaliser (:mod:`smelter_match.normalize`: transliteration, folding,
stop-words, the project's own ``legal_forms.txt``); only the base vocabulary of company-type
designations differs:

- ``cleanco``: the shipped key, ``normalize_name(x).key`` (cleanco's ``prepare_default_terms``,
  minus the project's ``exclude:`` list, stripped from both ends of the name);
- ``rigour``: rigour's organisation-type database (ISO 20275, OCCRP, Wikipedia; Rust matcher)
  removes every designation it recognises from the case-folded ASCII text first
  (``rigour.names.remove_org_types``), then the normaliser runs *without* cleanco's terms.

A better key puts more supplier spellings on a name of the right facility and fewer on a name of
a wrong one, without merging the reference's own facilities:

- ``exact_right``: matchable gold rows (both gold sets) whose key equals the key of a name of an
  acceptable facility of the row's metal (higher is better: these rows need no fuzzy matching);
- ``exact_wrong``: rows whose key equals a name key of another facility of the metal only
  (lower is better: a confident wrong candidate);
- ``collisions``: reference name keys shared by two or more CIDs of one metal (lower is better:
  the key destroyed what tells facilities apart);
- ``empty_keys``: names whose key became empty or a single character.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from benchmarks.gold import GOLD_DIR
from smelter_match import normalize as nz
from smelter_match.evaluation import equivalent_cids, load_gold
from smelter_match.reference import load_reference
from smelter_match.transliterate import to_ascii

DEFAULT_REFERENCE = ["../shared/rmi/cmrt", "../shared/rmi/exports-2026-08-22"]


def _project_forms() -> tuple[dict, dict]:
    """Suffix/prefix indexes of the project's own forms only (no cleanco base terms)."""
    sections: dict[str, list[str]] = {"both": [], "prefix": [], "exclude": []}
    current = "both"
    for line in nz._vocab_lines("legal_forms.txt"):
        if line.endswith(":") and line[:-1].strip().lower() in sections:
            current = line[:-1].strip().lower()
        else:
            sections[current].append(line)

    def forms(lines: list[str]) -> set[tuple[str, ...]]:
        out = set()
        for line in lines:
            toks = tuple(nz.fold(line).split())
            if toks:
                out.add(toks)
                no_stop = tuple(t for t in toks if t not in nz.STOP_WORDS)
                if no_stop:
                    out.add(no_stop)
        return out

    both, prefix = forms(sections["both"]), forms(sections["prefix"])
    return nz._index(both, at_end=True), nz._index(both | prefix, at_end=False)


def _org_type_spans(ascii_text: str) -> list[tuple[int, int]]:
    """Where rigour finds organisation types in a text (case-insensitive, whole words)."""
    import re

    from rigour.names import extract_org_types

    low = ascii_text.lower()   # ASCII: the same length, so spans carry over to the original
    spans = []
    for found, _ in extract_org_types(low):
        for m in re.finditer(rf"(?<!\w){re.escape(found.lower())}(?!\w)", low):
            spans.append(m.span())
    return sorted(set(spans))


def rigour_key(text: str, suffix_forms: dict, prefix_forms: dict, ends_only: bool = False) -> str:
    """The key with rigour's vocabulary in place of cleanco's (see the module docstring).

    Designations are blanked in the original-case text (camel-case splitting still sees the
    case); ``ends_only`` keeps only those at the start or end of the name, as the shipped
    normaliser does with cleanco's terms.
    """
    ascii_text = to_ascii(text)
    spans = _org_type_spans(ascii_text)
    if ends_only:
        stripped = ascii_text
        for a, b in spans:   # a designation touching an end (after others were removed)
            if not stripped[:a].strip(" ,.()-") or not stripped[b:].strip(" ,.()-"):
                stripped = stripped[:a] + " " * (b - a) + stripped[b:]
        removed = stripped
    else:
        chars = list(ascii_text)
        for a, b in spans:
            chars[a:b] = " " * (b - a)
        removed = "".join(chars)
    tokens = nz._fold_ascii_tokens(removed) or nz._fold_ascii_tokens(ascii_text)
    kept = [t for t in tokens if t not in nz.STOP_WORDS] or tokens
    saved = nz._SUFFIX_FORMS, nz._PREFIX_FORMS
    nz._SUFFIX_FORMS, nz._PREFIX_FORMS = suffix_forms, prefix_forms
    try:
        kept = nz._strip_legal(kept, keep_one=True)
    finally:
        nz._SUFFIX_FORMS, nz._PREFIX_FORMS = saved
    return " ".join(kept).replace("non ferrous", "nonferrous")


def measure(reference, gold_rows, key) -> dict:  # noqa: ANN001 - key: str -> str
    names = reference.names
    by_key: dict[tuple[str, str], set[str]] = defaultdict(set)
    short = 0
    for cid, metal, name in zip(names["cid"], names["metal"], names["name"]):
        k = key(name)
        short += len(k.replace(" ", "")) <= 1
        if k:
            by_key[(metal, k)].add(cid)
    collisions = sum(len(c) > 1 for c in by_key.values())
    eq = equivalent_cids(reference)
    right = wrong = rows = 0
    for name, metal, truth in gold_rows:
        acceptable = set().union(*(eq.get(t, {t}) for t in truth))
        rows += 1
        hit = by_key.get((metal, key(name)), set())
        if hit & acceptable:
            right += 1
        elif hit:
            wrong += 1
    return {"rows": rows, "exact_right": right, "exact_wrong": wrong,
            "exact_right_rate": round(right / rows, 4) if rows else None,
            "collisions": collisions, "empty_keys": short, "reference_names": len(names)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reference", "-r", action="append", default=None)
    p.add_argument("--out", default="benchmarks/results")
    args = p.parse_args(argv)
    reference = load_reference(*(args.reference or DEFAULT_REFERENCE))
    gold_rows = []
    for path in sorted(GOLD_DIR.glob("*_2020.csv")):
        g = load_gold(str(path))
        g = g[g["matchable"]]
        gold_rows += list(zip(g["reported_name"], g["metal_inferred"], g["truth"]))
    suffix, prefix = _project_forms()
    results = {
        "cleanco": measure(reference, gold_rows, lambda s: nz.normalize_name(s).key),
        "rigour": measure(reference, gold_rows, lambda s: rigour_key(s, suffix, prefix)),
        "rigour_ends": measure(reference, gold_rows,
                               lambda s: rigour_key(s, suffix, prefix, ends_only=True)),
    }
    from importlib.metadata import version

    results["versions"] = {"rigour": version("rigour"), "cleanco": version("cleanco")}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "legal_forms.json").write_text(json.dumps(results, indent=1) + "\n")
    keys = ["rows", "exact_right", "exact_right_rate", "exact_wrong", "collisions", "empty_keys"]
    lines = ["# Legal-form vocabulary: cleanco vs rigour", "",
             "Same normaliser, different base vocabulary of company-type designations; "
             "`python -m benchmarks.legal_forms` (see its docstring for the definitions). Gold "
             "rows: the matchable rows of both gold sets.", "",
             "| vocabulary | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name in ("cleanco", "rigour", "rigour_ends"):
        lines.append(f"| {name} | " + " | ".join(str(results[name][k]) for k in keys) + " |")
    lines += ["", f"rigour {results['versions']['rigour']}, cleanco {results['versions']['cleanco']}. "
              "`rigour` removes "
              "designations anywhere in the name (its own semantics), `rigour_ends` only at the "
              "start or end, as the shipped normaliser does."]
    (out / "legal_forms.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
