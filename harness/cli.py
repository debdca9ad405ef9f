"""`boardtwin` command line."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from harness.errors import BoardtwinError

console = Console(stderr=True)


def _out() -> Console:
    # Rich wraps to 80 columns when stdout is not a terminal; tables of figures need more.
    return Console() if sys.stdout.isatty() else Console(width=200)
BOARD = click.Choice(["f413", "f769"])
KERNEL_SET = click.Choice(["ref", "dsp"])


def clear_errors(fn):
    """Every BoardtwinError ends the command with one line and its own exit code."""
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        try:
            return fn(*a, **kw)
        except BoardtwinError as exc:
            click.echo(f"boardtwin: error: {exc}", err=True)
            sys.exit(exc.exit_code)
    return wrapper


@click.group()
@click.version_option(package_name="boardtwin")
def main():
    """Evaluate TinyML firmware on emulated and physical STM32 boards."""


@main.command()
@click.option("--board", type=BOARD, default="f413", show_default=True)
@click.option("--model", default="hello_world", show_default=True,
              help="example name (hello_world, ...) or path to any .tflite")
@click.option("--kernels", type=KERNEL_SET, default="ref", show_default=True,
              help="ref = CMSIS_NN=OFF, dsp = CMSIS_NN=ON")
@click.option("--target", default="emulated", show_default=True)
@click.option("--models", "models_dir", type=click.Path(path_type=Path), default=None,
              help="local model directory (default $BOARDTWIN_MODELS or ../shared/models)")
@click.option("--iterations", type=int, default=None)
@click.option("--db", type=click.Path(path_type=Path), default=Path("results/boardtwin.db"),
              show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print the record as JSON")
@click.option("--show-log", is_flag=True, help="echo the firmware's console lines")
@click.option("--check", is_flag=True,
              help="any .tflite: run it on inputs (random or --input) and compare every output "
                   "byte with the tflite-micro wheel; prints 'bit-exact: yes/no'")
@click.option("--seed", type=int, default=0, show_default=True, help="--check: random input seed")
@click.option("--inputs", "n_inputs", type=int, default=3, show_default=True,
              help="--check: number of random input records")
@click.option("--input", "input_file", type=click.Path(path_type=Path), default=None,
              help="--check: given inputs (.npy, or .npz with one array per model input)")
@clear_errors
def run(board, model, kernels, target, models_dir, iterations, db, as_json, show_log,
        check, seed, n_inputs, input_file):
    """Build, run and measure one model on one board."""
    from harness.run import RunFailed, evaluate
    from harness.store import Store
    if check:
        _run_check(board, model, kernels, target, models_dir, seed, n_inputs, input_file,
                   as_json, show_log)
        return
    store = Store(db)
    on_line = (lambda s: click.echo(s)) if show_log else None
    try:
        rec = evaluate(board, model, kernels=kernels, target=target, models_dir=models_dir,
                       iterations=iterations, on_line=on_line)
    except RunFailed as exc:
        store.add(exc.record, status="failed", error=str(exc))
        raise
    store.add(rec)
    if as_json:
        click.echo(json.dumps({k: v for k, v in rec.items() if k != "log"}, indent=2, default=str))
    else:
        _print_record(rec)


def _run_check(board, model, kernels, target, models_dir, seed, n_inputs, input_file,
               as_json, show_log) -> None:
    from harness import anymodel, examples
    from harness.errors import InputError
    _, model_path = examples.resolve(model, models_dir)
    if model_path.suffix != ".tflite":
        raise InputError(f"{model_path}: --check needs a .tflite model")
    records = anymodel.load_inputs(model_path, input_file) if input_file else None
    on_line = (lambda s: click.echo(s)) if show_log else None
    res = anymodel.check_model(board, model_path, kernels=kernels, seed=seed, n_inputs=n_inputs,
                               records=records, target=target, on_line=on_line)
    rec = res["record"]
    if as_json:
        click.echo(json.dumps(dict(bit_exact=res["bit_exact"], outputs_checked=res["outputs_checked"],
                                   mismatches=res["mismatches"],
                                   **{k: v for k, v in rec.items() if k != "log"}),
                              indent=2, default=str))
    else:
        arena = rec["arena"]
        click.echo(f"{model_path.name} on {board} ({kernels}, {rec['target']}): "
                   f"{rec['preds']} inference(s), arena {arena.get('total')} B "
                   f"(head {arena.get('head')} + tail {arena.get('tail')}), "
                   f"Invoke {rec['invoke_cycles_avg']} cycles avg")
        for m in res["mismatches"][:5]:
            click.echo(f"  iteration {m['iteration']} output {m['output']}: first differing byte "
                       f"{m['first_byte']}")
        for e in rec["errors"]:
            click.echo(f"  firmware: {e}")
        click.echo(f"bit-exact: {'yes' if res['bit_exact'] else 'no'} "
                   f"({res['outputs_checked']} output tensors compared with tflite-micro)")
    if not res["bit_exact"]:
        sys.exit(1)


def _print_record(rec: dict) -> None:
    t = Table(title=f"{rec['example']} on {rec['board']} ({rec['kernels']}, {rec['target']})")
    t.add_column("figure")
    t.add_column("value", justify="right")
    rows = [("model size", f"{rec['model_bytes']:,} B"),
            ("arena head + tail", f"{rec['arena_head']} + {rec['arena_tail']} = {rec['arena_total']} B"),
            ("image flash / RAM", f"{rec['image_flash']:,} / {rec['image_ram']:,} B"),
            ("stack peak", f"{rec['stack_peak']} B"),
            ("core clock", f"{rec['core_hz'] / 1e6:.1f} MHz")]
    for phase in ("populate", "invoke", "respond"):
        c = [rec.get(f"{phase}_cycles_{s}") for s in ("cur", "min", "max", "avg")]
        ms = rec.get(f"{phase}_ms_avg")
        rows.append((f"{phase.capitalize()} cycles cur/min/max/avg",
                     "/".join(str(x) for x in c) + (f"  ({ms:.4f} ms)" if ms is not None else "")))
    rows.append(("predictions vs tflite-micro",
                 f"{rec['preds_matching']}/{rec['preds_checked']} bit-exact" if rec.get("preds_checked")
                 else "not compared (use --check)"))
    for k, v in rows:
        t.add_row(k, v)
    _out().print(t)


@main.command()
@click.argument("elf", type=click.Path(path_type=Path))
@click.option("--board", type=BOARD, required=True)
@click.option("--max-cycles", type=int, default=20_000_000_000, show_default=True)
@click.option("--profile", is_flag=True)
@click.option("--trace", is_flag=True)
@click.option("--pty", "use_pty", is_flag=True,
              help="serve the UART on a pseudo-terminal (path printed on stderr), like a board's VCP")
@click.option("--inject-garbage", type=int, default=0, help="with --pty: noise before every Nth line")
@click.option("--split-lines", is_flag=True, help="with --pty: write each line in two parts")
@click.option("--disconnect-after", type=int, default=0, help="with --pty: drop the link after N lines")
@click.option("--pty-wait", type=float, default=0.0,
              help="with --pty: seconds to wait for a reader before the firmware starts")
@clear_errors
def emulate(elf, board, max_cycles, profile, trace, use_pty, inject_garbage, split_lines,
            disconnect_after, pty_wait):
    """Run an ELF on the emulated board; UART on stdout; exit code = the firmware's."""
    if use_pty:
        import time
        from harness.targets.ptyserve import Faults, serve

        def ready(path):
            click.echo(f"pty: {path}", err=True)
            time.sleep(pty_wait)
        info = serve(elf, board, max_cycles=max_cycles, ready=ready,
                     faults=Faults(garbage_every=inject_garbage, split_lines=split_lines,
                                   disconnect_after=disconnect_after))
        console.print(f"[dim]{info['lines']} lines served, {info['injected']} faults injected[/]")
        sys.exit(info["exit_code"] or 0)
    from harness.emulate import emulate as _emulate
    res = _emulate(elf, board, max_cycles=max_cycles, on_line=click.echo, profile=profile, trace=trace)
    console.print(f"[dim]{res.stop_reason}: {res.instructions:,} instructions, "
                  f"{res.cycles:,} cycles at {res.core_hz / 1e6:.1f} MHz, {res.wall_s:.2f} s wall[/]")
    sys.exit(res.exit_code or 0)


@main.command()
@click.option("--board", "boards", type=BOARD, multiple=True, default=["f413", "f769"], show_default=True)
@click.option("--model", "models", multiple=True, default=None, help="examples (default: all)")
@click.option("--kernels", "kernel_sets", type=KERNEL_SET, multiple=True, default=["ref", "dsp"],
              show_default=True)
@click.option("--target", default="emulated", show_default=True)
@click.option("--models", "models_dir", type=click.Path(path_type=Path), default=None)
@click.option("--jobs", type=int, default=2, show_default=True)
@click.option("--db", type=click.Path(path_type=Path), default=Path("results/boardtwin.db"),
              show_default=True)
@click.option("--force", is_flag=True, help="re-run combinations already measured with the same inputs")
@clear_errors
def matrix(boards, models, kernel_sets, target, models_dir, jobs, db, force):
    """Run board x model x kernel set, storing every result; skips what is already measured."""
    from harness.matrix import run_matrix
    failed = run_matrix(boards=boards, models=models or None, kernel_sets=kernel_sets, target=target,
                        models_dir=models_dir, jobs=jobs, db=db, force=force)
    if failed:
        sys.exit(1)


@main.command()
@click.option("--db", type=click.Path(path_type=Path), default=Path("results/boardtwin.db"),
              show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=Path("reports"), show_default=True)
@clear_errors
def report(db, out):
    """Write reports/report.md and report.html (with charts) from the stored measurements."""
    from harness.errors import InputError
    from harness.report import write_html, write_markdown
    from harness.store import Store
    if not Path(db).is_file():
        raise InputError(f"{db}: no results store yet; run `boardtwin matrix` or `boardtwin run` first")
    df = Store(db).frame()
    if df.empty:
        raise InputError(f"{db}: no successful runs stored; nothing to report")
    path = write_markdown(df, Path(out))
    html = write_html(df, Path(out))
    click.echo(path.read_text())
    console.print(f"[green]wrote {path} and {html}[/]")


@main.group()
def bench():
    """Benchmarks that print figures (speed, memory, robustness targets)."""


def _emit(rows, as_json: bool, text: str) -> None:
    click.echo(json.dumps(rows, indent=2, default=str) if as_json else text)


@bench.command("matrix")
@click.option("--models", "models_dir", type=click.Path(path_type=Path), default=None)
@click.option("--jobs", type=int, default=2, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@clear_errors
def bench_matrix(models_dir, jobs, as_json):
    """Wall time of the full emulated matrix (all examples x F413/F769 x ref/dsp) from scratch
    of the store (builds are cached as usual)."""
    import tempfile
    import time
    from harness.matrix import run_matrix
    from harness.examples import EXAMPLES
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        failed = run_matrix(boards=("f413", "f769"), kernel_sets=("ref", "dsp"), models_dir=models_dir,
                            jobs=jobs, db=Path(tmp) / "bench.db", force=True)
        wall = time.perf_counter() - t0
    runs = len(EXAMPLES) * 4
    row = dict(runs=runs, wall_s=round(wall, 1), failed=len(failed))
    _emit(row, as_json, f"matrix: {runs} runs in {wall:.1f} s wall, {len(failed)} failed")
    if failed:
        sys.exit(1)


@bench.command("emulator")
@click.option("--board", "boards", type=BOARD, multiple=True, default=["f413", "f769"], show_default=True)
@click.option("--models", "models_dir", type=click.Path(path_type=Path), default=None)
@click.option("--repeat", type=int, default=5, show_default=True, help="best of N runs (each side)")
@click.option("--json", "as_json", is_flag=True)
@clear_errors
def bench_emulator_cmd(boards, models_dir, repeat, as_json):
    """Emulator speed on a fixed inference workload, against unicorn with no cycle hook."""
    from harness.bench_emulator import bench_emulator, format_rows
    rows = bench_emulator(boards=boards, models_dir=models_dir, repeat=repeat)
    _emit(rows, as_json, format_rows(rows))


@bench.command("kernels")
@click.option("--board", "boards", type=BOARD, multiple=True, default=["f413", "f769"], show_default=True)
@click.option("--model", "models", multiple=True, default=None,
              help="micro_speech, mnist_cnn, person_detect, ds_cnn (default: all)")
@click.option("--models", "models_dir", type=click.Path(path_type=Path), default=None)
@click.option("--jobs", type=int, default=2, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--per-op/--no-per-op", default=True, show_default=True)
@clear_errors
def bench_kernels_cmd(boards, models, models_dir, jobs, as_json, per_op):
    """Invoke cycles, reference vs DSP kernels (CMSIS_NN=OFF/ON), per model and per op."""
    from harness.bench_kernels import DEFAULT_MODELS, bench_kernels, format_rows
    rows = bench_kernels(boards=boards, models=models or DEFAULT_MODELS, jobs=jobs, models_dir=models_dir)
    slim = [{k: r[k] for k in ("model", "board", "ref_cycles", "dsp_cycles", "speedup_pct", "bit_exact")}
            for r in rows]
    _emit(slim, as_json, format_rows(rows, per_op_detail=per_op))
    if any(r["error"] or r["bit_exact"] is not True for r in rows):
        sys.exit(1)


@bench.command("runtime")
@click.option("--board", "boards", type=BOARD, multiple=True, default=["f413", "f769"], show_default=True)
@click.option("--model", "models", multiple=True, type=click.Path(path_type=Path), default=None,
              help=".tflite path (repeatable; default: every model in --models + the repo's MNIST CNN)")
@click.option("--models", "models_dir", type=click.Path(path_type=Path), default=None)
@click.option("--jobs", type=int, default=2, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@clear_errors
def bench_runtime_cmd(boards, models, models_dir, jobs, as_json):
    """Arena (ours vs TFLM), runtime footprint, Invoke cycles and bit-exactness per model."""
    from harness import models as model_store
    from harness.bench_runtime import bench_runtime, default_models, format_rows
    from harness.errors import InputError
    mdir = models_dir or model_store.default_models_dir()
    if not models and (mdir is None or not Path(mdir).is_dir()):
        raise InputError(f"--models {mdir or '(unset)'}: no model directory; pass --models DIR "
                         "or set BOARDTWIN_MODELS")
    paths = list(models) or default_models(Path(mdir))
    rows = bench_runtime(paths, boards=boards, jobs=jobs)
    slim = [{k: r.get(k) for k in ("model", "board", "arena_bytes", "tflm_arena_bytes", "flash_bytes",
                                   "sram_bytes", "invoke_cycles", "bit_exact")} for r in rows]
    _emit(slim, as_json, format_rows(rows))
    if any(r.get("error") or not r["bit_exact"] for r in rows):
        sys.exit(1)


@bench.command("fuzz")
@click.option("--mutants", type=int, default=10000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--jobs", type=int, default=2, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@clear_errors
def bench_fuzz(mutants, seed, jobs, as_json):
    """Mutated models through the model reader + interpreter under ASan/UBSan."""
    from harness.fuzz import run_fuzz
    r = run_fuzz(mutants=mutants, seed=seed, jobs=jobs)
    row = {k: r[k] for k in ("mutants", "crashes", "hangs", "clear_errors", "ok", "wall_s")}
    _emit(row, as_json, "fuzz: " + ", ".join(f"{k} {v}" for k, v in row.items())
          + (f"\ncrash inputs saved in {r['crash_dir']}" if r["crashes"] or r["hangs"] else ""))
    if r["crashes"] or r["hangs"]:
        sys.exit(1)


@main.command()
@click.argument("a")
@click.argument("b")
@click.option("--db", type=click.Path(path_type=Path), default=Path("results/boardtwin.db"),
              show_default=True, help="store to look run ids up in")
@click.option("--threshold", type=float, default=5.0, show_default=True,
              help="allowed increase in percent before a figure counts as a regression")
@clear_errors
def compare(a, b, db, threshold):
    """Compare two stores (latest runs) or two run ids; exit 1 on a regression."""
    from harness.compare import compare as _compare, load_side
    from harness.errors import InputError
    t = _compare(load_side(a, db), load_side(b, db), threshold)
    if t.empty:
        raise InputError(f"{a} and {b} have no run in common to compare")
    _out().print(_df_table(t, f"{a} -> {b} (threshold {threshold}%)"))
    bad = t[t.regression]
    if not bad.empty:
        click.echo(f"boardtwin: regression: {len(bad)} figure(s) grew by more than {threshold}%: "
                   + ", ".join(f"{r.run} {r.figure} {r.change_pct:+.1f}%" for r in bad.itertuples()),
                   err=True)
        sys.exit(1)


@main.command()
@click.option("--db", type=click.Path(path_type=Path), default=Path("results/boardtwin.db"),
              show_default=True)
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), default=None)
@click.option("--parquet", "parquet_path", type=click.Path(path_type=Path), default=None)
@click.option("--all", "all_runs", is_flag=True, help="every run, not only the latest per key")
@clear_errors
def export(db, csv_path, parquet_path, all_runs):
    """Export stored runs as CSV and/or Parquet (pandas)."""
    from harness.errors import InputError
    from harness.store import Store
    if not Path(db).is_file():
        raise InputError(f"{db}: no results store yet")
    if not (csv_path or parquet_path):
        raise InputError("export: give --csv FILE and/or --parquet FILE")
    df = Store(db).frame(latest=not all_runs, status=None).drop(columns=["log"], errors="ignore")
    # Nested fields (per-op profile) become JSON text so both formats take them.
    for c in df.columns:
        if df[c].map(lambda v: isinstance(v, (list, dict))).any():
            df[c] = df[c].map(lambda v: json.dumps(v) if isinstance(v, (list, dict)) else v)
    if csv_path:
        df.to_csv(csv_path, index=False)
    if parquet_path:
        df.to_parquet(parquet_path, index=False)
    click.echo(f"exported {len(df)} runs")


@main.command()
@click.option("--measured", "measured_csv", type=click.Path(path_type=Path), multiple=True,
              help="CSV of hardware figures (default: the seed's, harness/data/measured/seed-notes.csv)")
@click.option("--db", type=click.Path(path_type=Path), default=Path("results/boardtwin.db"),
              show_default=True)
@click.option("--apply", "apply_fit", is_flag=True, help="predict hardware ms for every stored run")
@click.option("--csv", "out_csv", type=click.Path(path_type=Path), default=None,
              help="also write the paired rows to this CSV")
@clear_errors
def reconcile(measured_csv, db, apply_fit, out_csv):
    """Emulated vs measured figures: error %, per-board calibration fit, outliers."""
    import pandas as pd
    from harness import reconcile as rc
    from harness.errors import InputError
    from harness.store import Store
    if not Path(db).is_file():
        raise InputError(f"{db}: no results store yet; run `boardtwin matrix` first")
    runs = Store(db).frame()
    emulated = runs[runs.target == "emulated"] if not runs.empty else runs
    measured = pd.concat([rc.load_measured(p) for p in (measured_csv or [rc.SEED_CSV])])
    hw = runs[runs.target == "serial"] if not runs.empty else runs
    if not hw.empty:  # physical-board runs in the store count as measurements too
        measured = pd.concat([measured, rc.measured_from_runs(hw)])
    pairs = rc.pair(emulated, measured)
    if pairs.empty:
        raise InputError("no measured figure has an emulated counterpart in the store "
                         "(same example, board and kernel set)")
    out = _out()
    out.print(_df_table(pairs.drop(columns=["run_id"]), "emulated vs measured (ms)"))
    fits = rc.calibrate(pairs)
    out.print(_df_table(fits, "calibration: measured = a·emulated + b"))
    if apply_fit:
        out.print(_df_table(rc.apply_calibration(emulated, fits), "predicted hardware figures"))
    if out_csv:
        pairs.to_csv(out_csv, index=False)


def _df_table(df, title: str) -> Table:
    t = Table(title=title)
    for c in df.columns:
        t.add_column(str(c), justify="left" if df[c].dtype == object else "right")
    for row in df.itertuples(index=False):
        t.add_row(*[f"{v:,.3f}" if isinstance(v, float) else str(v) for v in row])
    return t


@main.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@clear_errors
def analyse(model, as_json):
    """Operators, per-layer MACs/FLOPs, parameters and tensor sizes of a .tflite model."""
    from harness.analyse import analyse as _analyse
    from harness.errors import InputError
    if not Path(model).is_file():
        raise InputError(f"{model}: model file does not exist")
    a = _analyse(model)
    if as_json:
        click.echo(json.dumps(a, indent=2))
        return
    t = Table(title=f"{Path(model).name}: {a['bytes']:,} B, {a['macs']:,} MACs, {a['flops']:,} FLOPs, "
                    f"{a['params']:,} parameters")
    for c in ("#", "operator", "output shape", "MACs", "FLOPs", "params"):
        t.add_column(c, justify="right" if c in ("#", "MACs", "FLOPs", "params") else "left")
    for o in a["operators"]:
        t.add_row(str(o["index"]), o["op"], "×".join(map(str, o["outputs"][0] or [])) if o["outputs"] else "",
                  f"{o['macs']:,}", f"{o['flops']:,}", f"{o['params']:,}")
    _out().print(t)


if __name__ == "__main__":
    main()
