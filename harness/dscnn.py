"""An int8 DS-CNN keyword-spotting model with MLPerf Tiny's reference
architecture (KWS "DS-CNN small") and deterministic random weights, for the
kernel benchmarks (`harness/bench_kernels.py`) and the dsp kernel tests.

    from harness.dscnn import ds_cnn_path
    path = ds_cnn_path()            # build/models/ds_cnn.tflite (cached, not committed)

Architecture (NHWC, batch 1): input 49x10x1 int8 ->
CONV_2D 64 filters 10x4 stride 2 SAME + RELU (25x5x64) ->
4 x [DEPTHWISE_CONV_2D 3x3 SAME + RELU, CONV_2D 64 1x1 + RELU] ->
AVERAGE_POOL_2D 25x5 (1x1x64) -> RESHAPE (1x64) -> FULLY_CONNECTED 12 -> SOFTMAX.
About 2.66 M MACs (conv 320 k, each depthwise 72 k, each pointwise 512 k, FC 768).

Quantization is what post-training quantization would produce: float weights
(He-normal, seeded) and a float forward pass in numpy over calibration inputs
give each activation's range; RELU outputs get zero point -128 and scale
max/255; weights are quantized per output channel (symmetric, scale
max|w|/127), biases to int32 at input_scale x weight_scale. The calibration
inputs are uniform over the whole int8 input range, as the benchmark's random
inputs are, so activations use the int8 range without saturating everywhere.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PATH = REPO / "build" / "models" / "ds_cnn.tflite"

IN_SHAPE = (1, 49, 10, 1)
IN_SCALE, IN_ZP = 0.1, 0          # int8 input x -> 0.1 * x (MFCC-like range +-12.8)
CH = 64
BLOCKS = 4
LABELS = 12
VERSION = 1                       # bump when the construction changes (cache key)


# ---- float reference pieces (numpy, NHWC, TF SAME padding) -------------------

def _same_pad(size: int, k: int, s: int) -> tuple[int, int]:
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def _conv(x, w, b, stride):
    """x [N,H,W,C], w [O,kh,kw,C] -> [N,oh,ow,O], SAME padding."""
    n, h, wd, c = x.shape
    o, kh, kw, _ = w.shape
    ph, pw = _same_pad(h, kh, stride), _same_pad(wd, kw, stride)
    xp = np.pad(x, ((0, 0), ph, pw, (0, 0)))
    oh, ow = -(-h // stride), -(-wd // stride)
    cols = np.empty((n, oh, ow, kh, kw, c), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, i, j, :] = xp[:, i:i + stride * oh:stride, j:j + stride * ow:stride, :]
    return cols.reshape(n, oh, ow, -1) @ w.reshape(o, -1).T + b


def _depthwise(x, w, b):
    """x [N,H,W,C], w [kh,kw,C] -> [N,H,W,C], stride 1 SAME."""
    n, h, wd, c = x.shape
    kh, kw, _ = w.shape
    xp = np.pad(x, ((0, 0), _same_pad(h, kh, 1), _same_pad(wd, kw, 1), (0, 0)))
    y = np.zeros_like(x, dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            y += xp[:, i:i + h, j:j + wd, :] * w[i, j]
    return y + b


def _relu(x):
    return np.maximum(x, 0.0)


def _quant_weights(w: np.ndarray, axis: int):
    """Symmetric per-channel int8 along `axis`: (int8 array, float32 scales)."""
    red = tuple(a for a in range(w.ndim) if a != axis)
    mx = np.max(np.abs(w), axis=red)
    scales = np.maximum(mx, 1e-8).astype(np.float32) / np.float32(127.0)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / scales.reshape(shape)), -127, 127).astype(np.int8)
    return q, scales


def _quant_bias(b: np.ndarray, in_scale: float, w_scales: np.ndarray) -> np.ndarray:
    bs = (np.float32(in_scale) * w_scales).astype(np.float64)
    return np.clip(np.round(b / bs), -(2 ** 31), 2 ** 31 - 1).astype(np.int32)


def _relu_quant(act: np.ndarray) -> tuple[float, int]:
    """RELU output range [0, max] -> (scale, zero point -128)."""
    hi = float(np.percentile(act, 99.99)) if act.size else 1.0
    return max(hi, 1e-6) / 255.0, -128


def build_ds_cnn(seed: int = 0, n_calib: int = 16) -> bytes:
    """The int8 DS-CNN as .tflite bytes (deterministic for a given seed)."""
    from harness import modelgen as mg

    rng = np.random.default_rng(seed)

    def he(shape, fan_in):
        return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)

    # float parameters
    w0 = he((CH, 10, 4, 1), 10 * 4)
    b0 = rng.standard_normal(CH) * 0.05
    blocks = []
    for _ in range(BLOCKS):
        dw = he((3, 3, CH), 9)
        db = rng.standard_normal(CH) * 0.05
        pw = he((CH, 1, 1, CH), CH)
        pb = rng.standard_normal(CH) * 0.05
        blocks.append((dw, db, pw, pb))
    fw = he((LABELS, CH), CH)
    fb = rng.standard_normal(LABELS) * 0.05

    # calibration: uniform int8 inputs, dequantized
    xq = rng.integers(-128, 128, size=(n_calib,) + IN_SHAPE[1:]).astype(np.float64)
    x = (xq - IN_ZP) * IN_SCALE

    b = mg.ModelBuilder("boardtwin DS-CNN (MLPerf Tiny KWS architecture), random weights")
    t = b.input(IN_SHAPE, IN_SCALE, IN_ZP, name="input")
    in_scale = IN_SCALE

    def conv(t, in_scale, x, w, bias, stride):
        y = _relu(_conv(x, w, bias, stride))
        s, z = _relu_quant(y)
        wq, ws = _quant_weights(w, 0)
        t = b.conv2d(t, wq, _quant_bias(bias, in_scale, ws), filter_scales=ws, out_scale=s, out_zp=z,
                     stride=stride, padding="SAME", activation="RELU")
        return t, s, y

    t, in_scale, x = conv(t, in_scale, x, w0, b0, 2)
    for dw, db, pw, pb in blocks:
        y = _relu(_depthwise(x, dw, db))
        s, z = _relu_quant(y)
        wq, ws = _quant_weights(dw.reshape(1, 3, 3, CH), 3)
        t = b.depthwise_conv2d(t, wq, _quant_bias(db, in_scale, ws), filter_scales=ws, out_scale=s,
                               out_zp=z, depth_multiplier=1, stride=1, padding="SAME",
                               activation="RELU")
        in_scale, x = s, y
        t, in_scale, x = conv(t, in_scale, x, pw, pb, 1)
    # average pool keeps the input quantization
    t = b.average_pool2d(t, (25, 5), stride=(1, 1), padding="VALID")
    x = x.mean(axis=(1, 2))
    t = b.reshape(t, (1, CH))
    logits = x @ fw.T + fb
    lo, hi = float(logits.min()), float(logits.max())
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    fs_out = max(hi - lo, 1e-6) / 255.0
    fz = int(np.clip(np.round(-128 - lo / fs_out), -128, 127))
    wq, ws = _quant_weights(fw, 0)
    t = b.fully_connected(t, wq, _quant_bias(fb, in_scale, ws), filter_scales=ws, out_scale=fs_out,
                          out_zp=fz)
    b.output(b.softmax(t))
    return b.build()


def ds_cnn_path(path: Path | str | None = None, seed: int = 0, rebuild: bool = False) -> Path:
    """Build (once) and return the cached model file; the file's sibling
    `.key` records the construction version and seed so a change rebuilds."""
    p = Path(path) if path is not None else DEFAULT_PATH
    key = hashlib.sha256(f"v{VERSION} seed{seed}".encode()).hexdigest()[:16]
    kp = p.with_suffix(".key")
    if rebuild or not p.is_file() or not kp.is_file() or kp.read_text().strip() != key:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".part")
        tmp.write_bytes(build_ds_cnn(seed))
        tmp.replace(p)
        kp.write_text(key + "\n")
    return p


if __name__ == "__main__":   # python -m harness.dscnn: build and summarise
    from harness.analyse import analyse
    path = ds_cnn_path(rebuild=True)
    a = analyse(path)
    print(path, path.stat().st_size, "bytes")
    print({k: v for k, v in a.items() if not isinstance(v, (list, dict))})
