"""Error types. Every error a user can cause by giving bad input is a ``SmelterMatchError``.

The command line turns any ``SmelterMatchError`` into one line on stderr and exit code 2, so the
messages here are written for people: say what was wrong and, where possible, what to do.
"""

from __future__ import annotations


class SmelterMatchError(Exception):
    """Base class for errors caused by the user's input or configuration (CLI exit code 2)."""


class InputError(SmelterMatchError):
    """An input file or table cannot be read: missing, unreadable, empty or without needed columns."""


class ColumnNotFoundError(InputError):
    """A column given by name (``--name-col`` and the like: ``role``) is not in a table. Among
    several inputs, a file without it is read by its headers (:func:`smelter_match.io.inputs.
    read_inputs`); an error when no input has it."""

    def __init__(self, message: str, role: str) -> None:
        super().__init__(message)
        self.role = role


class NoRowsError(InputError):
    """A file read whole that holds no rows to match: a CMRT whose Smelter List nobody filled
    in (a supplier declaring no smelters). Among several inputs, a note, not a bad file."""


class DamagedFileError(InputError):
    """A file of a kind the tool reads whose container cannot be read: a workbook or XML file
    cut short or corrupt, a password-protected workbook. Unlike a readable file of another
    kind, never skipped as "not an RMI file" among the reference files."""


class ReferenceLoadError(SmelterMatchError):
    """A reference source cannot be loaded, or no reference was provided."""


class DamagedReferenceError(ReferenceLoadError):
    """A reference file that cannot be read (see :class:`DamagedFileError`): loading stops,
    also when the file was found in a folder (an RMI list half downloaded would otherwise be
    left out without a word)."""


class SmelterMatchWarning(UserWarning):
    """Something a user should know that does not stop the work. The command line prints these
    as notes on stderr (once each, silenced by ``--quiet``)."""


class ReferenceWarning(SmelterMatchWarning):
    """Something about the reference files a user should know (an undated list, old-format IDs
    no file maps to CIDs, no RMAP list); the reference loads."""


class InputWarning(SmelterMatchWarning):
    """Something about an input file a user should know (CSV rows with more cells than the
    header: a delimiter inside a name not in quotes?); the rows are read."""


class ModelError(SmelterMatchError):
    """A model file is missing, malformed or incompatible with this version."""


class ReviewError(SmelterMatchError):
    """A filled review file is inconsistent with the results it is applied to."""


