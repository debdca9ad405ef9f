"""The project's own MNIST model (models/mnist), checked with the tflite-micro wheel only.

TensorFlow and mlxtend are the optional extra `train`: nothing here imports them.
"""

import csv
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harness.analyse import analyse
from harness.train import mnist

REPO = Path(__file__).resolve().parents[2]
MODEL_DIR = REPO / "models" / "mnist"
MODEL = MODEL_DIR / mnist.MODEL_FILE
TESTDATA = MODEL_DIR / "testdata"


@pytest.fixture(scope="module")
def info():
    return analyse(MODEL)


@pytest.fixture(scope="module")
def interp():
    from tflite_micro import runtime

    return runtime.Interpreter.from_bytes(MODEL.read_bytes())


@pytest.fixture(scope="module")
def labels():
    with open(TESTDATA / "labels.tsv", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_operators_are_exactly_the_allowed_set(info):
    ops = [o["op"] for o in info["operators"]]
    assert set(ops) <= mnist.ALLOWED_OPS, f"unexpected operators {sorted(set(ops) - mnist.ALLOWED_OPS)}"
    assert ops == mnist.EXPECTED_OPS
    assert mnist.check_ops(info) == ops


def test_size_macs_and_io(info):
    assert 15_000 <= info["bytes"] <= 25_000
    assert 190_000 <= info["macs"] <= 210_000
    assert info["macs"] == 26 * 26 * 8 * 9 + 11 * 11 * 16 * 72 + 400 * 32 + 32 * 10
    assert info["inputs"] == [dict(shape=[1, 28, 28, 1], dtype="int8")]
    assert info["outputs"] == [dict(shape=[1, 10], dtype="int8")]


def test_input_quantization_maps_pixels_exactly(interp):
    scale, zp = mnist.input_quantization(interp)
    assert scale == pytest.approx(1 / 255, rel=1e-6) and zp == -128
    px = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    assert np.array_equal(mnist.quantize_input(px, scale, zp).ravel(), np.arange(256) - 128)


def test_runs_in_a_small_arena():
    from tflite_micro import runtime

    it = runtime.Interpreter.from_bytes(MODEL.read_bytes(), arena_size=11_000)
    it.invoke()


def test_testdata_layout(labels):
    assert [r["file"] for r in labels] == [f"digit_{d}.bin" for d in range(10)]
    assert [int(r["label"]) for r in labels] == list(range(10))
    assert sorted(p.name for p in TESTDATA.glob("*.bin")) == [r["file"] for r in labels]
    for r in labels:
        assert (TESTDATA / r["file"]).stat().st_size == 28 * 28


def test_wheel_predicts_the_recorded_labels(interp, labels):
    imgs = np.stack([np.frombuffer((TESTDATA / r["file"]).read_bytes(), dtype=np.int8).reshape(28, 28, 1)
                     for r in labels])
    preds = mnist.wheel_predict(interp, imgs)
    assert [int(p) for p in preds] == [int(r["prediction"]) for r in labels]
    correct = sum(int(p) == int(r["label"]) for p, r in zip(preds, labels))
    assert correct >= 9, f"only {correct}/10 test digits classified correctly"


def test_model_card_matches_the_model(info):
    card = (MODEL_DIR / "MODEL_CARD.md").read_text()
    assert f"Size: {info['bytes']:,} bytes" in card
    assert f"MACs: {info['macs']:,} per inference" in card
    m = re.search(r"\*\*(\d+\.\d) %\*\* \((\d+) / 1000\)", card)
    assert m, "card has no int8 accuracy on the 1,000 held-back samples"
    assert float(m.group(1)) >= 95.0 and int(m.group(2)) >= 950
    assert "python -m harness.train.mnist --out models/mnist" in card


def test_training_module_imports_without_tensorflow():
    code = ("import sys, harness.train.mnist; "
            "bad = [m for m in ('tensorflow', 'keras', 'mlxtend') if m in sys.modules]; "
            "sys.exit(f'imported {bad}' if bad else 0)")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def test_split_is_fixed_stratified_and_disjoint():
    y = np.repeat(np.arange(10), 500)
    tr, te = mnist.split_indices(y)
    tr2, te2 = mnist.split_indices(y)
    assert np.array_equal(tr, tr2) and np.array_equal(te, te2)
    assert len(tr) == 4000 and len(te) == 1000
    assert not set(tr) & set(te) and set(tr) | set(te) == set(range(5000))
    assert np.array_equal(np.bincount(y[te]), [100] * 10)


def test_pick_test_digits_takes_the_first_of_each():
    y = np.array([3, 1, 0, 1, 2, 5, 4, 6, 9, 8, 7, 3, 0])
    assert mnist.pick_test_digits(y) == {0: 2, 1: 1, 2: 4, 3: 0, 4: 6, 5: 5, 6: 7, 7: 10, 8: 9, 9: 8}
