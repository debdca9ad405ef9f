"""Two sets of runs side by side; a regression gate for CI.

A side is a results store (its latest run per example/board/kernels/target) or one run id.
Invoke cycles and memory (arena, image flash/RAM, stack) regress when B exceeds A by more
than the threshold percentage.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.errors import InputError
from harness.store import Store

KEY = ["example", "board", "kernels", "target"]
GATED = ["invoke_cycles_avg", "arena_total", "image_flash", "image_ram", "stack_peak"]


def load_side(spec: str, db: Path | None = None) -> pd.DataFrame:
    p = Path(spec)
    if p.is_file():
        df = Store(p).frame()
    elif spec.isdigit():
        if db is None or not Path(db).is_file():
            raise InputError(f"run id {spec}: no results store to look it up in (--db)")
        df = Store(db).frame(latest=False)
        df = df[df.run_id == int(spec)]
        if df.empty:
            raise InputError(f"run id {spec}: no successful run with that id in {db}")
    else:
        raise InputError(f"{spec}: neither a results store file nor a run id")
    return df


def compare(a: pd.DataFrame, b: pd.DataFrame, threshold_pct: float = 5.0) -> pd.DataFrame:
    """One row per (key, figure) present in both, with change % and a regression flag."""
    if len(a) == 1 and len(b) == 1:  # two single runs: compare them whatever their keys
        a, b = a.assign(_k=1), b.assign(_k=1)
        keys = ["_k"]
    else:
        keys = KEY
    m = a.merge(b, on=keys, suffixes=("_a", "_b"))
    rows = []
    for _, r in m.iterrows():
        label = "/".join(str(r.get(f"{k}_a", r.get(k))) for k in KEY) if keys == ["_k"] else \
            "/".join(str(r[k]) for k in KEY)
        for f in GATED:
            va, vb = r.get(f"{f}_a"), r.get(f"{f}_b")
            if va is None or vb is None or pd.isna(va) or pd.isna(vb):
                continue
            change = 100.0 * (vb - va) / va if va else (0.0 if vb == va else float("inf"))
            rows.append(dict(run=label, figure=f, a=va, b=vb, change_pct=round(change, 2),
                             regression=change > threshold_pct))
    return pd.DataFrame(rows, columns=["run", "figure", "a", "b", "change_pct", "regression"])
