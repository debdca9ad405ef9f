"""Runtime benchmark: arena, footprint, Invoke cycles and bit-exactness per model and board.

One row per (model, board), each figure from that run:
  arena_bytes       ours: the firmware's `[RecordingMicroAllocator] Arena allocation total`
  tflm_arena_bytes  the tflite-micro wheel's smallest working arena (golden.tflm_min_arena,
                    bisection to 16 B). NOTE: a 64-bit host figure -- TFLM's persistent
                    structs are larger there than on Cortex-M (see measured-facts.md)
  flash_bytes       runtime + kernels flash from the image's map file (mapfile component
  sram_bytes        "runtime"; static RAM: .data + .bss, the arena is the app's)
  invoke_cycles     emulated Invoke cycles (DWT), average over the run's iterations
  bit_exact         every output byte of every iteration == the wheel's, on deterministic
                    random inputs (harness.anymodel.check_model)
Images link only the model's kernels (BT_OPS, harness.opset).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from harness import build
from harness.mapfile import footprint

SHARED_MODELS = build.REPO_ROOT.parent / "shared" / "models"
REPO_MODELS = (build.REPO_ROOT / "models" / "mnist" / "mnist_cnn_int8.tflite",)
BOARDS = ("f413", "f769")
N_INPUTS = 3

# Reference points for the table footer (docs: /work/shared/notes/measured-facts.md).
TFLM_FLASH_REF = {"hello_world_int8": 30_100, "micro_speech_quantized": 45_600}
SEED_FLASH, SEED_SRAM = 37_000, 4_000
TARGET_FLASH, TARGET_SRAM = 18_000, 2_000


def default_models(models_dir: Path = SHARED_MODELS) -> list[Path]:
    """Every .tflite under the shared models except the audio preprocessors (custom
    Signal ops, not a runtime model), plus the repo's MNIST CNN."""
    found = sorted(p for p in Path(models_dir).rglob("*.tflite")
                   if not p.name.startswith("audio_preprocessor"))
    return found + [p for p in REPO_MODELS if p.is_file()]


def _measure(model: str, board: str, kernels: str, seed: int, n_inputs: int) -> dict:
    from harness.anymodel import check_model
    row = dict(model=Path(model).stem, board=board, arena_bytes=None, tflm_arena_bytes=None,
               flash_bytes=None, sram_bytes=None, invoke_cycles=None, bit_exact=False,
               model_path=str(model), kernels=kernels)
    try:
        res = check_model(board, model, kernels=kernels, seed=seed, n_inputs=n_inputs)
    except Exception as exc:  # one model failing to build/run must not sink the table
        row["error"] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:200]}"
        return row
    rec = res["record"]
    rt = footprint(Path(rec["map"])).get("runtime", {"flash": 0, "ram": 0})
    row.update(arena_bytes=rec["arena"].get("total"), flash_bytes=rt["flash"],
               sram_bytes=rt["ram"], invoke_cycles=rec["invoke_cycles_avg"],
               bit_exact=bool(res["bit_exact"]), outputs_checked=res["outputs_checked"])
    if rec["exit_code"] != 0 or rec["errors"]:
        row["error"] = "; ".join(rec["errors"]) or f"exit {rec['exit_code']} ({rec['stop_reason']})"
    elif res["mismatches"]:
        m = res["mismatches"][0]
        row["error"] = (f"{len(res['mismatches'])} output(s) differ, first: iteration "
                        f"{m['iteration']} output {m['output']} byte {m['first_byte']}")
    return row


def _tflm_arena(model: str):
    from harness import golden
    try:
        return golden.tflm_min_arena(model)
    except Exception:  # TFLM cannot run it (e.g. an op the wheel lacks): no figure
        return None


def bench_runtime(models=None, boards=BOARDS, jobs: int = 2, *, kernels: str = "ref",
                  seed: int = 0, n_inputs: int = N_INPUTS) -> list[dict]:
    """Rows (dicts) for every model x board, in that order. `models`: paths (None = the
    default set). Builds, emulations and TFLM arena bisections run in `jobs` processes."""
    models = [str(Path(m).resolve()) for m in (models or default_models())]
    jobs = max(1, int(jobs))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        arenas = {m: pool.submit(_tflm_arena, m) for m in models}
        runs = [(m, b, pool.submit(_measure, m, b, kernels, seed, n_inputs))
                for m in models for b in boards]
        rows = []
        for m, b, fut in runs:
            row = fut.result()
            row["tflm_arena_bytes"] = arenas[m].result()
            rows.append(row)
    return rows


def format_rows(rows: list[dict]) -> str:
    """Plain-text table, one line per row, plus the reference figures."""
    cols = [("model", "model", "<"), ("board", "board", "<"), ("arena_bytes", "arena B", ">"),
            ("tflm_arena_bytes", "TFLM arena B*", ">"), ("flash_bytes", "rt flash B", ">"),
            ("sram_bytes", "rt SRAM B", ">"), ("invoke_cycles", "Invoke cycles", ">"),
            ("bit_exact", "bit-exact", "<")]

    def cell(r, k):
        v = r.get(k)
        if k == "bit_exact":
            return "yes" if v else ("no (" + r["error"] + ")" if r.get("error") else "no")
        return "-" if v is None else (f"{v:,}" if isinstance(v, int) else str(v))

    table = [[h for _, h, _ in cols]] + [[cell(r, k) for k, _, _ in cols] for r in rows]
    width = [max(len(line[i]) for line in table) for i in range(len(cols))]
    width[-1] = len(cols[-1][1])  # the last column (bit-exact + reason) is not padded
    out = []
    for n, line in enumerate(table):
        out.append("  ".join(c.ljust(width[i]) if cols[i][2] == "<" else c.rjust(width[i])
                             for i, c in enumerate(line)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in width))
    out.append("")
    out.append("* TFLM arena: the tflite-micro wheel's minimum arena on the 64-bit host "
               "(its structs are larger than on Cortex-M).")
    out.append(f"rt flash/SRAM: runtime + kernels from the map file (target <= {TARGET_FLASH:,} B "
               f"flash, <= {TARGET_SRAM:,} B SRAM). TFLM reference kernels on Cortex-M4F: "
               + ", ".join(f"{k} {v:,} B" for k, v in TFLM_FLASH_REF.items())
               + f"; the seed's TFLM image: ~{SEED_FLASH:,} B flash / ~{SEED_SRAM:,} B SRAM.")
    return "\n".join(out)
