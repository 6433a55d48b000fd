"""The command-line frame: parser, exit codes, one-line errors (commands have their own tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from _support import ROOT, encrypted_ooxml

from smelter_match import cli
from smelter_match.cli import app as cli_main
from smelter_match.cli import reference as cli_reference
from smelter_match.cli._common import CommonOptions, out


@pytest.mark.parametrize("argv", [
    [], ["bogus"], ["reference"], ["reference", "import"], ["reference", "diff", "only-old"],
    ["reference", "diff", "a", "b", "--limit", "many"],
])
def test_cli_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "Traceback" not in err


def test_cli_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    assert "reference" in capsys.readouterr().out
    assert cli.main(["reference", "diff", "--help"]) == 0


def test_cli_keyboard_interrupt_and_oserror(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(args):  # noqa: ANN001, ANN202
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_reference, "get_reference", interrupted)
    assert cli.main(["reference", "info"]) == 2
    assert capsys.readouterr().err == "smelter-match: error: interrupted\n"

    def denied(args):  # noqa: ANN001, ANN202
        raise PermissionError(13, "Permission denied", "/some/file.xlsx")

    monkeypatch.setattr(cli_reference, "get_reference", denied)
    assert cli.main(["reference", "info"]) == 2
    assert capsys.readouterr().err == (
        "smelter-match: error: [Errno 13] Permission denied: '/some/file.xlsx'\n"
    )


def test_cli_command_list_adds_a_command(monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    def add_hello(sub, common: CommonOptions) -> None:  # noqa: ANN001
        p = sub.add_parser("hello", parents=[common.reference, common.output])
        p.add_argument("who")
        p.set_defaults(func=lambda a: out(f"hi {a.who} {a.reference} {a.quiet}") or 0)

    monkeypatch.setattr(cli_main, "COMMANDS", (*cli_main.COMMANDS, add_hello))
    assert cli.main(["-q", "hello", "you", "-r", "x.xlsx"]) == 0
    assert capsys.readouterr().out == "hi you ['x.xlsx'] True\n"
    assert cli.main(["--reference", "y.xml", "hello", "me"]) == 0
    assert capsys.readouterr().out == "hi me ['y.xml'] False\n"


def test_cli_subprocess_no_traceback(tmp_path: Path) -> None:
    locked = encrypted_ooxml(tmp_path / "locked.xlsx")
    env = {**os.environ, "SMELTER_MATCH_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("SMELTER_MATCH_REFERENCE", None)
    for argv in (["reference", "info", "--reference", str(locked)], ["reference", "info"]):
        proc = subprocess.run(
            [sys.executable, "-m", "smelter_match.cli", *argv],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("smelter-match: error: "), proc.stderr
        assert proc.stdout == ""
    assert "password-protected" in lines[0] or "no RMI reference" in lines[0]
