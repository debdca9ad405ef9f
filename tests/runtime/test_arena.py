"""Arena: our planner/persistent layout vs TFLM's RecordingMicroAllocator, and
the exactness of bt_interp_arena_needed()."""

import re

import pytest

from harness import golden, hostrun

# Every staged model whose operators all have kernels.
MODELS = [
    "hello_world/hello_world_int8.tflite",
    "micro_speech/micro_speech_quantized.tflite",
    "mnist_lstm/trained_lstm_int8.tflite",
    "person_detection/person_detect.tflite",
    "keyword_scrambled/keyword_scrambled_8bit.tflite",
    "hello_world/hello_world_float.tflite",
]


@pytest.mark.parametrize("model", MODELS)
def test_not_larger_than_tflm(model, models_dir, host_exe):
    path = models_dir / model
    ours = hostrun.host_arena(path)
    tflm = golden.tflm_allocations(path)
    tflm_min = golden.tflm_min_arena(path)
    print(f"{model}: ours head {ours['head']} tail {ours['tail']} total {ours['total']} needed {ours['needed']}"
          f" | TFLM head {tflm['head']} tail {tflm['tail']} total {tflm['total']} min arena {tflm_min}")
    assert ours["total"] == ours["head"] + ours["tail"]
    assert ours["head"] <= tflm["head"], "activation plan worse than TFLM's greedy planner"
    assert ours["tail"] <= tflm["tail"]
    assert ours["total"] <= tflm["total"]
    assert ours["needed"] <= tflm_min


@pytest.mark.parametrize("model", MODELS)
def test_needed_is_exact(model, models_dir, asan_exe):
    path = models_dir / model
    needed = hostrun.host_arena(path, sanitize=True)["needed"]
    ok = hostrun.run_raw(path, ["--arena", needed], sanitize=True)
    assert ok.returncode == 0 and "BOARDTWIN-EXIT 0" in ok.stdout, ok.stdout + ok.stderr
    short = hostrun.run_raw(path, ["--arena", needed - 1, "--arena-needed"], sanitize=True)
    assert short.returncode == 1 and "ERROR: ARENA_TOO_SMALL" in short.stdout, short.stdout + short.stderr
    assert re.search(rf"^arena_needed {needed} ", short.stdout, re.M), short.stdout


@pytest.mark.parametrize("model", [MODELS[0], MODELS[2]])
@pytest.mark.parametrize("fraction", [0, 0.01, 0.3, 0.6, 0.75, 0.8, 0.9, 0.97, 0.999])
def test_too_small_arena_is_clean_and_bounded(model, fraction, models_dir, asan_exe):
    """Any arena size fails cleanly (head, tail or struct shortfall); the reported
    need is above what was given and never above the truth."""
    path = models_dir / model
    needed = hostrun.host_arena(path, sanitize=True)["needed"]
    arena = int(needed * fraction)
    r = hostrun.run_raw(path, ["--arena", arena, "--arena-needed"], sanitize=True)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "ERROR: ARENA_TOO_SMALL" in r.stdout
    m = re.search(r"^arena_needed (\d+) ", r.stdout, re.M)
    assert m and arena < int(m.group(1)) <= needed


def test_activations_share_memory(hello_int8, host_exe):
    """hello_world: 1 + 16 + 16 + 1 bytes of activations fit in 2 x 16 with reuse."""
    assert hostrun.host_arena(hello_int8)["head"] == 32
