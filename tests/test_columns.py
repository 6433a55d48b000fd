"""The column names supplier tables are read by (``smelter_match.io.columns``)."""

from __future__ import annotations

import subprocess
import sys

from smelter_match.io.columns import COLUMN_SYNONYMS, ROLES


def test_every_role_has_its_names_in_order_of_preference() -> None:
    assert tuple(COLUMN_SYNONYMS) == ROLES
    assert all(COLUMN_SYNONYMS[r] for r in ROLES)
    # "Smelter Name" beats "Smelter Look-up", which beats "Standard Smelter Name" (CMRT columns)
    names = COLUMN_SYNONYMS["name"]
    assert names.index("Smelter Name") < names.index("Smelter Look-up") < \
        names.index("Standard Smelter Name")


def test_reading_them_imports_no_pandas() -> None:
    """``match --help`` lists them; reading them must not cost the pandas import."""
    code = ("import sys; from smelter_match.io.columns import COLUMN_SYNONYMS; "
            "print('pandas' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
