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


def operations_table(df: pd.DataFrame) -> pd.DataFrame:
    """Ops, MACs and FLOPs of every model that was run, from the flatbuffer (harness.analyse)."""
    from harness.analyse import analyse
    rows = []
    for ex, path in df.drop_duplicates("example")[["example", "model_path"]].itertuples(index=False):
        if not Path(path).is_file():
            continue
        a = analyse(Path(path))
        rows.append({"example": ex, "model": Path(path).name, "MACs": a["macs"], "FLOPs": a["flops"],
                     "parameters": a["params"],
                     "operators": ", ".join(f"{k}×{v}" for k, v in a["op_counts"].items())})
    return pd.DataFrame(rows)


def _charts(df: pd.DataFrame, out_dir: Path) -> dict[str, list[dict]]:
    """PNG charts beside the report; returns {section id: [image dicts]}."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    imgs: dict[str, list[dict]] = {}
    # Invoke time per example, M4 vs M7, ref vs dsp (log scale: hello_world to person_detection).
    fig, ax = plt.subplots(figsize=(9, 4))
    labels = [f"{r.example}\n{r.board}/{r.kernels}" for r in df.itertuples()]
    ms = df["invoke_ms_avg"].fillna(0)
    colors = ["#4c72b0" if b == "f413" else "#dd8452" for b in df["board"]]
    ax.bar(range(len(df)), ms, color=colors)
    ax.set_xticks(range(len(df)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("Invoke ms (from cycles)")
    if (ms > 0).any() and ms[ms > 0].max() / max(ms[ms > 0].min(), 1e-9) > 100:
        ax.set_yscale("log")
    ax.set_title("Invoke time per run (blue F4 / orange F7)")
    fig.tight_layout()
    fig.savefig(out_dir / "invoke_ms.png", dpi=110)
    plt.close(fig)
    imgs["runtime"] = [dict(src="invoke_ms.png", alt="Invoke ms per example, board and kernel set")]
    # Per-phase cycle split.
    fig, ax = plt.subplots(figsize=(9, 4))
    bottom = None
    for phase, col in (("populate", "#55a868"), ("invoke", "#4c72b0"), ("respond", "#c44e52")):
        v = df[f"{phase}_cycles_avg"].fillna(0).to_numpy()
        ax.bar(range(len(df)), v, bottom=bottom, color=col, label=phase.capitalize())
        bottom = v if bottom is None else bottom + v
    ax.set_xticks(range(len(df)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("cycles (avg per iteration)")
    ax.legend()
    ax.set_title("Main-loop phases")
    fig.tight_layout()
    fig.savefig(out_dir / "phases.png", dpi=110)
    plt.close(fig)
    imgs["runtime"].append(dict(src="phases.png", alt="Populate/Invoke/Respond cycles per run"))
    imgs["profile"] = _profile_charts(df, out_dir, plt)
    imgs["boards"] = _board_chart(df, out_dir, plt)
    pairs = reconcile_pairs(df)
    if not pairs.empty:
        fig, ax = plt.subplots(figsize=(5.5, 5))
        for board, g in pairs.groupby("board"):
            ax.errorbar(g.emulated_ms, g.measured_ms, yerr=g.uncertainty_ms, fmt="o", label=board)
        lim = max(pairs.emulated_ms.max(), pairs.measured_ms.max()) * 1.1 + 1
        ax.plot([0, lim], [0, lim], "k--", lw=0.8, label="measured = emulated")
        ax.set_xlabel("emulated ms")
        ax.set_ylabel("measured ms (seed, ±tick resolution)")
        ax.legend()
        ax.set_title("Emulated vs measured")
        fig.tight_layout()
        fig.savefig(out_dir / "reconcile.png", dpi=110)
        plt.close(fig)
        imgs["reconcile"] = [dict(src="reconcile.png", alt="emulated vs measured ms")]
    return imgs


def _profile_charts(df: pd.DataFrame, out_dir: Path, plt) -> list[dict]:
    """Invoke cycles per operator type, one chart per example, bars per board/kernel set."""
    out = []
    for ex, g in df.groupby("example", sort=False):
        rows = [(f"{r.board}/{r.kernels}", p["tag"], p["ticks"]) for r in g.itertuples()
                for p in (r.profile if isinstance(getattr(r, "profile", None), list) else [])]
        if not rows:
            continue
        prof = pd.DataFrame(rows, columns=["run", "op", "cycles"]).pivot_table(
            index="run", columns="op", values="cycles", aggfunc="sum").fillna(0)
        fig, ax = plt.subplots(figsize=(7, 3.2))
        prof.plot.barh(stacked=True, ax=ax)
        ax.set_xlabel("Invoke cycles by operator (last invoke)")
        ax.set_ylabel("")
        ax.set_title(f"{ex}: per-operator cycles")
        ax.legend(fontsize=7, loc="lower right")
        fig.tight_layout()
        name = f"profile_{ex}.png"
        fig.savefig(out_dir / name, dpi=110)
        plt.close(fig)
        out.append(dict(src=name, alt=f"{ex} per-operator cycles"))
    return out


def _board_chart(df: pd.DataFrame, out_dir: Path, plt) -> list[dict]:
    """M4 (F413) vs M7 (F769): Invoke cycles and ms per example, ref kernels and dsp."""
    t = board_table(df)
    if t.empty:
        return []
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    labels = [f"{r.example}/{r.kernels}" for r in t.itertuples()]
    x = range(len(t))
    for ax, unit in zip(axes, ("cycles", "ms")):
        ax.bar([i - 0.2 for i in x], t[f"F4 Invoke {unit}"], width=0.4, label="F413 (M4)")
        ax.bar([i + 0.2 for i in x], t[f"F7 Invoke {unit}"], width=0.4, label="F769 (M7)")
        ax.set_xticks(list(x), labels, rotation=45, ha="right", fontsize=8)
        ax.set_yscale("log")
        ax.set_title(f"Invoke {unit}")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out_dir / "boards.png", dpi=110)
    plt.close(fig)
    return [dict(src="boards.png", alt="M4 vs M7 Invoke cycles and ms")]


def board_table(df: pd.DataFrame) -> pd.DataFrame:
    """M4 vs M7 per example and kernel set: cycles (micro-architecture) and ms (with clock)."""
    rows = []
    for (ex, k), g in df.groupby(["example", "kernels"], sort=False):
        f4, f7 = g[g.board == "f413"], g[g.board == "f769"]
        if f4.empty or f7.empty:
            continue
        a, b = f4.iloc[-1], f7.iloc[-1]
        rows.append({"example": ex, "kernels": k,
                     "F4 Invoke cycles": a["invoke_cycles_avg"], "F7 Invoke cycles": b["invoke_cycles_avg"],
                     "F7/F4 cycles": b["invoke_cycles_avg"] / a["invoke_cycles_avg"]
                     if a["invoke_cycles_avg"] else None,
                     "F4 Invoke ms": a["invoke_ms_avg"], "F7 Invoke ms": b["invoke_ms_avg"],
                     "F4/F7 speed-up": a["invoke_ms_avg"] / b["invoke_ms_avg"] if b["invoke_ms_avg"] else None})
    return pd.DataFrame(rows)


def reconcile_pairs(df: pd.DataFrame) -> pd.DataFrame:
    from harness import reconcile as rc
    return rc.pair(df[df.target == "emulated"], rc.load_measured(rc.SEED_CSV))


def sections(df: pd.DataFrame) -> list[dict]:
    cm = cmsis_table(df)
    return [
        dict(id="memory", title="Memory Usage", note="Model size, tensor arena (head = activations "
             "and scratch, tail = persistent, as TFLM's RecordingMicroAllocator), ELF image "
             "sections, painted-stack peak.", table=memory_table(df)),
        dict(id="operations", title="Number of Operations",
             note="Counted on the flatbuffer; FLOPs = 2·MACs + bias and element-wise work "
                  "(docs/model-analysis.md).", table=operations_table(df)),
        dict(id="runtime", title="Runtime Measurements",
             note="Per main-loop phase; cycles from DWT CYCCNT, ms = cycles / core clock "
                  "(the seed's ms ticks are kept in the run logs).", table=runtime_table(df)),
        dict(id="cmsis", title="CMSIS-NN Optimizations (Invoke)", table=cm if not cm.empty else None,
             empty="No example has both kernel sets measured yet."),
        dict(id="profile", title="Per-operator cycle profile",
             note="Cycles of each operator in the last Invoke (MicroProfiler lines of the run).",
             table=None, empty="Charts only (HTML report)."),
        dict(id="boards", title="Cortex-M4 (F413) vs Cortex-M7 (F769)", table=_none_if_empty(board_table(df)),
             empty="Needs the same example on both boards."),
        dict(id="reconcile", title="Emulated vs measured (the seed's hand-made figures)",
             note="Measured = the seed's ms-tick figures (±0.5 ms, ±1 ms for '~0'); the seed's apps, "
                  "inputs and mnist model differ from boardtwin's, so this is a sanity check, not a "
                  "calibration. `boardtwin reconcile` fits per board.",
             table=_none_if_empty(reconcile_pairs(df).drop(columns=["run_id"], errors="ignore")),
             empty="No seed figure has an emulated counterpart yet."),
    ]


def _none_if_empty(t: pd.DataFrame):
    return None if t.empty else t


def _header(df: pd.DataFrame) -> str:
    boards = ", ".join(BOARD_TITLES.get(b, b) for b in sorted(df["board"].unique()))
    return (f"Boards: {boards}. Target(s): {', '.join(sorted(df['target'].unique()))}. "
            f"Commit(s): {', '.join(sorted(df['git_commit'].astype(str).unique()))}. "
            "Every row names the run id it was measured in (results/boardtwin.db).")


def write_markdown(df: pd.DataFrame, out_dir: Path, title: str = "boardtwin evaluation") -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = [f"# {title}", "", _header(df), ""]
    for sec in sections(df):
        parts += [f"## {sec['title']}", ""]
        if sec.get("note"):
            parts += [sec["note"], ""]
        t = sec.get("table")
        parts += [markdown_table(t) if t is not None else f"_{sec['empty']}_", ""]
    path = out_dir / "report.md"
    path.write_text("\n".join(parts))
    return path


def write_html(df: pd.DataFrame, out_dir: Path, title: str = "boardtwin evaluation") -> Path:
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    out_dir.mkdir(parents=True, exist_ok=True)
    imgs = _charts(df, out_dir)
    secs = []
    for sec in sections(df):
        t = sec.get("table")
        html = None if t is None else t.to_html(index=False, na_rep="–", border=0,
                                                 float_format=lambda v: f"{v:,.3f}")
        secs.append(dict(sec, table=html, images=imgs.get(sec["id"], [])))
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html"]))
    path = out_dir / "report.html"
    path.write_text(env.get_template("report.html.j2").render(title=title, subtitle=_header(df),
                                                               sections=secs))
    return path
