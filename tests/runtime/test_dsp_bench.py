"""harness/bench_kernels.py: ref vs dsp firmware on the emulated board, one
real (small) run end to end, and the pieces that turn logs into rows."""

from __future__ import annotations

import numpy as np

from harness import bench_kernels as bk
from harness import parse


def test_per_op_reads_both_profile_formats():
    lines = ["CONV_2D took 1000 ticks (0 ms).", "SOFTMAX took 20 ticks (0 ms).",
             '"Event","Tag","Ticks"', "0,CONV_2D,1000", "1,SOFTMAX,20"]
    ops = bk.per_op(parse.parse_lines(lines).profile)
    assert ops == [dict(index=0, tag="CONV_2D", cycles=1000), dict(index=1, tag="SOFTMAX", cycles=20)]
    paired = bk._pair_ops(ops, [dict(index=0, tag="CONV_2D", cycles=250), dict(index=1, tag="SOFTMAX", cycles=20)])
    assert paired[0]["speedup_pct"] == 75.0 and paired[1]["speedup_pct"] == 0.0


def test_input_blob_is_deterministic_and_sized(models_dir):
    p = models_dir / "micro_speech" / "micro_speech_quantized.tflite"
    a, b = bk.input_blob(p), bk.input_blob(p)
    assert a == b and a.stat().st_size == 2 * 1960
    assert len(set(np.frombuffer(a.read_bytes(), np.uint8).tolist())) > 200


def test_bench_hello_world_on_f769(models_dir):
    """Both kernel sets built, emulated, profiled; the dsp FCs are faster and
    their PRED outputs equal the ref run's."""
    p = models_dir / "hello_world" / "hello_world_int8.tflite"
    (row,) = bk.bench_kernels(boards=("f769",), models=(str(p),), jobs=2, max_cycles=50_000_000)
    assert row["error"] is None, row["error"]
    assert row["bit_exact"] is True
    assert [o["tag"] for o in row["ops"]] == ["FULLY_CONNECTED"] * 3
    assert 0 < row["dsp_cycles"] < row["ref_cycles"]
    assert row["speedup_pct"] == round(100 * (1 - row["dsp_cycles"] / row["ref_cycles"]), 1)
