"""One evaluation: build the image, run it on a target, parse its log, check its predictions.

The result is a flat record (dict) whose every figure comes from this run: the ELF's
sections, the model file, and the lines the firmware printed.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import numpy as np

from harness import analyse, build, examples, inputs, parse
from harness.errors import BoardtwinError
from harness.models import sha256
from harness.targets import get_target

PHASES = ("Populate", "Invoke", "Respond")


class RunFailed(BoardtwinError):
    """The firmware ran but did not finish cleanly; `record` keeps what was measured."""

    def __init__(self, message: str, record: dict):
        super().__init__(message)
        self.record = record


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=build.REPO_ROOT,
                             capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=build.REPO_ROOT, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "") or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def toolchain_version() -> str:
    try:
        out = subprocess.run(["arm-none-eabi-gcc", "-dumpversion"], capture_output=True, text=True)
        return "arm-none-eabi-gcc " + out.stdout.strip()
    except OSError:
        return "unknown"


def evaluate(board: str, model: str, *, kernels: str = "ref", target: str = "emulated",
             models_dir: Path | None = None, iterations: int | None = None,
             on_line=None, target_options: dict | None = None) -> dict:
    ex, model_path = examples.resolve(model, models_dir)
    analyse.load(model_path)  # a damaged flatbuffer: one clear line before any building
    iters = iterations or ex.iterations
    blob = inputs.prepare(ex.app, models_dir).blob if ex.inputs else None
    tgt = get_target(target, **(target_options or {}))
    # The per-op profile (MicroProfiler format) costs two DWT reads per operator, as TFLM's.
    image, trun, log, t0 = build_and_run(board, ex.app, model_path, tgt, kernels=kernels,
                                         iterations=iters, input_blob=blob,
                                         extra={"BT_PROFILE": "ON"}, on_line=on_line)
    record = _record(ex, model_path, image, trun, log)
    record["fingerprint"] = fingerprint_for(board, model, kernels=kernels, target=target,
                                            models_dir=models_dir, iterations=iterations)
    record["eval_wall_s"] = round(time.perf_counter() - t0, 3)
    if blob is not None:  # PRED lines carry no input: replay the app's loop in the wheel
        record.update(inputs.check_run(ex.app, blob, log.preds, log.other, models_dir))
    else:
        record.update(check_predictions(model_path, log))
    if log.exit_code != 0 or log.errors:
        why = "; ".join(log.errors) or f"exit code {log.exit_code} ({trun.stop_reason})"
        raise RunFailed(f"{ex.name} on {board}/{kernels}: firmware did not finish cleanly: {why}",
                        record)
    if record.get("bit_exact") is False or record.get("respond_matching") is False:
        raise RunFailed(f"{ex.name} on {board}/{kernels}: output differs from the tflite-micro "
                        f"reference ({record['preds_matching']}/{record['preds_checked']} predictions "
                        f"equal; first mismatching iterations: {record['mismatch_iterations'] or '-'}; "
                        f"Respond lines equal: {record.get('respond_matching', '-')})", record)
    return record


_ARENA_SHORT = re.compile(r"ARENA_TOO_SMALL: .*?(\d+) bytes given, (\d+) needed")


def build_and_run(board: str, app: str, model_path: Path, tgt, *, kernels: str, iterations: int,
                  input_blob: Path | None, extra: dict | None, on_line=None):
    """Build the image and run it on `tgt`; if the firmware says the default arena is too
    small, rebuild once with the arena it needs. Returns (image, target run, parsed log,
    perf_counter at the start of the run that counts)."""
    arena = 0  # the board's default arena first
    while True:
        image = build.build_firmware(board, app, model_path, kernels=kernels, iterations=iterations,
                                     input_blob=input_blob, extra=extra, arena_bytes=arena)
        t0 = time.perf_counter()
        trun = tgt.run(image.elf, board, on_line=on_line)
        log = parse.parse_lines(trun.lines)
        arena = arena_to_retry(log, arena)
        if not arena:
            return image, trun, log, t0


def arena_to_retry(log: parse.RunLog, arena: int) -> int:
    """The arena to rebuild with when the firmware said its arena was too small and this
    run used the default one (0): the bytes it needs, rounded up to 1 KiB; else 0. If that
    arena does not fit the board's RAM, the link says by how much (BuildError)."""
    if arena:
        return 0
    for e in log.errors:
        m = _ARENA_SHORT.search(e)
        if m and int(m.group(2)) > int(m.group(1)):
            return -(-int(m.group(2)) // 1024) * 1024
    return 0


def fingerprint_for(board: str, model: str, *, kernels: str, target: str,
                    models_dir: Path | None = None, iterations: int | None = None) -> str:
    from harness.fingerprint import run_fingerprint
    ex, model_path = examples.resolve(model, models_dir)
    return run_fingerprint(ex.name, board, kernels, target, sha256(model_path),
                           iterations or ex.iterations)


def _record(ex, model_path: Path, image, trun, log: parse.RunLog) -> dict:
    sizes = build.image_sizes(image.elf)
    core_hz = log.header.get("core_hz") or trun.meta.get("emu_core_hz") or 0
    rec = dict(
        example=ex.name, app=ex.app, board=image.board, kernels=image.kernels, target=trun.target,
        model_path=str(model_path), model_sha256=sha256(model_path),
        model_bytes=model_path.stat().st_size,
        arena_head=log.arena.get("head"), arena_tail=log.arena.get("tail"),
        arena_total=log.arena.get("total"),
        **{f"image_{k}": v for k, v in sizes.items()},
        stack_peak=log.stack_peak, core_hz=core_hz, exit_code=log.exit_code,
        stop_reason=trun.stop_reason, iterations=len(log.preds), wall_s=round(trun.wall_s, 3),
        git_commit=git_commit(), toolchain=toolchain_version(),
        elf=str(image.elf),
        platform_sha256=_platform_sha(image.board),
        log="\n".join(trun.lines),
        # Last Invoke's cycles per operator; the CSV rows carry the op index.
        profile=[dict(index=p.get("event", i), tag=p["tag"], ticks=p["ticks"]) for i, p in
                 enumerate([p for p in log.profile if "event" in p] or log.profile)],
    )
    for k in ("emu_cycles", "emu_instructions"):
        if k in trun.meta:
            rec[k] = trun.meta[k]
    for phase in PHASES:
        key = phase.lower()
        cyc = log.phase(phase, "cycles")
        ms = log.phase(phase, "ms")
        for stat in ("cur", "min", "max", "avg"):
            rec[f"{key}_cycles_{stat}"] = cyc[stat] if cyc else None
            rec[f"{key}_ticks_ms_{stat}"] = ms[stat] if ms else None
        # ms from cycles: the resolution the seed's ms ticks lacked.
        rec[f"{key}_ms_avg"] = (cyc["avg"] * 1000.0 / core_hz) if (cyc and core_hz) else None
    return rec


def _platform_sha(board: str) -> str:
    from harness.platforms import platform_file
    try:
        return sha256(platform_file(board))[:16]
    except Exception:  # a missing platform file is reported by the emulator itself
        return "unknown"


def check_predictions(model_path: Path, log: parse.RunLog) -> dict:
    """Re-run every PRED line that carries its input through the golden TFLM wheel."""
    from harness import golden
    checked = matching = 0
    mismatches = []
    for p in log.preds:
        if p["input"] is None:
            continue
        want = golden.golden_outputs(model_path, [np.frombuffer(p["input"], dtype=np.int8)])
        got = p["outputs"]
        same = len(want) == len(got) and all(
            np.asarray(w).tobytes() == g for w, g in zip(want, got))
        checked += 1
        matching += same
        if not same and len(mismatches) < 5:
            mismatches.append(p["i"])
    return dict(preds_checked=checked, preds_matching=matching,
                bit_exact=(checked > 0 and checked == matching) if checked else None,
                mismatch_iterations=",".join(map(str, mismatches)))
