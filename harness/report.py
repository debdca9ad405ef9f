"""Report: the seed's tables regenerated from stored measurements.

Tables are built once as DataFrames and rendered to Markdown (and HTML); every row keeps
the run id it came from so each figure can be traced to the run that measured it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.platforms import BOARD_TITLES


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.1f}"
    if isinstance(v, int) or (hasattr(v, "dtype") and str(getattr(v, "dtype", "")).startswith("int")):
        return f"{int(v):,}"
    return str(v)


def markdown_table(df: pd.DataFrame) -> str:
    # pandas' to_markdown needs the extra `tabulate` package for this one call.
    cols = list(df.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for _, row in df.iterrows():
        out.append("| " + " | ".join(_fmt(row[c]) for c in cols) + " |")
    return "\n".join(out)


def _get(df: pd.DataFrame, col: str):
    return df[col] if col in df.columns else pd.Series([None] * len(df), index=df.index)


def memory_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "example": df["example"], "board": df["board"], "kernels": df["kernels"],
        "model (B)": df["model_bytes"],
        "arena head (B)": _get(df, "arena_head"), "arena tail (B)": _get(df, "arena_tail"),
        "arena total (B)": _get(df, "arena_total"),
        "image flash (B)": _get(df, "image_flash"), "image RAM (B)": _get(df, "image_ram"),
        "stack peak (B)": _get(df, "stack_peak"), "run": df["run_id"],
    })


def runtime_table(df: pd.DataFrame) -> pd.DataFrame:
    cols = {"example": df["example"], "board": df["board"], "kernels": df["kernels"],
            "MHz": (df["core_hz"] / 1e6).round(1)}
    for phase in ("populate", "invoke", "respond"):
        p = phase.capitalize()
        cols[f"{p} cycles avg"] = _get(df, f"{phase}_cycles_avg")
        cols[f"{p} cycles min/max"] = [
            f"{_fmt(a)}/{_fmt(b)}" for a, b in zip(_get(df, f"{phase}_cycles_min"),
                                                   _get(df, f"{phase}_cycles_max"))]
        cols[f"{p} ms avg"] = _get(df, f"{phase}_ms_avg")
    cols["iterations"] = _get(df, "iterations")
    cols["bit-exact"] = [
        "–" if not c else f"{m}/{c}" for c, m in zip(_get(df, "preds_checked").fillna(0).astype(int),
                                                     _get(df, "preds_matching").fillna(0).astype(int))]
    cols["run"] = df["run_id"]
    return pd.DataFrame(cols)


def cmsis_table(df: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (ex, board), g in df.groupby(["example", "board"], sort=False):
        ref = g[g.kernels == "ref"]
        dsp = g[g.kernels == "dsp"]
        if ref.empty or dsp.empty:
            continue
        r, d = ref.iloc[-1], dsp.iloc[-1]
        rows.append({"example": ex, "board": board,
                     "CMSIS_NN=OFF ms": r["invoke_ms_avg"], "CMSIS_NN=ON ms": d["invoke_ms_avg"],
                     "OFF cycles": r["invoke_cycles_avg"], "ON cycles": d["invoke_cycles_avg"],
                     "difference %": 100.0 * (d["invoke_cycles_avg"] / r["invoke_cycles_avg"] - 1)
                     if r["invoke_cycles_avg"] else None,
                     "runs": f"{r['run_id']},{d['run_id']}"})
    return pd.DataFrame(rows)


def write_markdown(df: pd.DataFrame, out_dir: Path, title: str = "boardtwin evaluation") -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = [f"# {title}", ""]
    boards = ", ".join(BOARD_TITLES.get(b, b) for b in sorted(df["board"].unique()))
    parts += [f"Boards: {boards}. Target(s): {', '.join(sorted(df['target'].unique()))}. "
              f"Commit(s): {', '.join(sorted(df['git_commit'].astype(str).unique()))}.", ""]
    parts += ["## Memory Usage", "", markdown_table(memory_table(df)), ""]
    parts += ["## Runtime Measurements", "",
              "Per main-loop phase; cycles from DWT CYCCNT, ms = cycles / core clock "
              "(the seed's ms ticks are in the run logs).", "",
              markdown_table(runtime_table(df)), ""]
    cm = cmsis_table(df)
    parts += ["## CMSIS-NN Optimizations (Invoke)", ""]
    parts += [markdown_table(cm) if not cm.empty else
              "_No example has both kernel sets measured yet._", ""]
    path = out_dir / "report.md"
    path.write_text("\n".join(parts))
    return path
