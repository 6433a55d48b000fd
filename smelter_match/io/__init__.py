"""Files in and out: every container read through one set of rules, Excel-safe files written.

``tables`` (containers -> rows of text) <- ``cmrt`` (CMRT layouts) <- ``inputs`` (supplier lists
-> input tables; ``columns``: the column names it reads them by); ``safe_csv`` writes what
analysts open and reads it back.
"""
