"""Readings: whether a reported name *reads as* one RMI name, so that the name alone settles it.

The decision (:mod:`smelter_match.decide`) matches a name whatever the scores when it is RMI's
name of one facility with nothing against it (``RuleFacts.sure``). This module says, per
candidate row, whether the name reads as the candidate's RMI name:

- :data:`SAME`: exactly (the same normalised key), or but for OCR-confusable characters when no
  other facility of the metal has a name that reads the same ("A8C Refinery Pty Ltd.");
- :data:`SLIPS`: but for a few typing slips, with every other facility's names further by two
  edits or more, none beginning with the name, the RMI name's core kept and no word a slip
  does not make ("Zinc", "Hebei") added ("Tanaka Kikinzku Kogyo KK");
- :data:`ABBREVIATED`: but for abbreviated words, when no other facility's name reads so
  ("Avon Spec. Metals Ltd.", "Chifeng Dajin. Tin Ind. Co., Ltd.").

It reads the compare stage's best-matching name rows and the index; the decision reads the codes.
"""

from __future__ import annotations

import re

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from smelter_match.countries import place_words
from smelter_match.folding import GENERIC_WORDS, LEGAL_FORM_WORDS
from smelter_match.index import (
    MAX_SLIPS,
    SLIP_DISTANCE,
    SLIP_TEXTS,
    NameIndex,
    abbreviates,
    core_text,
    damaged_legal_form,
    damaged_weak_word,
    ocr_fold,
    slip_text,
)
from smelter_match.normalize import NormalizedName

#: Reading codes per candidate row (:func:`same_name`): the name is its best-matching RMI name
#: exactly or but for OCR-confusable characters (``SAME``), or but for a few typing slips with
#: every other facility's names further (``SLIPS``); its query's best candidate, and the name is
#: one of its RMI names but for abbreviated words, no other facility's (``ABBREVIATED``); 0: none.
SAME, SLIPS, ABBREVIATED = 1, 2, 3

#: Shortest word read as an abbreviation by :func:`abbreviated_facility` ("Ind.", "Spe."): two
#: letters are as often the initials of two words ("MT" for "Molybdenum Tungsten").
ABBREVIATION_MIN = 3
#: Fewest core letters (``index.core_text``) a name read through abbreviations keeps, and the
#: least share of its RMI name's core it keeps: "Ket." abbreviates too many words to tell which.
ABBREVIATED_CORE_MIN, ABBREVIATED_CORE_SHARE = 6, 0.5
_WEAK_WORDS = GENERIC_WORDS | LEGAL_FORM_WORDS


def same_name(ni: NameIndex, nns: list[NormalizedName], metals: list[str | None],
              query: np.ndarray, best_name: np.ndarray, workers: int = 1,
              fac: np.ndarray | None = None, first: np.ndarray | None = None) -> np.ndarray:
    """Per candidate row (its query and best-matching name row), whether the reported name reads
    as its best-matching RMI name: :data:`SAME` exactly (the same normalised key) or but for
    OCR-confusable characters ("A8C Refinery Pty Ltd.") when no other facility of the metal has
    a name that reads the same (``index.ocr_sole``); :data:`SLIPS` but for a few typing slips
    ("Tanaka Kikinzku Kogyo KK", "Kennamefal Fall0h": at most ``NameIndex.slips_allowed`` for
    the length of the RMI name's compact key, slips (``index.SLIP_DISTANCE``: a swap of two
    neighbouring characters is one) in the compact key or in the name as spelled, legal form
    included, each also with OCR-confusable characters as one class: ``index.slip_text``) when
    every other facility's names, of the reported metal or of any with none reported, are
    further from the name by two Levenshtein edits or more in that text (``index.edit_gaps``),
    the RMI name has a core (``index.core_text``: its words but generic and legal-form ones)
    that the name holds, OCR-confusable characters as one class, as it is or within the core's
    own budget, every word of the name that RMI writes in a name, the vocabulary lists or names
    a place is in the RMI name (a slip does not make another word: "Zinc" for "Tin"), and no
    other facility's name begins with the name (a name cut short: ``NameIndex.begun_by``);
    :data:`ABBREVIATED` (given ``fac``, each candidate row's facility row, and ``first``, each
    query's best candidate row, -1 for none) on a query's best candidate when the name reads as
    neither so, a word of it abbreviates a word of the candidate's best-matching RMI name, and
    the name is one of the candidate's RMI names but for abbreviated words, no other facility's
    (:func:`abbreviated_facility`); 0 otherwise. ``workers``: rapidfuzz's, for the gap matrices
    (results do not depend on it)."""
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
    if fac is not None and first is not None:
        for q, row in enumerate(first.tolist()):
            if row >= 0 and out[row] == 0 and _may_abbreviate(nns[q], ni.norm[
                    best_name[row]].tokens) and abbreviated_facility(
                    ni, nns[q], metals[q]) == fac[row]:
                out[row] = ABBREVIATED
    return out


def _may_abbreviate(nn: NormalizedName, theirs: tuple[str, ...]) -> bool:
    """A word of the name abbreviates a word of an RMI name (``theirs``) as
    :func:`abbreviated_facility` reads abbreviations (a distinctive word's with its full stop):
    the cheap test before that searches the reference."""
    marked = _marked(nn)
    return any(t not in theirs and _stands_for(t, t in marked, w)
               for t in nn.tokens for w in theirs)


def _stands_for(word: str, mark: bool, target: str) -> bool:
    """A word of the name (``mark``: written with a full stop) may be read as an abbreviation
    of the RMI word ``target``: from :data:`ABBREVIATION_MIN` letters, and of a distinctive word
    only with its full stop (:func:`abbreviated_facility`)."""
    return len(word) >= ABBREVIATION_MIN and (mark or target in _WEAK_WORDS) and abbreviates(
        word, target)


def _words(ni: NameIndex, nn: NormalizedName) -> tuple[tuple[str, bool, bool], ...]:
    """Per word of the name: (word, a legal-form word it may add, written with a full stop). A
    legal-form word, also damaged, may be added; not a word RMI writes in a name as something
    else."""
    marked = _marked(nn)
    return tuple((t, damaged_legal_form(t) and (t in _WEAK_WORDS or t not in ni.token_id),
                  t in marked) for t in nn.tokens)


def _settles(mine: tuple[tuple[str, bool, bool], ...], theirs: tuple[str, ...]) -> bool | None:
    """None when the name does not read as the RMI name ``theirs`` (:func:`_reading`); else
    whether it reads so through an abbreviation keeping enough of the core."""
    got = _reading(mine, theirs)
    if got is None:
        return None
    core = sum(len(t) for t in theirs if t not in _WEAK_WORDS)
    return got[0] > 0 and got[1] >= ABBREVIATED_CORE_MIN and (
        0 < core <= got[1] / ABBREVIATED_CORE_SHARE)


def _marked(nn: NormalizedName) -> frozenset[str]:
    """The name's words written with an abbreviation's mark (:data:`_MARKED`)."""
    return frozenset(_MARKED.findall(nn.original.lower()))


def abbreviated_facility(ni: NameIndex, nn: NormalizedName, metal: str | None) -> int:
    """The facility row whose RMI name the name is but for abbreviated words, if it is one
    facility's (of ``metal``; of any metal when None); -1 otherwise.

    The name reads as an RMI name when its words and the RMI name's match in order, each word
    itself or an abbreviation of the RMI word (``index.abbreviates``, from
    :data:`ABBREVIATION_MIN` letters), with the RMI name's generic and legal-form words free to
    be left out ("Avon Spe. Metals" of "Avon Specialty Metals Ltd.") and the name's legal-form
    words, also damaged ("Limitd"), free to be added; any other word the name adds ("Trading",
    "Gold") stops the reading: it may be another business. An abbreviation of a distinctive word
    of the RMI name needs its mark, a full stop ("Spe.", "Chif."): written without one, a short
    word is as often a word of its own ("Sun", "Yao"); one of a generic word needs none ("Mfg",
    "Mtls", "Intl"). Read so, the name is that facility's when at least one word is abbreviated,
    the words read as the RMI name's core (``index.core_text``'s words, generic and legal-form
    words as written) keep :data:`ABBREVIATED_CORE_MIN` letters and
    :data:`ABBREVIATED_CORE_SHARE` of the core's, and no name of another facility reads as the
    name, abbreviated or not, nor begins with it so read (a name cut short by a form field looks
    abbreviated too): the analogue of the typing-slips rule's margin, measured on the whole
    reference of the metal, not on the candidates."""
    mine = _words(ni, nn)
    core = list(dict.fromkeys(t for t, added, _ in mine if not added))
    if sum(len(t) for t, added, _ in mine if not added) < ABBREVIATED_CORE_MIN:
        return -1
    marked = {t for t, _, mark in mine if mark}
    ptr, by_token = ni.token_rows
    rows = None
    for t, near in zip(core, ni.abbreviation_neighbours(core)):
        # the reference words it may stand for: itself; words it abbreviates, distinctive ones
        # only with its full stop (the alignment reads no others)
        if len(t) < ABBREVIATION_MIN:
            ids = near[:0]
        elif t in marked:
            ids = near
        else:
            ids = np.array([i for i in near.tolist() if ni.token_text[i] in _WEAK_WORDS],
                           dtype=np.int64)
        own = ni.token_id.get(t)
        if own is not None:
            ids = np.append(ids, own)
        found = np.unique(np.concatenate([by_token[ptr[i]:ptr[i + 1]] for i in ids.tolist()])) \
            if len(ids) else ids
        rows = found if rows is None else np.intersect1d(rows, found, assume_unique=True)
        if not len(rows):
            return -1
    if metal:
        rows = rows[ni.metal[rows] == metal]
    read: dict[int, bool] = {}   # facility -> read through abbreviations, enough core kept
    begins: set[int] = set()     # facilities with a name that begins with the name so read
    for r in rows.tolist():
        theirs = ni.norm[r].tokens
        settles = _settles(mine, theirs)
        f = int(ni.fac[r])
        if settles is not None:
            read[f] = read.get(f, False) or settles
        elif _reading(mine, theirs, prefix=True) is not None:
            begins.add(f)
    if len(read) != 1:
        return -1   # no facility's name reads as the name, or several do
    (facility, ok), = read.items()
    # a name cut short reads as the start of a longer name ("Umicore Precious Met" of "Umicore
    # Precious Metals Thailand"): another facility's name beginning so is as good a reading
    return facility if ok and not begins - {facility} else -1


#: A word written with an abbreviation's mark: followed by a full stop ("Spe.", "Chif.Dajin.").
_MARKED = re.compile(r"\b(\w+)\.")   # from a word's start: no rescan of a long word


def _reading(mine: tuple[tuple[str, bool, bool], ...], theirs: tuple[str, ...],
             prefix: bool = False) -> tuple[int, int] | None:
    """How the words of a name read as those of ``theirs`` (an RMI name) in order
    (:func:`abbreviated_facility`; ``prefix``: as the start of ``theirs``): None when they do
    not, else (whether a word is read as an abbreviation, letters of the name read as words of
    the RMI name's core), with an abbreviation if any reading has one, then the most core
    letters. ``mine``: per word of the name, (word, a legal-form word it may add, written with
    an abbreviation's mark). Two states per pair of positions, the best reading with and without
    an abbreviation, so that neither hides the other."""
    m, n = len(mine), len(theirs)
    plain: list[list[int | None]] = [[None] * (n + 1) for _ in range(m + 1)]   # no abbreviation
    short: list[list[int | None]] = [[None] * (n + 1) for _ in range(m + 1)]   # one or more
    plain[m][n] = 0
    for j in range(n - 1, -1, -1):   # the name's words all read: the rest of ``theirs`` dropped
        plain[m][j] = 0 if prefix or (theirs[j] in _WEAK_WORDS and plain[m][j + 1] == 0) \
            else None
    for i in range(m - 1, -1, -1):
        word, added, mark = mine[i]
        for j in range(n, -1, -1):
            p_opts, s_opts = [], []
            if j < n:
                weak_rmi = theirs[j] in _WEAK_WORDS
                kept = 0 if weak_rmi else len(word)
                p_next, s_next = plain[i + 1][j + 1], short[i + 1][j + 1]
                if word == theirs[j]:
                    p_opts.append(None if p_next is None else p_next + kept)
                    s_opts.append(None if s_next is None else s_next + kept)
                elif _stands_for(word, mark, theirs[j]):
                    s_opts += [None if x is None else x + kept for x in (p_next, s_next)]
                if weak_rmi:   # an RMI generic or legal-form word left out
                    p_opts.append(plain[i][j + 1])
                    s_opts.append(short[i][j + 1])
            if added:   # a legal-form word the name adds
                p_opts.append(plain[i + 1][j])
                s_opts.append(short[i + 1][j])
            plain[i][j] = max((x for x in p_opts if x is not None), default=None)
            short[i][j] = max((x for x in s_opts if x is not None), default=None)
    if short[0][0] is not None:
        return 1, short[0][0]
    return None if plain[0][0] is None else (0, plain[0][0])


#: Shortest word of a reported name :func:`missing_words` asks the RMI name to have (a place's
#: words count from :data:`~smelter_match.countries.PLACE_WORD_MIN` letters).
KNOWN_WORD_MIN = 3
#: Shortest word of an RMI name a generic word may be one slip from (:func:`missing_words`):
#: "zinc" is one slip from "inc", "tin" from "jin", "xin" and "tan".
GENERIC_SLIP_MIN = 4


def known_word(ni: NameIndex, token: str, places: bool = True,
               generic: frozenset[str] = GENERIC_WORDS) -> bool:
    """A word a typing slip does not make: a generic word of ``generic`` ("Zinc"), a place's
    (when ``places``: :func:`place_words`, read once per process), or a word RMI writes in a
    name that is not a generic or legal-form word in another spelling ("Jiangsu"; not
    "Metales"). Legal-form words are not: a slip in the form changes nothing."""
    return len(token) >= KNOWN_WORD_MIN and token not in LEGAL_FORM_WORDS and (
        token in generic or (places and token in place_words())
        or (token in ni.token_id and not damaged_weak_word(token)))


def missing_words(ni: NameIndex, tokens: tuple[str, ...] | list[str], row: int,
                  places: bool = True, generic: frozenset[str] = GENERIC_WORDS) -> int:
    """How many of ``tokens`` (a name's words, in order) are words a slip does not make
    (:func:`known_word`, with ``places`` and ``generic``) that name ``row`` lacks.

    A word is there when the RMI name's words, legal form included, run together hold it from
    where one of them begins, as written or with OCR-confusable characters as one class
    ("nonferrous" is in "Non-Ferrous"; "Tin" is not in "Refinery", though "tln" is in its OCR
    class "rctlncry"), or hold it joined to the word before it (a split word: "Yun Nan" is in
    "Yunnan"); a generic word also when one slip from a word of it of :data:`GENERIC_SLIP_MIN`
    letters or more that is no legal-form word ("Metals" for "Metal", "Metais"; "Zinc" is not
    "Inc", nor "Tin" "Tan"). The slips rule asks for none (:func:`_slips`); the query features
    count them, metals the only generic words, for the best candidate
    (``query_features.known_unexplained``)."""
    theirs = ni.norm[row].folded.split()
    as_written, as_folded = _run_together(theirs), _run_together([ocr_fold(w) for w in theirs])
    near = [w for w in theirs if len(w) >= GENERIC_SLIP_MIN and w not in LEGAL_FORM_WORDS]

    def there(text: str) -> bool:
        return _at_word_start(text, *as_written) or _at_word_start(ocr_fold(text), *as_folded)

    found, known = set(), set()
    for i, t in enumerate(tokens):
        if t in known or known_word(ni, t, places, generic):
            known.add(t)
            if there(t) or (i and there(tokens[i - 1] + t)) or (
                    t in GENERIC_WORDS and near and process.extractOne(
                        t, near, scorer=SLIP_DISTANCE, score_cutoff=1) is not None):
                found.add(t)
    return len(known - found)


def _run_together(words: list[str]) -> tuple[str, list[int]]:
    """``words`` run together, and where each of them begins in that text."""
    starts, at = [], 0
    for w in words:
        starts.append(at)
        at += len(w)
    return "".join(words), starts


def _at_word_start(token: str, joined: str, starts: list[int]) -> bool:
    """``token`` is in ``joined`` (:func:`_run_together`), beginning where a word begins."""
    return any(joined.startswith(token, at) for at in starts)


def _slips(ni: NameIndex, nns: list[NormalizedName], metals: list[str | None],
           query: np.ndarray, names: np.ndarray, workers: int) -> np.ndarray:
    """Per (reported name, RMI name row) pair: the name is that RMI name but for a few typing
    slips, no other facility near, and the RMI name's core kept (:func:`same_name`)."""
    allowed = ni.slips_allowed(ni.compact_len[names])
    pairs_of = query.tolist()
    no_metal = np.array([metals[q] is None for q in pairs_of], dtype=bool)
    mine = {}
    for text in SLIP_TEXTS:   # each name's texts once
        of_name = {q: slip_text(nns[q], text) for q in dict.fromkeys(pairs_of)}
        mine[text] = [of_name[q] for q in pairs_of]
    near = np.zeros(len(query), dtype=bool)
    for text in SLIP_TEXTS:
        slips = process.cpdist(mine[text], ni.slip_arr[text][names].tolist(),
                               scorer=SLIP_DISTANCE, score_cutoff=MAX_SLIPS,
                               dtype=np.int32)
        within = np.flatnonzero(slips <= allowed)
        if len(within):   # the gaps of a text are computed the first time one is needed
            gap_metal, gap_any = ni.edit_gaps(text, names[within], workers)
            gap = np.where(no_metal[within], gap_any, gap_metal)
            # the margin in Levenshtein edits, a metric (a swap is two of them)
            edits = process.cpdist([mine[text][i] for i in within.tolist()],
                                   ni.slip_arr[text][names[within]].tolist(),
                                   scorer=Levenshtein.distance, score_cutoff=MAX_SLIPS + 1,
                                   dtype=np.int32)
            near[within[gap >= 2 * edits + 2]] = True
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
                                    scorer=SLIP_DISTANCE, score_cutoff=MAX_SLIPS,
                                    dtype=np.int32)
        kept = np.array([c in compact[i] for c, i in zip(theirs, hit.tolist())], dtype=bool)
        core_ok |= (core_slips <= ni.slips_allowed(core_len)) | kept
    near[hit] = (core_len > 0) & core_ok
    # and every word of the name a slip does not make is in the RMI name (a slip damages a
    # word, it does not make it another one: "Zinc" for "Tin", "Hebei" for "Hubei", "Jiangsu"
    # for "Jiangxi", another metal's, another province's company), and no other facility's
    # name (of the metal; of any with none reported) begins with the name (a name cut short by
    # a form field reads as a few slips from a shorter RMI name: "Eco-System Recyclin" from
    # "Eco-System Recycling" of the East Plant, and is the start of "Eco-System Recycling Co.,
    # Ltd. North Plant")
    for i in np.flatnonzero(near).tolist():
        own = ni.fac[names[i]]
        near[i] = not missing_words(ni, nns[query[i]].tokens, names[i]) and not any(
            (ni.fac[ni.begun_by(text, mine[text][i], metals[query[i]])] != own).any()
            for text in SLIP_TEXTS)
    return near
