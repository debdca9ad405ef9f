"""Each reference kernel vs TFLM on single-op models (model_editor-built)."""

import numpy as np
import pytest

from harness import golden, hostrun

from . import opmodels as om

CASES = {
    "fc_per_tensor": lambda r: om.fully_connected(r),
    "fc_per_channel_batched": lambda r: om.fully_connected(r, per_channel=True, batches=3),
    "fc_no_bias": lambda r: om.fully_connected(r, bias=False),
    "fc_relu": lambda r: om.fully_connected(r, act=1),
    "fc_relu6": lambda r: om.fully_connected(r, act=3),
    "fc_relu_n1_1": lambda r: om.fully_connected(r, act=2, units=32, accum=64),
    "softmax": lambda r: om.softmax(r),
    "softmax_beta_rows": lambda r: om.softmax(r, rows=4, depth=30, beta=0.5),
    "softmax_large_scale": lambda r: om.softmax(r, depth=12, in_scale=2.0),
    "softmax_small_scale": lambda r: om.softmax(r, depth=12, in_scale=0.001),
    "softmax_int16_out": lambda r: om.softmax(r, out_type=om.T.INT16),
    "quantize_f32_i8": lambda r: om.quantize(r),
    "quantize_i8_i8": lambda r: om.quantize(r, in_type=om.T.INT8),
    "quantize_i16_i8": lambda r: om.quantize(r, in_type=om.T.INT16),
    "quantize_f32_i16": lambda r: om.quantize(r, out_type=om.T.INT16),
    "dequantize_i8": lambda r: om.dequantize(r),
    "dequantize_i16": lambda r: om.dequantize(r, in_type=om.T.INT16),
    "reshape": lambda r: om.reshape(r),
    "softmax_f32": lambda r: om.softmax(r, out_type=om.T.FLOAT32),
    "softmax_f32_beta_rows": lambda r: om.softmax(r, rows=3, depth=37, beta=0.7, out_type=om.T.FLOAT32),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_kernel_bit_exact(case, tmp_path, host_exe):
    mismatched = 0
    for model_seed in range(3):
        path = tmp_path / f"{case}_{model_seed}.tflite"
        path.write_bytes(CASES[case](np.random.default_rng(1000 + model_seed)))
        sets = [hostrun.random_inputs(path, seed=s) for s in range(25)]
        ours = hostrun.run_host_many(path, sets)
        for xs, o in zip(sets, ours):
            ref = golden.golden_outputs(path, xs)
            assert ref[0].dtype == o[0].dtype and ref[0].shape == o[0].shape
            if not np.array_equal(ref[0], o[0]):
                mismatched += 1
                diff = np.flatnonzero(ref[0].ravel() != o[0].ravel())[:5]
                print(case, model_seed, "at", diff, ref[0].ravel()[diff], o[0].ravel()[diff])
    assert mismatched == 0
