"""`tristage breakout fit|scan`: fit the calibrated breakout model on your bars, or screen many tickers."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from stages.atomic import write_text
from stages.cli_exit import fail
from stages.stage import BadInput

breakout_app = typer.Typer(help="Breakout probabilities: fit the calibrated model, scan many tickers.")
out = Console(width=160)
err = Console(stderr=True, soft_wrap=True)

DataOpt = Annotated[Path, typer.Option("--data", help="a long CSV/parquet with a ticker column, or a folder of per-ticker files")]
MaxMbOpt = Annotated[float, typer.Option("--max-mb", min=1, help="largest file read, in MB")]


def _skips(universe: Any) -> None:
    for line in [*universe.skipped[:10], *universe.dropped_rows]:
        err.print(f"skipped: {line}", highlight=False, markup=False)
    if len(universe.skipped) > 10:
        err.print(f"... and {len(universe.skipped) - 10} more skipped tickers", highlight=False)


def score_table(report: dict[str, Any], title: str) -> Table:
    """Each split's scores next to their baselines, overall and per direction."""
    table = Table(title=title)
    for column in ("split", "events", "true", "AUC", "AUC count", "Brier", "base Brier", "acc", "majority", "rule acc",
                   "F1", "F1 always-true"):
        table.add_column(column, justify="left" if column == "split" else "right")
    for split, parts in report["scores"].items():
        rows = [(split, parts["all"])] + [(f"  {split} {d}", s) for d, s in parts["direction"].items()]
        for name, s in rows:
            table.add_row(name, f"{s['n']:,}", f"{s['true_share']:.1%}", f"{s['auc']:.3f}",
                          f"{s['auc_confirmation_count']:.3f}", f"{s['brier']:.4f}", f"{s['brier_base_rate']:.4f}",
                          f"{s['accuracy']:.3f}", f"{s['accuracy_majority']:.3f}", f"{s['accuracy_evidence_rule']:.3f}",
                          f"{s['f1']:.3f}", f"{s['f1_always_true']:.3f}")
    return table


def year_table(report: dict[str, Any]) -> Table:
    table = Table(title="per year (every split)")
    for column in ("split", "year", "events", "AUC", "Brier", "base Brier", "acc", "majority"):
        table.add_column(column, justify="right")
    for split, parts in report["scores"].items():
        for year, s in parts["year"].items():
            table.add_row(split, year, f"{s['n']:,}", f"{s['auc']:.3f}", f"{s['brier']:.4f}",
                          f"{s['brier_base_rate']:.4f}", f"{s['accuracy']:.3f}", f"{s['accuracy_majority']:.3f}")
    return table


@breakout_app.command("fit")
def fit_command(
    data: DataOpt,
    out_dir: Annotated[Path, typer.Option("--out", help="folder for NAME.json (the model) and NAME_calibration.png")],
    name: Annotated[str, typer.Option(help="file name stem of the model")] = "breakout_model",
    validation_start: Annotated[str | None, typer.Option(help="first date of the validation period")] = None,
    test_start: Annotated[str | None, typer.Option(help="first date of the test period (never used to fit)")] = None,
    holdout_share: Annotated[float, typer.Option(min=0, max=0.9, help="share of tickers held out of training")] = 0.2,
    licence: Annotated[str, typer.Option(help="licence of the data, kept in the model's provenance")] = "",
    source: Annotated[str, typer.Option(help="where the data comes from, kept in the provenance")] = "",
    max_mb: MaxMbOpt = 1024,
) -> None:
    """Refit the breakout model on your data, with a report on the periods and tickers kept from it."""
    from assistants.market.breakouts import ScanConfig
    from assistants.market.fit import FitConfig, data_provenance, fit_breakout_model, save_calibration_png
    from assistants.market.universe import load_universe

    scan = ScanConfig()
    command = "tristage breakout " + " ".join(shlex.quote(a) for a in sys.argv[2:]) if "fit" in sys.argv else ""
    try:
        universe = load_universe(data, scan, max_mb)
        _skips(universe)
        provenance = {**data_provenance(data, universe, command), "licence": licence, "source": source}
        model, scored = fit_breakout_model(universe, scan, FitConfig(validation_start=validation_start,
                                           test_start=test_start, holdout_share=holdout_share), provenance)
    except BadInput as exc:
        raise fail(str(exc)) from None
    path = write_text(out_dir / f"{name}.json", model.model_dump_json(exclude_none=True))
    png = save_calibration_png(model, scored, out_dir / f"{name}_calibration.png")
    report = model.report
    out.print(f"chosen on validation: {report['chosen']} (validation AUC {report['chosen_validation_auc']:.3f}; "
              f"candidates {report['candidates_validation_auc']})", highlight=False)
    out.print(f"periods: {report['splits']}", highlight=False)
    out.print(score_table(report, f"{universe.bars:,} bars, {len(universe.frames)} tickers"))
    out.print(year_table(report))
    out.print(f"model: {path}\ncalibration curve: {png}", highlight=False)


@breakout_app.command("scan")
def scan_command(
    data: DataOpt,
    out_file: Annotated[Path, typer.Option("--out", help="events CSV to write")],
    last_bar: Annotated[bool, typer.Option("--last-bar", help="only breakouts on each ticker's last bar, ranked")] = False,
    model_file: Annotated[Path | None, typer.Option("--model", help="a model from `tristage breakout fit`")] = None,
    max_mb: MaxMbOpt = 1024,
) -> None:
    """Score every breakout of every ticker: features, confirmations, probability, call, realised outcome."""
    from assistants.market.screen import last_bar_ranking, score_events, write_csv
    from assistants.market.skill import load_model
    from assistants.market.universe import load_universe

    try:
        model = load_model(model_file)
        universe = load_universe(data, model.scan, max_mb)
    except BadInput as exc:
        raise fail(str(exc)) from None
    _skips(universe)
    events = score_events(universe.frames, model)
    shown = last_bar_ranking(events) if last_bar else events
    write_csv(shown.drop(columns=["last_bar"]), out_file)
    decided = events[events["label"].notna()]
    out.print(f"{len(universe.frames)} tickers scored ({universe.bars:,} bars), {len(universe.skipped)} skipped; "
              f"{len(events):,} breakouts ({len(decided):,} decided by later bars); "
              f"{int(events['last_bar'].sum())} on the last bar; wrote {len(shown):,} rows to {out_file}",
              highlight=False)
    if last_bar:
        for row in shown.head(10).itertuples():
            out.print(f"  {row.ticker} {row.date:%Y-%m-%d} {row.direction} through {row.level:.2f}: "
                      f"P(true) {row.probability:.0%} (base rate {row.base_rate:.0%}), {row.confirmations}/3 "
                      "confirmations", highlight=False)
