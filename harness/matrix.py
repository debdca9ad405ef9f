"""board x model x kernel set x target sweeps.

Jobs go through a concurrent.futures executor; only the parent writes to the store, one
transaction per finished run, so a killed sweep keeps everything that finished. The
executor is the seam for bigger sweeps: a `dask.distributed.Client` or Ray's
`ray.util.multiprocessing.Pool` offers the same submit/as_completed shape (see docs/).
"""

from __future__ import annotations

import itertools
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from harness.examples import EXAMPLES
from harness.store import Store

console = Console(stderr=True)


def _job(board, model, kernels, target, models_dir):
    from harness.run import RunFailed, evaluate
    from harness.errors import BoardtwinError
    try:
        return "ok", evaluate(board, model, kernels=kernels, target=target, models_dir=models_dir), None
    except RunFailed as exc:
        return "failed", exc.record, str(exc)
    except BoardtwinError as exc:
        return "failed", dict(example=model, board=board, kernels=kernels, target=target), str(exc)
    except Exception as exc:  # an emulator bug must not take the rest of the matrix down
        return "failed", dict(example=model, board=board, kernels=kernels, target=target), \
            f"{type(exc).__name__}: {exc}"


def run_matrix(*, boards, models=None, kernel_sets=("ref",), target="emulated",
               models_dir: Path | None = None, jobs: int = 2, db: Path = Path("results/boardtwin.db"),
               force: bool = False):
    """Run every combination not already stored with the same fingerprint; returns failures."""
    from harness.run import fingerprint_for
    store = Store(db)
    combos = []
    for m, b, k in itertools.product(models or list(EXAMPLES), boards, kernel_sets):
        if not force and store.has_ok(fingerprint_for(b, m, kernels=k, target=target,
                                                      models_dir=models_dir)):
            console.print(f"[dim]up to date: {m} {b} {k}[/]")
            continue
        combos.append((m, b, k))
    failed = []
    cols = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*cols, console=console) as progress, ProcessPoolExecutor(max_workers=jobs) as pool:
        task = progress.add_task("matrix", total=len(combos))
        futs = {pool.submit(_job, b, m, k, target, models_dir): (m, b, k) for m, b, k in combos}
        for fut in as_completed(futs):
            m, b, k = futs[fut]
            status, rec, err = fut.result()
            store.add(rec, status=status, error=err)
            if status == "ok":
                progress.console.print(
                    f"[green]ok[/] {m} {b} {k}: Invoke {rec.get('invoke_cycles_avg')} cycles, "
                    f"arena {rec.get('arena_total')} B")
            else:
                failed.append((m, b, k, err))
                progress.console.print(f"[red]FAILED[/] {m} {b} {k}: {err}")
            progress.advance(task)
    store.close()
    return failed
