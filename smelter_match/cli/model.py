"""``smelter-match train`` and ``evaluate``: rebuild the classifier, measure it on gold rows."""

from __future__ import annotations

import argparse
from pathlib import Path

from smelter_match.cli._common import CommonOptions, get_reference, out
from smelter_match.errors import InputError


def add_train_parser(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
    p = sub.add_parser("train", parents=[common.reference, common.output],
                       help="rebuild the classifier deterministically")
    p.add_argument("--gold", default="reference_data/gold/dataio_2020.csv",
                   help="gold CSV whose rows join the synthetic training pairs")
    p.add_argument("-o", "--output",
                   default=str(Path(__file__).resolve().parent.parent / "models" / "default.json"))
    p.set_defaults(func=run_train)


def run_train(args: argparse.Namespace) -> int:
    from smelter_match.training import train

    model = train(get_reference(args), args.gold or None, args.output)
    out(f"model written to {args.output}: match >= {model.match_threshold:.4f}, "
        f"review >= {model.review_threshold:.4f}")
    return 0


def add_evaluate_parser(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
    p = sub.add_parser("evaluate", parents=[common.reference, common.output],
                       help="measure accuracy on a hand-labelled gold CSV")
    p.add_argument("gold")
    p.add_argument("--cv", action="store_true",
                   help="nested cross-validation (retrains per fold): required for gold rows the "
                        "shipped model was trained on")
    p.add_argument("--out", default="benchmarks/results", help="folder for JSON/Markdown/errors")
    p.add_argument("--model", help="model JSON (default: the shipped model)")
    p.set_defaults(func=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    from smelter_match.classify import Model
    from smelter_match.evaluation import evaluate_model, write_evaluation
    from smelter_match.matcher import Matcher
    from smelter_match.training import evaluate_cv

    if not Path(args.gold).is_file():
        raise InputError(f"{args.gold}: no such gold file")
    ref = get_reference(args)
    model = Model.load(args.model)
    trained_on = Path(str(model.metadata.get("trained_with", {}).get("gold", ""))).name
    if not args.cv and trained_on and trained_on == Path(args.gold).name:
        raise InputError(f"the model was trained on {trained_on}; use --cv for an honest figure")
    result = evaluate_cv(ref, args.gold) if args.cv else evaluate_model(Matcher(ref, model), args.gold)
    stem = Path(args.gold).stem + ("_cv" if args.cv else "")
    out(write_evaluation(result, f"Evaluation on {Path(args.gold).name}",
                         str(Path(args.out) / f"evaluation_{stem}")))
    return 0
