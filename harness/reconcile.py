"""Reconcile emulated figures with measured ones.

Measured data comes as CSV in the seed's layout (table, quantity, example, board, kernels,
value, unit, qualifier, note) — harness/data/measured/seed-notes.csv is the hand-made
evaluation's figures — or from runs stored with a physical target. For each pair we give
the error, whether it lies within the measurement's own resolution, and per board a
least-squares calibration measured = a·emulated + b with R²; outliers are flagged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from harness.errors import InputError

SEED_CSV = Path(__file__).parent / "data" / "measured" / "seed-notes.csv"
_BOARDS = {"F4": "f413", "F7": "f769", "f413": "f413", "f769": "f769"}
_KERNELS = {"cmsis_nn_on": "dsp", "cmsis_nn_off": "ref", "dsp": "dsp", "ref": "ref"}
_REQUIRED = {"quantity", "example", "board", "kernels", "value", "unit"}


def load_measured(path: Path) -> pd.DataFrame:
    """Timing rows of a measurement CSV, normalised; one clear error for a bad file."""
    try:
        df = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read measurement CSV ({exc})") from None
    missing = _REQUIRED - set(df.columns)
    if missing:
        raise InputError(f"{path}: measurement CSV lacks column(s) {', '.join(sorted(missing))}")
    df = df[df["quantity"].isin(["populate", "invoke", "respond"]) & (df["unit"] == "ms")].copy()
    df["board"] = df["board"].map(_BOARDS)
    df["kernels"] = df["kernels"].map(_KERNELS)
    df = df.dropna(subset=["board", "kernels"])
    # A value read off a 1 ms tick is good to ±0.5 ms; "~0" entries to ±1 ms.
    approx = df.get("qualifier", pd.Series("", index=df.index)).fillna("").str.contains("~")
    df["uncertainty_ms"] = np.where(approx, 1.0, 0.5)
    df = df.rename(columns={"value": "measured_ms"})
    # The seed lists CMSIS-NN Invoke figures twice (runtime and cmsis_nn tables): keep one.
    return df.drop_duplicates(["quantity", "example", "board", "kernels", "measured_ms"])[
        ["quantity", "example", "board", "kernels", "measured_ms", "uncertainty_ms"]]


def measured_from_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs stored from a physical board, as measurement rows (cycle-exact: resolution 1 cycle)."""
    rows = []
    for r in runs.itertuples(index=False):
        for phase in ("populate", "invoke", "respond"):
            v = getattr(r, f"{phase}_ms_avg", None)
            if v is not None and not pd.isna(v):
                rows.append(dict(quantity=phase, example=r.example, board=r.board, kernels=r.kernels,
                                 measured_ms=v, uncertainty_ms=1000.0 / r.core_hz))
    return pd.DataFrame(rows)


def pair(emulated: pd.DataFrame, measured: pd.DataFrame) -> pd.DataFrame:
    """One row per measured figure that has an emulated counterpart."""
    rows = []
    for m in measured.itertuples(index=False):
        e = emulated[(emulated.example == m.example) & (emulated.board == m.board)
                     & (emulated.kernels == m.kernels)]
        if e.empty:
            continue
        er = e.iloc[-1]
        emu_ms = er.get(f"{m.quantity}_ms_avg")
        if emu_ms is None or pd.isna(emu_ms):
            continue
        rows.append(dict(example=m.example, board=m.board, kernels=m.kernels, phase=m.quantity,
                         measured_ms=m.measured_ms, uncertainty_ms=m.uncertainty_ms,
                         emulated_ms=float(emu_ms), run_id=er.get("run_id")))
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df["error_ms"] = df.emulated_ms - df.measured_ms
    df["error_pct"] = np.where(df.measured_ms > 0, 100 * df.error_ms / df.measured_ms.where(
        df.measured_ms > 0, 1), np.nan)
    df["within_resolution"] = df.error_ms.abs() <= df.uncertainty_ms
    return df


def calibrate(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per board: measured = a·emulated + b, R², and outliers (|residual| > 2σ and > resolution)."""
    fits = []
    for board, g in pairs.groupby("board"):
        if len(g) < 2 or g.emulated_ms.nunique() < 2:
            fits.append(dict(board=board, n=len(g), a=np.nan, b=np.nan, r2=np.nan, outliers=""))
            continue
        a, b = np.polyfit(g.emulated_ms, g.measured_ms, 1)
        pred = a * g.emulated_ms + b
        ss_res = float(((g.measured_ms - pred) ** 2).sum())
        ss_tot = float(((g.measured_ms - g.measured_ms.mean()) ** 2).sum())
        resid = g.measured_ms - pred
        sigma = float(resid.std(ddof=0))
        out = g[(resid.abs() > 2 * sigma) & (resid.abs() > g.uncertainty_ms)]
        fits.append(dict(board=board, n=len(g), a=a, b=b,
                         r2=1 - ss_res / ss_tot if ss_tot else np.nan,
                         outliers=", ".join(f"{r.example}/{r.kernels}/{r.phase}" for r in out.itertuples())))
    return pd.DataFrame(fits)


def apply_calibration(emulated: pd.DataFrame, fits: pd.DataFrame) -> pd.DataFrame:
    """Predicted hardware ms for every stored run, from its board's calibration."""
    rows = []
    for r in emulated.itertuples(index=False):
        f = fits[fits.board == r.board]
        if f.empty or pd.isna(f.iloc[0].a):
            continue
        a, b = f.iloc[0].a, f.iloc[0].b
        for phase in ("populate", "invoke", "respond"):
            v = getattr(r, f"{phase}_ms_avg", None)
            if v is not None and not pd.isna(v):
                rows.append(dict(example=r.example, board=r.board, kernels=r.kernels, phase=phase,
                                 emulated_ms=v, predicted_hw_ms=a * v + b))
    return pd.DataFrame(rows)
