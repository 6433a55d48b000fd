"""The shape of the package: no import cycles, modules of a readable size, one test file per stage.

Imports are read from the source (module level and inside functions alike), so a cycle hidden in
a lazy import counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

from _support import ROOT

PACKAGE = ROOT / "smelter_match"
MAX_LINES = 600
#: Stage and workflow modules, each with its own test file tests/test_<name>.py.
TESTED_MODULES = ("transliterate", "folding", "countries", "normalize", "metals", "cids", "sources",
                  "merge", "reference", "cache",
                  "reference_diff", "index", "blocking", "compare", "classify", "query_features",
                  "noise", "synthetic",
                  "transfer", "xlsx", "review_book", "readings", "placeholders", "rules", "decide",
                  "explain", "queries", "matcher", "parallel", "overrides", "review", "review_apply",
                  "labels", "annex",
                  "training", "thresholds", "evaluation", "spark", "inputs", "cmrt", "tables",
                  "csv_text",
                  "safe_csv", "cli",
                  "results", "sparse", "columns")


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Project modules imported anywhere in ``path`` (``from x import y`` counts x.y if a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    # a package's __init__ re-exporting its children is not an edge back from them
    return {m: {t for t in _imports(m, p, known) if not m.startswith(t + ".")}
            for m, p in mods.items()}


def test_no_import_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph.get(m, ())):
            if state.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_modules_are_readable_size() -> None:
    long = {m: n for m, p in _modules().items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_every_stage_has_its_test_file() -> None:
    missing = [m for m in TESTED_MODULES if not (ROOT / "tests" / f"test_{m}.py").is_file()]
    assert not missing, f"no tests/test_<module>.py for: {missing}"


def test_the_readme_code_map_names_every_module() -> None:
    """The README's code map is kept true to the package: every module file is in it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code_map = readme.split("## Code map", 1)[1].split("\n## ", 1)[0]
    files = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
             if p.parent.name != "cli" and p.name not in ("__init__.py", "__main__.py")}
    missing = sorted(f for f in files if f"`{f}`" not in code_map
                     and f"`{Path(f).name}`" not in code_map)
    assert not missing, f"modules missing from the README's code map: {missing}"
    assert "`cli/`" in code_map


def test_the_check_sees_a_cycle(tmp_path: Path) -> None:
    """The import reader itself: a lazy import inside a function is an edge."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("def f():\n    from pkg import b\n")
    b.write_text("import pkg.a\n")
    known = {"pkg.a", "pkg.b"}
    assert _imports("pkg.a", a, known) == {"pkg.b"}
    assert _imports("pkg.b", b, known) == {"pkg.a"}
