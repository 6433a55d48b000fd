"""``smelter-match train`` and ``evaluate``: rebuild the model, measure it on rows it never saw."""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path

from smelter_match._resources import find_recorded, recorded_path
from smelter_match.cli._common import CommonOptions, check_outputs, format_table, get_reference, note, out
from smelter_match.errors import InputError

DEFAULT_GOLD = ("reference_data/gold/dataio_2020.csv",)


def _folds(text: str) -> int:
    """--folds: CID-group folds, 3 to 20 (fewer leave too little to validate on; more only cost)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 3 <= n <= 20:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 3 to 20")
    return n


def add_train_parser(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
    p = sub.add_parser(
        "train", parents=[common.reference, common.output],
        help="rebuild the model deterministically from the reference and labelled rows",
        description="Fit the model (pair and smelter heads) on synthetic queries made from the "
                    "reference and on labelled rows; calibration and thresholds come from "
                    "out-of-fold validation. Takes a few minutes.")
    p.add_argument("--gold", action="append", metavar="CSV",
                   help="hand-labelled gold CSV whose rows join training (repeatable; default: "
                        f"{DEFAULT_GOLD[0]})")
    p.add_argument("--no-gold", action="store_true", help="train without the gold sets")
    p.add_argument("--labels", action="append", metavar="CSV",
                   help="your own labelled rows, e.g. from 'review apply --export-labels' "
                        "(repeatable); they join training, weighted like gold rows")
    p.add_argument("--holdout", type=float, default=0.2, metavar="SHARE",
                   help="share of the --labels rows (whole facilities) kept out of training to "
                        "print the evaluation before and after on them (default 0.2; 0: train "
                        "on all of them, print nothing)")
    p.add_argument("--model", metavar="JSON",
                   help="the model the --labels rows kept out are compared with (default: the "
                        "shipped model); not used without --labels")
    p.add_argument("--kind", choices=("trees", "logistic"), default="trees",
                   help="model class of both heads (default: trees, with monotonic constraints)")
    p.add_argument("--folds", type=_folds, default=5,
                   help="CID-group folds for out-of-fold calibration and thresholds (default 5)")
    p.add_argument("-o", "--output", required=True, metavar="JSON",
                   help="where to write the model (then 'match --model JSON' uses it); no "
                        "default: the shipped model, which every run uses, is "
                        "smelter_match/models/default.json")
    p.set_defaults(func=run_train)


def _gold_frames(paths: list[str], what: str = "gold file"):  # noqa: ANN202 - pandas.DataFrame
    import pandas as pd

    from smelter_match.evaluation import load_gold

    for path in paths:
        if not Path(path).is_file():
            raise InputError(f"{path}: no such {what}")
    frames = [load_gold(p) for p in paths]
    return pd.concat(frames, ignore_index=True) if frames else None


def split_holdout(own, gold, share: float):  # noqa: ANN001, ANN201 - pandas.DataFrame or None
    """(the user's labelled rows kept out of training, every row that trains) for ``train
    --holdout``: whole facilities (``group``) are kept out, chosen by a hash of the group (the
    same rows every run, whatever the file's order), and so are their gold rows; ``share`` 0
    keeps nothing out."""
    import zlib

    import pandas as pd

    held = None
    if own is not None and share > 0:
        cut = [zlib.crc32(str(g).encode()) % 1000 < share * 1000 for g in own["group"]]
        held, own = own[cut].reset_index(drop=True), own[[not c for c in cut]]
    if held is not None and len(held) and gold is not None:
        # the kept-out facilities stay out of training whole: their gold rows too
        gold = gold[~gold["group"].isin(set(held["group"]))]
    frames = [f for f in (gold, own) if f is not None and len(f)]
    return held, (pd.concat(frames, ignore_index=True) if frames else None)


def run_train(args: argparse.Namespace) -> int:
    import pandas as pd

    from smelter_match.classify import Model
    from smelter_match.evaluation import metrics, score_gold, unknown_label_cids
    from smelter_match.matcher import Matcher
    from smelter_match.training import train

    # (the shipped gold set by its place in the package's data: found from any folder)
    golds = [] if args.no_gold else list(args.gold or [str(find_recorded(p) or p)
                                                       for p in DEFAULT_GOLD])
    check_outputs({"model": args.output}, inputs=[*golds, *(args.labels or [])],
                  kept=getattr(args, "reference", None) or ())
    if not 0 <= args.holdout < 1:
        raise InputError("--holdout must be a share from 0 to below 1")
    reference = get_reference(args)
    own, gold = _gold_frames(list(args.labels or []), "labels file"), _gold_frames(golds)
    for frame, where in ((own, "--labels"), (gold, "--gold")):
        if frame is not None and (warning := unknown_label_cids(frame, reference, where)):
            note(args, f"train: {warning}")
    held, labels = split_holdout(own, gold, args.holdout)
    if args.model and held is None:   # (said once the files are read, before the minutes)
        note(args, "--model names the model the --labels rows kept out (--holdout) are compared "
                   f"with: {'with --holdout 0' if own is not None else 'without --labels'} it "
                   "does nothing")
    before = None
    if held is not None and len(held):
        before = metrics(score_gold(Matcher(reference, Model.load(args.model)), held))
    elif held is not None:
        note(args, f"train: --holdout {args.holdout:g} keeps none of your {len(own)} labelled "
                   "rows out (the share is of whole facilities): no before/after table")
    model = train(reference, labels, args.output, kind=args.kind, folds=args.folds,
                  log=lambda s: note(args, f"train: {s}"),
                  sources=[recorded_path(p) for p in [*golds, *(args.labels or [])]])
    if before is not None:
        after = metrics(score_gold(Matcher(reference, model), held))
        keys = ("rows", "top1_accuracy", "auto_decisions_right", "automation_rate",
                "matchable_no_match_rate", "no_match_recall")
        out(f"On {len(held)} of your labelled rows kept out of this training (with every "
            "labelled and gold row of their facilities; the facilities' RMI names still give "
            "synthetic training queries, unlike evaluate --heldout's folds); 'before' is "
            f"{args.model or 'the shipped model'}, whose training may have included them (the "
            "shipped model's: every Data I/O gold row):")
        out(format_table(pd.DataFrame([{"model": "before", **{k: _fmt(before[k]) for k in keys}},
                                       {"model": "after", **{k: _fmt(after[k]) for k in keys}}])))
    t = model.thresholds
    out(f"model written to {args.output}: match when score >= {t.match:.3f} and smelter_score "
        f">= {t.smelter_match:.3f}; no_match when smelter_score < {t.no_match:.3f}, "
        f"< {t.no_match_kind:.3f} with a word of a non-smelter business, "
        f"< {t.no_match_implausible:.3f} with no plausible candidate (score < {t.implausible:.2f}), "
        f"or < {t.no_match_unrelated:.3f} when the best candidate explains none of the name's own "
        "words (its words that are not generic; the name is not its acronym)")
    seen = model.metadata.get("exact_lookup_rows", {})
    if model.exact is not None and seen:
        out(f"exact names decided by lookup: {seen['right']:,} of {seen['settled']:,} validation "
            f"names it settled were right (score {model.exact.score:.4f}, smelter_score "
            f"{model.exact.smelter_score:.4f})")
    return 0


def _fmt(v: object) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def add_evaluate_parser(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
    p = sub.add_parser(
        "evaluate", parents=[common.reference, common.output],
        help="measure accuracy on labelled rows the model never saw",
        description="Either score a gold CSV with a fixed model (one the model was not trained "
                    "on), or, with --heldout, run the whole held-out protocol: a model per "
                    "CID-group fold, one noise family left out of training, figures per noise "
                    "family, for names that are not RMI facilities and for the gold sets.")
    p.add_argument("gold", nargs="?", help="gold CSV to score with a fixed model")
    p.add_argument("--model", help="model JSON (default: the shipped model)")
    p.add_argument("--heldout", action="store_true",
                   help="the held-out protocol (retrains per fold; ~10 minutes on 2 cores)")
    p.add_argument("--heldout-gold", action="append", metavar="CSV",
                   help="gold CSVs scored in the held-out protocol (default: both shipped sets)")
    p.add_argument("--train-gold", default="dataio_2020", metavar="NAME",
                   help="which of them joins training, by file stem (default dataio_2020; "
                        "'' for none)")
    p.add_argument("--held-out-family", default="ocr", metavar="FAMILY",
                   help="noise family left out of training (default ocr)")
    p.add_argument("--kind", choices=("trees", "logistic"), default="trees",
                   help="model class for --heldout (default trees)")
    p.add_argument("--folds", type=_folds, default=5, help="CID-group folds (default 5)")
    p.add_argument("--unchecked", action="store_true",
                   help="score even when the model's training label files are not here (the "
                        "report then says its figures may count rows it was trained on)")
    p.add_argument("--out", default="benchmarks/results",
                   help="folder for the JSON / Markdown / CSV / PNG reports")
    p.set_defaults(func=run_evaluate)


def _out_folder(out: str) -> Path:
    """The --out folder, checked before the evaluation's work, not after it: a path that is,
    or is under, a file cannot be the folder of the reports."""
    folder = Path(out)
    there = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if there is not None and not there.is_dir():
        raise InputError(f"--out {out}: " + ("is a file, not a folder" if there == folder else
                                             f"{there} is a file, not a folder")
                         + "; the reports are written into a folder")
    return folder


def run_evaluate(args: argparse.Namespace) -> int:
    if args.heldout:
        return _run_heldout(args)
    from smelter_match.classify import Model
    from smelter_match.evaluation import evaluate_model, write_evaluation
    from smelter_match.matcher import Matcher

    if not args.gold:
        raise InputError("give a gold CSV to score, or --heldout")
    if not Path(args.gold).is_file():
        raise InputError(f"{args.gold}: no such gold file")
    folder = _out_folder(args.out)
    ref = get_reference(args)
    model = Model.load(args.model)
    # the rows it was trained on are compared by name and metal, not by file name
    result = evaluate_model(Matcher(ref, model), args.gold,
                            model_name=f"the model {args.model}" if args.model else
                            "the shipped model",
                            trained_with=[str(p) for p in model.metadata.get(
                                "trained_with", {}).get("labels", [])],
                            unchecked=args.unchecked)
    out(write_evaluation(result, f"Evaluation on {Path(args.gold).name}",
                         str(folder / f"evaluation_{Path(args.gold).stem}")))
    return 0


def _run_heldout(args: argparse.Namespace) -> int:
    from smelter_match.evaluation import load_gold
    from smelter_match.io.safe_csv import replaced_whole, write_csv
    from smelter_match.noise import FAMILIES
    from smelter_match.transfer import (
        REPORT_COLUMNS,
        heldout_evaluation,
        reliability_png,
        report_markdown,
        summary,
    )

    if args.held_out_family not in FAMILIES:
        raise InputError(f"--held-out-family {args.held_out_family!r} is not one of "
                         f"{', '.join(FAMILIES)}")
    paths = args.heldout_gold or [  # (the shipped sets, found from any folder)
        str(find_recorded(f"reference_data/gold/{n}.csv") or f"reference_data/gold/{n}.csv")
        for n in ("dataio_2020", "inogen_2020")]
    for path in paths:
        if not Path(path).is_file():
            raise InputError(f"{path}: no such gold file")
    if args.train_gold and args.train_gold not in {Path(p).stem for p in paths}:
        raise InputError(f"--train-gold {args.train_gold!r} is not the name of one of the gold "
                         f"files ({', '.join(Path(p).stem for p in paths)}); '' for none")
    folder = _out_folder(args.out)
    gold = {Path(p).stem: load_gold(p) for p in paths}
    reference = get_reference(args)
    folder.mkdir(parents=True, exist_ok=True)
    scored = heldout_evaluation(reference, gold, train_gold=args.train_gold,
                                held_out=args.held_out_family, kind=args.kind, folds=args.folds,
                                log=lambda s: note(args, f"evaluate: {s}"))
    table = summary(scored)
    stem = f"heldout_{args.kind}"
    md = report_markdown(table, args.held_out_family,
                         f"{args.kind}, {args.folds} CID-group folds, "
                         f"`{args.held_out_family}` held out")
    payload = {"kind": args.kind, "folds": args.folds, "held_out_family": args.held_out_family,
               "sets": {r["set"]: {c: r[c] for c in REPORT_COLUMNS}
                        for r in table.to_dict("records")}}
    # wrong automatic decisions on the gold sets (synthetic rows are made from RMI's names, which
    # are not the project's to publish)
    wrong = scored[scored["set"].str.startswith("gold:") & (
        ((scored["decision"] == "match") & ~(scored["matchable"] & scored["best_correct"]))
        | ((scored["decision"] == "no_match") & scored["matchable"]))]
    # whole files, put in place together: an interrupted run leaves the old report or the new
    with contextlib.ExitStack() as together:
        def to(name: str) -> Path:
            return together.enter_context(replaced_whole(folder / name))

        to(f"{stem}.md").write_text(md, encoding="utf-8")
        to(f"{stem}.json").write_text(json.dumps(payload, indent=1, default=float) + "\n",
                                      encoding="utf-8")
        write_csv(wrong.drop(columns=["candidates"]), to(f"{stem}_errors.csv"))
        try:
            reliability_png(scored, str(to(f"reliability_{args.kind}.png")),
                            args.held_out_family)
        except ImportError:
            note(args, "evaluate: matplotlib is not installed; no reliability diagram")
    out(md)
    return 0
