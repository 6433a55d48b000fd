"""Readings: whether a reported name *reads as* one RMI name, so that the name alone settles it.

The decision (:mod:`smelter_match.decide`) matches a name whatever the scores when it is RMI's
name of one facility with nothing against it (``RuleFacts.sure``). This module says, per
candidate row, whether the name reads as the candidate's RMI name:

- :data:`SAME`: exactly (the same normalised key), or but for OCR-confusable characters when no
  other facility of the metal has a name that reads the same ("A8C Refinery Pty Ltd.");
- :data:`SLIPS`: but for a few typing slips, with every other facility's names further by two
  edits or more and the RMI name's core kept ("Tanaka Kikinzku Kogyo KK").

It reads the compare stage's best-matching name rows and the index; the decision reads the codes.
"""

from __future__ import annotations

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from smelter_match.index import MAX_SLIPS, SLIP_TEXTS, NameIndex, core_text, ocr_fold, slip_text
from smelter_match.normalize import NormalizedName

#: Reading codes per candidate row (:func:`same_name`): the name is its best-matching RMI name
#: exactly or but for OCR-confusable characters (``SAME``), or but for a few typing slips with
#: every other facility's names further (``SLIPS``); 0: neither.
SAME, SLIPS = 1, 2


def same_name(ni: NameIndex, nns: list[NormalizedName], metals: list[str | None],
              query: np.ndarray, best_name: np.ndarray, workers: int = 1) -> np.ndarray:
    """Per candidate row (its query and best-matching name row), whether the reported name reads
    as its best-matching RMI name: :data:`SAME` exactly (the same normalised key) or but for
    OCR-confusable characters ("A8C Refinery Pty Ltd.") when no other facility of the metal
    has a name that reads the same (``index.ocr_sole``); :data:`SLIPS` but for a few typing slips
    ("Tanaka Kikinzku Kogyo KK", "Kennamefal Fall0h": at most ``NameIndex.slips_allowed`` for
    the length of the RMI name's compact key, Levenshtein edits of the compact key or of the name
    as spelled, legal form included, each also with OCR-confusable characters as one class:
    ``index.slip_text``) when every other facility's names, of the reported metal or of any with
    none reported, are at least two edits further in that text (``index.edit_gaps``) and the RMI
    name has a core (``index.core_text``: its words but generic and legal-form ones) that the
    name holds, OCR-confusable characters as one class, as it is or within the core's own
    budget; 0 otherwise. ``workers``: rapidfuzz's, for the gap matrices (results do not depend
    on it)."""
    if not len(best_name):
        return np.zeros(0, dtype=np.int8)
    keys = np.array([n.key for n in nns], dtype=object)
    folds = np.array([ocr_fold(n.compact) for n in nns], dtype=object)
    same = (keys[query] == ni.key_arr[best_name]) | (
        ni.ocr_sole[best_name] & (folds[query] == ni.ocr_arr[best_name]))
    out = np.where(same, SAME, 0).astype(np.int8)
    todo = np.flatnonzero(~same)
    if len(todo):
        out[todo[_slips(ni, nns, metals, query[todo], best_name[todo], workers)]] = SLIPS
    return out


def _slips(ni: NameIndex, nns: list[NormalizedName], metals: list[str | None],
           query: np.ndarray, names: np.ndarray, workers: int) -> np.ndarray:
    """Per (reported name, RMI name row) pair: the name is that RMI name but for a few typing
    slips, no other facility near, and the RMI name's core kept (:func:`same_name`)."""
    allowed = ni.slips_allowed(ni.compact_len[names])
    no_metal = np.array([metals[q] is None for q in query.tolist()], dtype=bool)
    asked, at = np.unique(query, return_inverse=True)   # each name's texts once
    mine = {text: np.array([slip_text(nns[q], text) for q in asked.tolist()],
                           dtype=object)[at].tolist() for text in SLIP_TEXTS}
    near = np.zeros(len(query), dtype=bool)
    for text in SLIP_TEXTS:
        slips = process.cpdist(mine[text], ni.slip_arr[text][names].tolist(),
                               scorer=Levenshtein.distance, score_cutoff=MAX_SLIPS,
                               dtype=np.int32)
        within = np.flatnonzero(slips <= allowed)
        if len(within):   # the gaps of a text are computed the first time one is needed
            gap_metal, gap_any = ni.edit_gaps(text, names[within], workers)
            gap = np.where(no_metal[within], gap_any, gap_metal)
            near[within[gap >= 2 * slips[within] + 2]] = True
    # and the RMI name's core (what tells one company from another; OCR-confusable
    # characters as one class) is in the name as it is (spacing aside: "Jiangxicopper Co
    # Ltd") or within the core's own, smaller budget: "Tian Yu Resources Limited" is two
    # slips from "Lianyou Resources Co., Ltd.", but its core "tianyu" is two of
    # "lianyou"'s seven letters
    hit = np.flatnonzero(near)
    theirs_core = ni.core_arr[names[hit]].tolist()
    core_len = np.array([len(c) for c in theirs_core], dtype=np.int64)
    core_ok = np.zeros(len(hit), dtype=bool)
    mine_core = [core_text(nns[q].tokens) for q in query[hit].tolist()]
    for fold, compact in ((str, mine["compact"]), (ocr_fold, mine["ocr_compact"])):
        theirs = [fold(c) for c in theirs_core]
        core_slips = process.cpdist([fold(c) for c in mine_core], theirs,
                                    scorer=Levenshtein.distance, score_cutoff=MAX_SLIPS,
                                    dtype=np.int32)
        kept = np.array([c in compact[i] for c, i in zip(theirs, hit.tolist())], dtype=bool)
        core_ok |= (core_slips <= ni.slips_allowed(core_len)) | kept
    near[hit] = (core_len > 0) & core_ok
    return near
