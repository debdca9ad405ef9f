"""`check_model`: any .tflite on an emulated board, byte for byte against the wheel."""

from __future__ import annotations

import numpy as np
import pytest

from harness import anymodel, golden

MODELS = {
    "hello_world": "hello_world/hello_world_int8.tflite",
    "micro_speech": "micro_speech/micro_speech_quantized.tflite",
    "keyword_scrambled": "keyword_scrambled/keyword_scrambled_8bit.tflite",  # int16 in, SVDF state
}


def _model(models_dir, key):
    p = models_dir / MODELS[key]
    if not p.is_file():
        pytest.fail(f"{p} missing (../shared/models)")
    return p


@pytest.mark.parametrize("key", list(MODELS))
def test_check_model_bit_exact_on_f413(models_dir, key):
    model = _model(models_dir, key)
    res = anymodel.check_model("f413", model, n_inputs=3)
    rec = res["record"]
    assert rec["exit_code"] == 0 and rec["errors"] == [], rec["log"][-2000:]
    assert rec["preds"] == 3
    assert res["outputs_checked"] == 3 * len(golden.output_details(model))
    assert res["mismatches"] == []
    assert res["bit_exact"] is True
    assert rec["arena"]["total"] > 0 and rec["invoke_cycles_avg"] > 0
    print(f"\n{key}: bit-exact, arena {rec['arena']['total']} B, "
          f"Invoke {rec['invoke_cycles_avg']} cycles")


def test_corrupted_expected_output_is_detected(models_dir):
    """Same image (cached build), one byte of the reference flipped: not bit-exact."""
    model = _model(models_dir, "hello_world")

    def corrupt(expected):
        out = [list(rec) for rec in expected]
        b = bytearray(out[1][0])
        b[0] ^= 0x01
        out[1][0] = bytes(b)
        return out

    res = anymodel.check_model("f413", model, n_inputs=3, _expected_hook=corrupt)
    assert res["bit_exact"] is False
    assert len(res["mismatches"]) == 1
    m = res["mismatches"][0]
    assert (m["iteration"], m["output"], m["first_byte"]) == (1, 0, 0)
    assert m["got"] != m["want"]


def test_compare_reports_missing_and_short_outputs():
    exp = [[b"\x01\x02"], [b"\x03\x04"]]
    ok = anymodel.compare(exp, [dict(i=0, outputs=[b"\x01\x02"]), dict(i=1, outputs=[b"\x03\x04"])])
    assert ok["bit_exact"] and ok["outputs_checked"] == 2
    missing = anymodel.compare(exp, [dict(i=0, outputs=[b"\x01\x02"])])
    assert not missing["bit_exact"] and missing["mismatches"][0]["iteration"] == 1
    short = anymodel.compare(exp, [dict(i=0, outputs=[b"\x01"]), dict(i=1, outputs=[b"\x03\x04"])])
    assert not short["bit_exact"] and short["mismatches"][0]["first_byte"] == 1
    assert not anymodel.compare([], [])["bit_exact"]  # nothing checked is not a pass


def test_inputs_are_deterministic_and_in_model_runner_layout(models_dir):
    model = _model(models_dir, "keyword_scrambled")
    d = golden.input_details(model)
    assert len(d) == 1 and np.dtype(d[0]["dtype"]) == np.int16
    a = anymodel.random_inputs(model, seed=7, n=2)
    b = anymodel.random_inputs(model, seed=7, n=2)
    c = anymodel.random_inputs(model, seed=8, n=2)
    blob = anymodel.input_blob(a)
    assert blob == anymodel.input_blob(b) != anymodel.input_blob(c)
    per_record = int(np.prod(d[0]["shape"])) * 2
    assert len(blob) == 2 * per_record
    # record 1 starts after record 0; int16 little-endian as on the Cortex-M
    first = a[1][0].reshape(-1)[0]
    assert blob[per_record:per_record + 2] == int(first).to_bytes(2, "little", signed=True)


def _cli(*args):
    import subprocess
    import sys
    from pathlib import Path
    exe = Path(sys.executable).with_name("boardtwin")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=1200)


def test_cli_check_with_given_inputs(models_dir, tmp_path):
    """`run --check --input`: the given records are what runs (2 records -> 2 inferences)."""
    model = _model(models_dir, "hello_world")
    d = golden.input_details(model)[0]
    x = np.array([-100, 0], dtype=np.int8).reshape((2, *d["shape"]))
    np.save(tmp_path / "x.npy", x)
    r = _cli("run", "--board", "f769", "--model", str(model), "--check", "--input",
             str(tmp_path / "x.npy"))
    assert r.returncode == 0, r.stderr
    assert "2 inference(s)" in r.stdout and r.stdout.strip().endswith(
        "bit-exact: yes (2 output tensors compared with tflite-micro)")


def test_cli_check_bad_input_is_one_line_error(models_dir, tmp_path):
    model = _model(models_dir, "hello_world")
    np.save(tmp_path / "bad.npy", np.zeros((3, 5), dtype=np.int8))
    r = _cli("run", "--model", str(model), "--check", "--input", str(tmp_path / "bad.npy"))
    assert r.returncode != 0
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and "bad.npy" in err[0] and "shape (3, 5)" in err[0], r.stderr


def test_bench_runtime_json(models_dir):
    import json
    model = _model(models_dir, "hello_world")
    r = _cli("bench", "runtime", "--model", str(model), "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    rows = json.loads(r.stdout)
    assert [row["board"] for row in rows] == ["f413", "f769"]
    for row in rows:
        assert set(row) == {"model", "board", "arena_bytes", "tflm_arena_bytes", "flash_bytes",
                            "sram_bytes", "invoke_cycles", "bit_exact"}
        assert row["bit_exact"] is True and row["model"] == "hello_world_int8"
        # ours <= TFLM's (the wheel's figure is a 64-bit host's, so larger still)
        assert 0 < row["arena_bytes"] <= row["tflm_arena_bytes"]
        assert 0 < row["flash_bytes"] < 30_100 and row["invoke_cycles"] > 0
