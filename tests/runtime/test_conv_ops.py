"""CONV_2D and DEPTHWISE_CONV_2D vs TFLM (the tflite-micro wheel), byte for byte.

* End to end: micro_speech_quantized and person_detect, comparing the final
  outputs AND every intermediate tensor (the model is re-emitted with all
  operator outputs as graph outputs), on real inputs (person/no_person
  images, yes/no/noise/silence features from the wheel's audio frontend),
  extremes and >= 20 random inputs; also under the ASan/UBSan host build.
* Randomised single-op models from harness/modelgen.py: odd sizes, batches,
  SAME/VALID, strides 1-3, dilation 1-3, depth multiplier, grouped conv,
  per-channel and per-tensor filters, all fused activations, random zero
  points and scales (multipliers below and above 1), with/without bias.
"""

from __future__ import annotations

import shutil
import wave
import zlib

import numpy as np
import pytest

from harness import modelgen as mg

ACTS = list(mg.ACTIVATIONS)


def _private_copy(exe, tmp_path_factory, name):
    """Run a private copy: the shared build dir may be relinked by another
    session (or xdist worker) while these tests run."""
    dst = tmp_path_factory.mktemp("exe") / name
    shutil.copy2(exe, dst)
    return dst


@pytest.fixture(scope="session")
def ref_exe(host_exe, tmp_path_factory):
    return _private_copy(host_exe, tmp_path_factory, "bt_host_run")


@pytest.fixture(scope="session")
def san_exe(asan_exe, tmp_path_factory):
    return _private_copy(asan_exe, tmp_path_factory, "bt_host_run_asan")


# ---- end to end -------------------------------------------------------------

def _person_samples(models_dir, n_random=22):
    from PIL import Image
    out = []
    for name in ("person.bmp", "no_person.bmp"):
        # The BMPs hold the int8 test tensors' raw bytes as 8-bit gray pixels
        # (reading them as int8 is what makes the model classify them right).
        img = np.asarray(Image.open(models_dir / "person_detection" / "testdata" / name).convert("L"))
        out.append([img.astype(np.uint8).view(np.int8).reshape(1, 96, 96, 1)])
    out.append([np.full((1, 96, 96, 1), -128, np.int8)])
    out.append([np.full((1, 96, 96, 1), 127, np.int8)])
    rng = np.random.default_rng(2024)
    out += [[mg.random_int8(rng, (1, 96, 96, 1))] for _ in range(n_random)]
    return out


def _speech_features(models_dir, wav_name):
    """49 x 40 int8 features of a 1 s clip through the audio preprocessor
    model (30 ms windows, 20 ms stride), the micro_speech example's pipeline."""
    from tflite_micro import runtime
    with wave.open(str(models_dir / "micro_speech" / "testdata" / wav_name)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    it = runtime.Interpreter.from_file(str(models_dir / "micro_speech" / "audio_preprocessor_int8.tflite"))
    feats = []
    for f in range(49):
        it.set_input(pcm[f * 320:f * 320 + 480].reshape(1, 480), 0)
        it.invoke()
        feats.append(np.array(it.get_output(0)).reshape(40))
    return np.stack(feats).astype(np.int8).reshape(1, 1960)


def _speech_samples(models_dir, n_random=20):
    out = [[_speech_features(models_dir, w)] for w in
           ("yes_1000ms.wav", "no_1000ms.wav", "noise_1000ms.wav", "silence_1000ms.wav")]
    out.append([np.full((1, 1960), -128, np.int8)])
    out.append([np.full((1, 1960), 127, np.int8)])
    rng = np.random.default_rng(7)
    out += [[mg.random_int8(rng, (1, 1960))] for _ in range(n_random)]
    return out


E2E = {
    "micro_speech": ("micro_speech/micro_speech_quantized.tflite", _speech_samples),
    "person_detect": ("person_detection/person_detect.tflite", _person_samples),
}


def _e2e(models_dir, model, exe, sanitize, n_random):
    rel, sampler = E2E[model]
    path = models_dir / rel
    if not path.is_file():
        pytest.fail(f"{path} missing (../shared/models)")
    mb = path.read_bytes()
    samples = sampler(models_dir, n_random)
    assert len(samples) >= min(20, n_random)
    # 1. the model as shipped: final outputs
    bad = mg.mismatches(mb, samples, exe=exe, sanitize=sanitize)
    # 2. every operator output exposed as a graph output
    outs = mg.operator_outputs(mb)
    names = [f"op #{i} output (tensor {t})" for i, t in enumerate(outs)]
    bad += mg.mismatches(mg.expose_outputs(mb, outs), samples, output_names=names,
                         exe=exe, sanitize=sanitize)
    assert not bad, f"{model}: {len(bad)} mismatches vs TFLM:\n" + "\n".join(bad[:20])


@pytest.mark.parametrize("model", sorted(E2E))
def test_model_end_to_end_bit_exact(model, models_dir, ref_exe):
    _e2e(models_dir, model, ref_exe, False, n_random=22)


@pytest.mark.parametrize("model", sorted(E2E))
def test_model_end_to_end_asan(model, models_dir, san_exe):
    _e2e(models_dir, model, san_exe, True, n_random=4)


def test_person_detect_classifies_images(models_dir, ref_exe):
    """Sanity beyond bit-exactness: the test images get their labels
    (output index 1 = person)."""
    mb = (models_dir / "person_detection" / "person_detect.tflite").read_bytes()
    person, no_person = _person_samples(models_dir, 0)[:2]
    res = mg.host_batch(mb, [person, no_person], exe=ref_exe)
    p, n = (np.frombuffer(r[0], np.int8) for r in res)
    assert p[1] > p[0] and n[0] > n[1], (p, n)


# ---- randomised single-op models -----------------------------------------------

def _geometry(rng, force, max_hw=12, max_k=5, max_s=3, max_d=3):
    """Random conv geometry with `force`d fields, redrawn until the output
    is non-empty."""
    while True:
        n = int(rng.integers(1, 3)) if rng.random() < 0.3 else 1
        h, w = int(rng.integers(1, max_hw + 1)), int(rng.integers(1, max_hw + 1))
        kh, kw = int(rng.integers(1, max_k + 1)), int(rng.integers(1, max_k + 1))
        sh, sw = int(rng.integers(1, max_s + 1)), int(rng.integers(1, max_s + 1))
        dh, dw = (1, 1) if rng.random() < 0.5 else (int(rng.integers(1, max_d + 1)), int(rng.integers(1, max_d + 1)))
        pad = "SAME" if rng.random() < 0.5 else "VALID"
        g = dict(n=n, h=h, w=w, k=(kh, kw), stride=(sh, sw), dilation=(dh, dw), padding=pad)
        g.update({k: v for k, v in force.items() if k in g})
        if all(mg.out_size(g["padding"], g[a], g["k"][i], g["stride"][i], g["dilation"][i]) >= 1
               for i, a in enumerate(("h", "w"))):
            return g


def random_conv(rng, kind: str, **force):
    """(model bytes, input shape, description) of one random CONV_2D /
    DEPTHWISE_CONV_2D model; `force` overrides any drawn parameter."""
    g = _geometry(rng, force)
    p = dict(act=ACTS[int(rng.integers(0, len(ACTS)))], per_channel=bool(rng.random() < 0.7),
             in_scale=float(rng.uniform(0.005, 0.1)), in_zp=int(rng.integers(-128, 128)),
             out_zp=int(rng.integers(-128, 128)), scale_mul=float(np.exp(rng.uniform(-1.5, 1.5))),
             cin=int(rng.integers(1, 9)), cout=int(rng.integers(1, 9)), dm=int(rng.integers(1, 4)),
             groups=1, bias=True if kind == "depthwise" else bool(rng.random() < 0.8))
    p.update({k: v for k, v in force.items() if k in p})
    (kh, kw), n, h, w, cin = g["k"], g["n"], g["h"], g["w"], p["cin"]
    b = mg.ModelBuilder()
    x = b.input((n, h, w, cin), p["in_scale"], p["in_zp"])
    if kind == "conv":
        cout, fic = p["cout"], cin // p["groups"]
        filt = mg.random_int8(rng, (cout, kh, kw, fic))
        taps = kh * kw * fic
        fs = mg.random_filter_scales(rng, cout, p["per_channel"])
        bias = mg.random_bias(rng, cout, taps) if p["bias"] else None
        y = b.conv2d(x, filt, bias, filter_scales=fs,
                     out_scale=mg.conv_out_scale(p["in_scale"], fs, taps) * p["scale_mul"],
                     out_zp=p["out_zp"], stride=g["stride"], padding=g["padding"],
                     dilation=g["dilation"], activation=p["act"])
    else:
        cout, taps = cin * p["dm"], kh * kw
        filt = mg.random_int8(rng, (1, kh, kw, cout))
        fs = mg.random_filter_scales(rng, cout, p["per_channel"])
        bias = mg.random_bias(rng, cout, taps) if p["bias"] else None
        y = b.depthwise_conv2d(x, filt, bias, filter_scales=fs,
                               out_scale=mg.conv_out_scale(p["in_scale"], fs, taps) * p["scale_mul"],
                               out_zp=p["out_zp"], depth_multiplier=p["dm"], stride=g["stride"],
                               padding=g["padding"], dilation=g["dilation"], activation=p["act"])
    b.output(y)
    return b.build(), (n, h, w, cin), {**g, **p, "kind": kind}


def check_random(rng, make, n_models, exe, n_samples=4, **host_kw):
    bad = []
    for _ in range(n_models):
        mb, shape, desc = make(rng)
        samples = [[mg.random_int8(rng, shape)] for _ in range(n_samples)]
        m = mg.mismatches(mb, samples, exe=exe, **host_kw)
        if m:
            bad.append(f"{desc}:\n    " + "\n    ".join(m[:3]))
    assert not bad, f"{len(bad)}/{n_models} random models differ from TFLM:\n" + "\n".join(bad[:8])


@pytest.mark.parametrize("seed", range(10))
def test_conv2d_random(seed, ref_exe):
    check_random(np.random.default_rng(100 + seed), lambda r: random_conv(r, "conv"), 12, ref_exe)


@pytest.mark.parametrize("seed", range(10))
def test_depthwise_conv2d_random(seed, ref_exe):
    check_random(np.random.default_rng(200 + seed), lambda r: random_conv(r, "depthwise"), 12, ref_exe)


# Named corner cases: each is drawn randomly apart from the forced fields.
CONV_CASES = {
    "1x1_pointwise": dict(k=(1, 1), stride=(1, 1), dilation=(1, 1), cin=8, cout=8),
    "3x3_same_stride2_even": dict(k=(3, 3), stride=(2, 2), padding="SAME", h=8, w=8, dilation=(1, 1)),
    "3x3_valid_stride2_odd": dict(k=(3, 3), stride=(2, 2), padding="VALID", h=9, w=7, dilation=(1, 1)),
    "dilation2_same": dict(k=(3, 3), dilation=(2, 2), padding="SAME", h=9, w=9, stride=(1, 1)),
    "dilation3_valid": dict(k=(2, 3), dilation=(3, 2), padding="VALID", h=11, w=10, stride=(1, 1)),
    "filter_as_large_as_input": dict(k=(5, 5), h=5, w=5, padding="VALID", stride=(1, 1), dilation=(1, 1)),
    "single_pixel_same": dict(h=1, w=1, k=(3, 3), padding="SAME", stride=(1, 1), dilation=(1, 1)),
    "per_tensor": dict(per_channel=False),
    "no_bias": dict(bias=False),
    "relu": dict(act="RELU"), "relu6": dict(act="RELU6"), "relu_n1_to_1": dict(act="RELU_N1_TO_1"),
    "tanh_is_no_clamp": dict(act="TANH"), "sign_bit_is_no_clamp": dict(act="SIGN_BIT"),
    "zp_extremes": dict(in_zp=-128, out_zp=127), "zp_extremes_2": dict(in_zp=127, out_zp=-128),
    "multiplier_gt_one": dict(scale_mul=1e-3),     # effective scale > 1: left shift path
    "tiny_multiplier": dict(scale_mul=1e4),
    "batch3": dict(n=3),
    "grouped_conv": dict(cin=6, cout=4, groups=2),
    "depth_multiplier_3": dict(dm=3, cin=3),
    "wide_channels": dict(cin=37, cout=19, dm=1),
}


# grouped conv is conv-only; the wheel's DEPTHWISE_CONV_2D crashes (SIGSEGV)
# without a bias tensor, so depthwise cases always carry one.
CORNER = [(k, c) for c in sorted(CONV_CASES) for k in ("conv", "depthwise")
          if not (k == "depthwise" and ("groups" in CONV_CASES[c] or "bias" in CONV_CASES[c]))]


@pytest.mark.parametrize("kind,case", CORNER)
def test_conv_corner_cases(kind, case, ref_exe):
    seed = zlib.crc32(f"{kind}/{case}".encode())
    check_random(np.random.default_rng(seed), lambda r: random_conv(r, kind, **CONV_CASES[case]), 3, ref_exe)


@pytest.mark.parametrize("kind", ["conv", "depthwise"])
def test_conv_random_asan(kind, san_exe):
    check_random(np.random.default_rng(300), lambda r: random_conv(r, kind), 8, san_exe,
                 n_samples=2, sanitize=True)


def test_comparison_detects_a_one_lsb_difference(ref_exe):
    """The harness itself can fail: a model whose output zero point differs by
    one from the one TFLM runs must be reported as mismatching."""
    rng = np.random.default_rng(5)
    m1, shape, _ = random_conv(np.random.default_rng(9), "conv", act="NONE", out_zp=0, scale_mul=3.0)
    m2, _, _ = random_conv(np.random.default_rng(9), "conv", act="NONE", out_zp=1, scale_mul=3.0)
    samples = [[mg.random_int8(rng, shape)] for _ in range(2)]
    assert mg.host_batch(m1, samples, exe=ref_exe) == mg.golden_batch(m1, samples)
    assert mg.host_batch(m1, samples, exe=ref_exe) != mg.golden_batch(m2, samples)


# ---- the requantization arithmetic, pinned on inputs chosen to discriminate ------

def _round_away(v: float) -> int:
    return int(np.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)


def _quantize_multiplier(m: float):
    import math
    if m == 0.0:
        return 0, 0
    f, e = math.frexp(m)
    q = _round_away(f * (1 << 31))
    if q == 1 << 31:
        q //= 2
        e += 1
    return q, e


def _mbqm(x: int, q: int, shift: int) -> int:
    """TFLM reference MultiplyByQuantizedMultiplier (two roundings)."""
    ls, rs = max(shift, 0), max(-shift, 0)
    ab = (x << ls) * q
    n = ab + ((1 << 30) if ab >= 0 else 1 - (1 << 30))
    hi = n // (1 << 31) if n >= 0 else -((-n) // (1 << 31))    # C++ division truncates
    mask = (1 << rs) - 1
    return (hi >> rs) + (1 if (hi & mask) > (mask >> 1) + (1 if hi < 0 else 0) else 0)


def test_conv_multiplier_uses_double_scale_product(ref_exe):
    """TFLM derives each channel's multiplier from input_scale * filter_scale
    in double (float would be the per-tensor FULLY_CONNECTED rule). Find
    scales where the two choices give different multipliers and an
    accumulator where that changes the output, then check TFLM and ours both
    follow the double product."""
    rng = np.random.default_rng(11)
    hit = None
    for _ in range(1000):
        in_s, f_s, out_s = (np.float32(v) for v in rng.uniform([0.001, 0.0005, 0.5], [0.1, 0.01, 4.0]))
        q_d, sh_d = _quantize_multiplier(float(in_s) * float(f_s) / float(out_s))
        q_f, sh_f = _quantize_multiplier(float(np.float32(in_s * f_s)) / float(out_s))
        if (q_d, sh_d) == (q_f, sh_f):
            continue
        m = q_d * 2.0 ** (sh_d - 31)
        # accumulators next to each rounding boundary (k + 1/2) / m
        for k in range(-100, 100):
            c = int(round((k + 0.5) / m))
            for x in (c - 1, c, c + 1):
                if _mbqm(x, q_d, sh_d) != _mbqm(x, q_f, sh_f):
                    hit = x
                    break
            if hit is not None:
                break
        if hit is not None:
            break
    else:
        pytest.fail("no discriminating case found")
    x = hit
    b = mg.ModelBuilder()
    inp = b.input((1, 1, 1, 1), float(in_s), 0)
    y = b.conv2d(inp, np.ones((1, 1, 1, 1), np.int8), np.array([x], np.int32),
                 filter_scales=[float(f_s)], out_scale=float(out_s), out_zp=0, padding="VALID")
    b.output(y)
    mb = b.build()
    samples = [[np.zeros((1, 1, 1, 1), np.int8)]]        # accumulator = bias = x
    gold = np.frombuffer(mg.golden_batch(mb, samples)[0][0], np.int8)[0]
    ours = np.frombuffer(mg.host_batch(mb, samples, exe=ref_exe)[0][0], np.int8)[0]
    assert gold == _mbqm(x, q_d, sh_d) != _mbqm(x, q_f, sh_f), (gold, x, q_d, q_f)
    assert ours == gold
