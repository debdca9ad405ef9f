"""`bench kernels`: Invoke cycles of the reference kernels (CMSIS_NN=OFF) vs the
dsp kernels (BT_KERNELS=dsp, CMSIS_NN=ON) per model and board, on the
emulated boards, with the per-operator profile and a bit-exactness check.

    from harness.bench_kernels import bench_kernels
    rows = bench_kernels(boards=("f413", "f769"), models=("micro_speech_quantized", "ds_cnn"))

Each (model, board, kernels) builds firmware/apps/model_runner with
-DBT_PROFILE=ON, 2 iterations, and the same deterministic random input blob
(two records, so the two iterations see different inputs), then runs it in
harness.emulate. Per model and board one dict:

    model, board, ref_cycles, dsp_cycles, speedup_pct, bit_exact,
    ref_ops, dsp_ops   (per-op cycles: [{"index", "tag", "ref", "dsp"}] in ops)
    ops                (per-op rows with both figures side by side)

`*_cycles` are the mean Invoke cycles (DWT CYCCNT) over the iterations,
`speedup_pct` = 100 x (1 - dsp/ref), `bit_exact` = every PRED line's outputs
of the dsp run equal the ref run's (same inputs). A run that fails (build
error, emulator fault, no exit line) leaves its fields None and puts the
reason in `error`.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from harness import build, parse

REPO = Path(__file__).resolve().parent.parent
BLOB_DIR = REPO / "build" / "inputs"

# name -> how to find the .tflite (staged manifest path, repo path, or a builder)
MODELS = {
    "micro_speech_quantized": ("manifest", "micro_speech/micro_speech_quantized.tflite"),
    "mnist_cnn_int8": ("repo", "models/mnist/mnist_cnn_int8.tflite"),
    "person_detect": ("manifest", "person_detection/person_detect.tflite"),
    "ds_cnn": ("dscnn", None),
}
DEFAULT_MODELS = tuple(MODELS)
# Cycle budget per run (2 iterations + init): person_detect with the ref kernels
# is the largest, ~ 2 x 10^8 cycles on the M4.
MAX_CYCLES = 3_000_000_000


def model_path(name: str, models_dir: Path | None = None) -> Path:
    """The .tflite for a benchmark model name (or an existing file path)."""
    if name not in MODELS:
        p = Path(name)
        if p.is_file():
            return p.resolve()
        raise KeyError(f"unknown benchmark model {name!r} (known: {', '.join(MODELS)})")
    kind, rel = MODELS[name]
    if kind == "manifest":
        from harness.models import fetch
        return fetch(rel, models_dir)
    if kind == "repo":
        return REPO / rel
    from harness.dscnn import ds_cnn_path
    return ds_cnn_path()


def input_blob(path: Path, records: int = 2, seed: int = 1234) -> Path:
    """Deterministic random inputs for model_runner: `records` records of every
    input tensor's bytes back to back (full int range, like random sensor data)."""
    from harness.analyse import load
    m, _ = load(path)
    sg = m.subgraphs[0]
    sizes = []
    for i in sg.inputs:
        t = sg.tensors[i]
        n = int(np.prod(t.shape)) if t.shape is not None and len(t.shape) else 1
        sizes.append(n * {0: 4, 1: 2, 2: 4, 3: 1, 4: 8, 6: 1, 7: 2, 9: 1}.get(int(t.type), 1))
    rng = np.random.default_rng(seed)
    blob = rng.integers(0, 256, size=records * sum(sizes), dtype=np.uint8).tobytes()
    h = hashlib.sha256(path.read_bytes() + blob).hexdigest()[:12]
    out = BLOB_DIR / f"bench_{path.stem}_{h}.bin"
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".part")
        tmp.write_bytes(blob)
        tmp.replace(out)
    return out


def run_one(board: str, model: Path, kernels: str, blob: Path, *, iterations: int = 2,
            max_cycles: int = MAX_CYCLES) -> dict:
    """Build + emulate one configuration; returns cycles, per-op profile, preds."""
    from harness.emulate import emulate
    rec = dict(board=board, kernels=kernels, invoke_cycles=None, ops=[], preds=[], error=None)
    try:
        img = build.build_firmware(board, "model_runner", model, kernels=kernels, input_blob=blob,
                                   iterations=iterations, extra={"BT_PROFILE": "ON"})
        res = emulate(img.elf, board, max_cycles=max_cycles)
        log = parse.parse_lines(res.lines)
    except Exception as exc:   # build/emulation errors are reported per row, not raised
        rec["error"] = f"{type(exc).__name__}: {exc}"
        return rec
    if log.exit_code != 0 or log.errors:
        rec["error"] = "; ".join(log.errors) or f"exit {log.exit_code} ({res.stop_reason})"
        return rec
    inv = log.phase("Invoke", "cycles")
    rec["invoke_cycles"] = inv["avg"] if inv else None
    rec["ops"] = per_op(log.profile)
    rec["preds"] = [p["outputs"] if isinstance(p, dict) and "outputs" in p else p for p in log.preds]
    rec["arena"] = dict(log.arena)
    return rec


def per_op(profile: list[dict]) -> list[dict]:
    """MicroProfiler events -> [{"index", "tag", "cycles"}] in op order. The
    firmware prints the last Invoke's events; with several blocks printed the
    last one wins (its indices restart at 0)."""
    rows: dict[int, dict] = {}
    seq = 0
    for ev in profile:
        idx = ev.get("event")
        if idx is None:
            idx = seq
            seq += 1
        rows[int(idx)] = dict(index=int(idx), tag=ev["tag"], cycles=int(ev["ticks"]))
    return [rows[k] for k in sorted(rows)]


def _pair_ops(ref_ops: list[dict], dsp_ops: list[dict]) -> list[dict]:
    out = []
    for i in range(max(len(ref_ops), len(dsp_ops))):
        r = ref_ops[i] if i < len(ref_ops) else {}
        d = dsp_ops[i] if i < len(dsp_ops) else {}
        rc, dc = r.get("cycles"), d.get("cycles")
        out.append(dict(index=i, tag=r.get("tag") or d.get("tag"), ref=rc, dsp=dc,
                        speedup_pct=round(100.0 * (1 - dc / rc), 1) if rc and dc is not None else None))
    return out


def bench_kernels(boards=("f413", "f769"), models=DEFAULT_MODELS, jobs: int = 2, *,
                  models_dir: Path | None = None, iterations: int = 2,
                  max_cycles: int = MAX_CYCLES) -> list[dict]:
    """One row per (model, board): ref vs dsp Invoke cycles, speed-up, bit-exactness, per-op."""
    jobs_list = []
    paths = {}
    for name in models:
        p = model_path(name, models_dir)
        paths[name] = (p, input_blob(p))
        for board in boards:
            for k in ("ref", "dsp"):
                jobs_list.append((name, board, k))

    def work(job):
        name, board, k = job
        p, blob = paths[name]
        return job, run_one(board, p, k, blob, iterations=iterations, max_cycles=max_cycles)

    # Builds are CMake processes and the emulator releases the GIL in unicorn, so
    # threads are enough; each configuration has its own build directory.
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        results = dict(ex.map(work, jobs_list))
    rows = []
    for name in models:
        for board in boards:
            r, d = results[(name, board, "ref")], results[(name, board, "dsp")]
            rc, dc = r["invoke_cycles"], d["invoke_cycles"]
            ok = not r["error"] and not d["error"] and bool(r["preds"])
            rows.append(dict(
                model=name, board=board, ref_cycles=rc, dsp_cycles=dc,
                speedup_pct=round(100.0 * (1 - dc / rc), 1) if rc and dc is not None else None,
                bit_exact=(r["preds"] == d["preds"]) if ok else None,
                ref_ops=r["ops"], dsp_ops=d["ops"], ops=_pair_ops(r["ops"], d["ops"]),
                ref_arena=r.get("arena"), dsp_arena=d.get("arena"),
                error="; ".join(f"{k}: {x['error']}" for k, x in (("ref", r), ("dsp", d)) if x["error"]) or None))
    return rows


def format_rows(rows: list[dict], per_op_detail: bool = True) -> str:
    """Plain-text table (and per-op lines) for logs and reports."""
    lines = [f"{'model':24} {'board':5} {'ref cycles':>12} {'dsp cycles':>12} {'speed-up':>9} bit-exact"]
    for r in rows:
        sp = f"{r['speedup_pct']:.1f} %" if r["speedup_pct"] is not None else "-"
        lines.append(f"{r['model']:24} {r['board']:5} {r['ref_cycles'] or '-':>12} {r['dsp_cycles'] or '-':>12} "
                     f"{sp:>9} {r['bit_exact']}" + (f"  ERROR {r['error']}" if r["error"] else ""))
        if per_op_detail:
            for o in r["ops"]:
                sp = f"{o['speedup_pct']:.1f} %" if o["speedup_pct"] is not None else "-"
                lines.append(f"    #{o['index']:<3} {o['tag'] or '?':22} {o['ref'] or '-':>10} {o['dsp'] or '-':>10} {sp:>9}")
    return "\n".join(lines)


if __name__ == "__main__":   # python -m harness.bench_kernels [board ...]
    import sys
    bs = tuple(sys.argv[1:]) or ("f413", "f769")
    print(format_rows(bench_kernels(boards=bs)))
