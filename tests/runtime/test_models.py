"""Whole staged models through bt_runtime vs the tflite-micro wheel (all kernels
together: planner reuse, RESHAPE aliasing, variable-tensor state, ...)."""

import numpy as np
import pytest

from harness import golden, hostrun

from .test_arena import MODELS


@pytest.mark.parametrize("model", MODELS)
def test_model_bit_exact(model, models_dir, host_exe):
    path = models_dir / model
    sets = [hostrun.random_inputs(path, seed=s) for s in range(20)]
    ours = hostrun.run_host_many(path, sets)
    bad = []
    for k, (xs, o) in enumerate(zip(sets, ours)):
        ref = golden.golden_outputs(path, xs)
        assert len(ref) == len(o)
        for j, (r, y) in enumerate(zip(ref, o)):
            assert r.dtype == y.dtype and r.shape == y.shape, (r.dtype, r.shape, y.dtype, y.shape)
            if not np.array_equal(r, y):
                bad.append((k, j, r.ravel()[:8].tolist(), y.ravel()[:8].tolist()))
    assert not bad, f"{len(bad)} of {len(sets)} inferences differ, e.g. {bad[:3]}"


@pytest.mark.parametrize("model", MODELS[:3] + MODELS[4:])
def test_model_under_asan(model, models_dir, asan_exe):
    path = models_dir / model
    sets = [hostrun.random_inputs(path, seed=s) for s in range(3)]
    ours = hostrun.run_host_many(path, sets, sanitize=True)
    for xs, o in zip(sets, ours):
        for r, y in zip(golden.golden_outputs(path, xs), o):
            assert np.array_equal(r, y)


def test_variable_state_carries_over_without_reset(models_dir, host_exe):
    """--iterations 2 keeps LSTM state between invokes (no reset), like TFLM."""
    path = models_dir / "mnist_lstm" / "trained_lstm_int8.tflite"
    x = hostrun.random_inputs(path, seed=3)
    once = hostrun.run_host(path, x)
    twice = hostrun.run_host(path, x, extra=["--iterations", "2"])
    it = golden._cached_interpreter(str(path))
    it.reset()
    d = golden.input_details(path)[0]
    it.set_input(np.asarray(x[0], dtype=d["dtype"]).reshape(d["shape"]), 0)
    it.invoke()
    it.invoke()
    assert np.array_equal(np.array(it.get_output(0)), twice[0])
    assert np.array_equal(golden.golden_outputs(path, x)[0], once[0])
