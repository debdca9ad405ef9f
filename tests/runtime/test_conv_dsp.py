"""BT_KERNELS=dsp (CMSIS_NN=ON equivalent) CONV_2D / DEPTHWISE_CONV_2D vs TFLM.

The dsp kernels (firmware/runtime/kernels/dsp/) are built for the host here,
where the DSP intrinsics take their portable-C form with identical results,
so every fast path's data flow is checked byte for byte against the wheel:
1x1 pointwise (pairs of output channels), im2col (+ tails of K % 4),
depthwise multiplier 1 (4-channel groups, 3x3 interior unrolled, borders,
leftover channels), depthwise multiplier % 4 == 0, conv_wide.c (k x k
convs and depthwise convs with input depth 1 and multiplier > 1: interior
offset tables, rowwise runs, border staging, odd pixel / channel counts),
and the ref fallbacks
(grouped conv, other multipliers). The instructions themselves are checked
on an emulated Cortex-M4 by test_conv_dsp_arm.py.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from harness import hostrun
from harness import modelgen as mg

from .test_conv_ops import E2E, _private_copy, check_random, random_conv


@pytest.fixture(scope="session")
def dsp_exe(tmp_path_factory):
    return _private_copy(hostrun.build_host(kernels="dsp"), tmp_path_factory, "bt_host_run_dsp")


@pytest.fixture(scope="session")
def dsp_san_exe(tmp_path_factory):
    return _private_copy(hostrun.build_host(sanitize=True, kernels="dsp"), tmp_path_factory,
                         "bt_host_run_dsp_asan")


@pytest.mark.parametrize("model", sorted(E2E))
def test_dsp_model_end_to_end(model, models_dir, dsp_exe):
    rel, sampler = E2E[model]
    mb = (models_dir / rel).read_bytes()
    samples = sampler(models_dir, 20)
    outs = mg.operator_outputs(mb)
    names = [f"op #{i} output" for i in range(len(outs))]
    bad = mg.mismatches(mb, samples, exe=dsp_exe)
    bad += mg.mismatches(mg.expose_outputs(mb, outs), samples, output_names=names, exe=dsp_exe)
    assert not bad, "\n".join(bad[:20])


@pytest.mark.parametrize("model", sorted(E2E))
def test_dsp_model_end_to_end_asan(model, models_dir, dsp_san_exe):
    rel, sampler = E2E[model]
    mb = (models_dir / rel).read_bytes()
    samples = sampler(models_dir, 2)
    outs = mg.operator_outputs(mb)
    assert not mg.mismatches(mg.expose_outputs(mb, outs), samples, exe=dsp_san_exe)


# Shapes that reach each fast path; everything else is drawn at random.
DSP_CASES = {
    "conv_1x1_even_out": dict(k=(1, 1), cin=16, cout=8),
    "conv_1x1_odd_out_tail_in": dict(k=(1, 1), cin=13, cout=7),
    "conv_1x1_stride2": dict(k=(1, 1), stride=(2, 2), cin=8, cout=6, padding="SAME"),
    "conv_im2col_3x3_same": dict(k=(3, 3), cin=8, cout=6, padding="SAME", dilation=(1, 1)),
    "conv_im2col_k_tail": dict(k=(3, 3), cin=3, cout=5, padding="SAME"),   # K = 27
    "conv_im2col_dilated": dict(k=(3, 2), cin=4, cout=4, dilation=(2, 3), padding="SAME"),
    "conv_im2col_stride2": dict(k=(5, 5), cin=6, cout=3, stride=(2, 2)),
    "conv_grouped_ref_fallback": dict(cin=8, cout=4, groups=2),
    "dw_m1_3x3_interior_and_border": dict(kind="depthwise", k=(3, 3), cin=12, dm=1, h=9, w=8,
                                          padding="SAME", dilation=(1, 1), stride=(1, 1)),
    "dw_m1_3x3_stride2": dict(kind="depthwise", k=(3, 3), cin=8, dm=1, h=10, w=11,
                              padding="SAME", dilation=(1, 1), stride=(2, 2)),
    "dw_m1_leftover_channels": dict(kind="depthwise", k=(3, 3), cin=7, dm=1, dilation=(1, 1)),
    "dw_m1_5x3_dilated": dict(kind="depthwise", k=(5, 3), cin=8, dm=1, dilation=(2, 1)),
    "dw_m4": dict(kind="depthwise", cin=3, dm=4),
    "dw_m8_micro_speech_like": dict(kind="depthwise", cin=1, dm=8, k=(5, 4), stride=(2, 2)),
    "dw_m2_ref_fallback": dict(kind="depthwise", cin=5, dm=2),
    # conv_wide.c: pre-widened filters, 2-pixel im2col, assembly SMLAD loop
    "wide_conv_in1_3x3_valid_mnist_like": dict(k=(3, 3), cin=1, cout=8, padding="VALID", stride=(1, 1),
                                               dilation=(1, 1), h=12, w=11),
    "wide_conv_in1_3x3_same_stride2_odd_out": dict(k=(3, 3), cin=1, cout=5, padding="SAME", stride=(2, 2),
                                                   dilation=(1, 1), h=9, w=10),
    "wide_conv_in8_3x3_same_rowwise_border": dict(k=(3, 3), cin=8, cout=6, padding="SAME", stride=(1, 1),
                                                  dilation=(1, 1), h=7, w=9),
    "wide_conv_in3_kw4_same_rowwise_staging": dict(k=(2, 4), cin=3, cout=7, padding="SAME", dilation=(1, 1)),
    "wide_conv_in1_kw4_stride2_same_ds_cnn_like": dict(k=(5, 4), cin=1, cout=12, padding="SAME",
                                                       stride=(2, 2), dilation=(1, 1), h=12, w=7),
    "wide_conv_dilated_width_table": dict(k=(3, 2), cin=4, cout=9, dilation=(1, 2), padding="SAME"),
    "wide_conv_odd_pixel_count": dict(k=(3, 3), cin=2, cout=4, h=5, w=3, padding="VALID", stride=(1, 1),
                                      dilation=(1, 1), n=1),
    "wide_conv_batch2_per_tensor": dict(k=(2, 2), cin=5, cout=3, n=2, per_channel=False),
    "wide_conv_zp_extremes": dict(k=(3, 3), cin=1, cout=4, in_zp=-128, out_zp=127, padding="SAME"),
    "wide_dw_in1_m8_10x8_stride2_same_micro_speech_like": dict(kind="depthwise", cin=1, dm=8, k=(10, 8),
                                                               stride=(2, 2), padding="SAME",
                                                               dilation=(1, 1), h=15, w=12),
    "wide_dw_in1_m8_10x8_valid": dict(kind="depthwise", cin=1, dm=8, k=(10, 8), stride=(1, 1),
                                      padding="VALID", dilation=(1, 1), h=12, w=11),
    "wide_dw_in1_m3_dilated": dict(kind="depthwise", cin=1, dm=3, k=(3, 5), dilation=(2, 1), padding="SAME"),
    "wide_dw_in1_m2_batch2_valid": dict(kind="depthwise", cin=1, dm=2, n=2, padding="VALID"),
    "wide_dw_in1_m6_zp_extremes": dict(kind="depthwise", cin=1, dm=6, in_zp=127, out_zp=-128,
                                       k=(4, 4), dilation=(1, 1), padding="SAME"),
}


@pytest.mark.parametrize("case", sorted(DSP_CASES))
def test_dsp_fast_paths(case, dsp_exe):
    force = dict(DSP_CASES[case])
    kind = force.pop("kind", "conv")
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    check_random(rng, lambda r: random_conv(r, kind, **force), 6, dsp_exe)


def _wide(rng, kind):
    """Random models with SIMD-sized channel counts (4..40) and multipliers 1..8."""
    force = dict(cin=int(rng.integers(1, 41)), cout=int(rng.integers(1, 41)),
                 dm=int(rng.choice([1, 1, 2, 4, 8])))
    if kind == "depthwise" and force["dm"] > 1:
        force["cin"] = int(rng.integers(1, 9))
    return random_conv(rng, kind, **force)


def _wide_random(rng, kind):
    """Random models that take conv_wide.c: k x k convs (any input depth, not
    1x1) and depthwise convs with input depth 1 and multiplier 2..9, with odd
    sizes, both paddings, strides, dilations and per-channel quantization."""
    force = dict(cout=int(rng.integers(1, 21)), cin=int(rng.choice([1, 1, 2, 3, 4, 8, 12])))
    if rng.random() < 0.5:
        force["k"] = (int(rng.integers(2, 7)), int(rng.choice([3, 4, 8])))
    if kind == "depthwise":
        force.update(cin=1, dm=int(rng.integers(2, 10)))
    else:
        force.setdefault("k", (int(rng.integers(1, 5)), int(rng.integers(2, 5))))
    return random_conv(rng, kind, **force)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", ["conv", "depthwise"])
def test_dsp_wide_random(kind, seed, dsp_exe):
    check_random(np.random.default_rng(9000 + seed + (0 if kind == "conv" else 100)),
                 lambda r: _wide_random(r, kind), 12, dsp_exe)


@pytest.mark.parametrize("kind", ["conv", "depthwise"])
def test_dsp_wide_random_asan(kind, dsp_san_exe):
    check_random(np.random.default_rng(91), lambda r: _wide_random(r, kind), 6, dsp_san_exe, n_samples=2)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("kind", ["conv", "depthwise"])
def test_dsp_random(kind, seed, dsp_exe):
    check_random(np.random.default_rng(4000 + seed + (0 if kind == "conv" else 100)),
                 lambda r: _wide(r, kind), 12, dsp_exe)


@pytest.mark.parametrize("kind", ["conv", "depthwise"])
def test_dsp_random_asan(kind, dsp_san_exe):
    check_random(np.random.default_rng(77), lambda r: _wide(r, kind), 6, dsp_san_exe, n_samples=2)


def test_dsp_more_im2col_convs_than_scratch_slots(dsp_exe):
    """20 stacked 3x3 convs: once the graph's scratch slots (BT_MAX_SCRATCH)
    are taken, the remaining convs fall back to the ref loop instead of
    failing; the whole stack stays bit-exact (ReLU keeps the signal alive)."""
    rng = np.random.default_rng(0)
    b = mg.ModelBuilder()
    scale = 0.05
    x = b.input((1, 6, 6, 4), scale, 0)
    for _ in range(20):
        fs = mg.random_filter_scales(rng, 4, True)
        out_scale = mg.conv_out_scale(scale, fs, 36, spread=60.0)
        x = b.conv2d(x, mg.random_int8(rng, (4, 3, 3, 4)), mg.random_bias(rng, 4, 36), filter_scales=fs,
                     out_scale=out_scale, out_zp=-100, padding="SAME", activation="RELU")
        scale = out_scale
    b.output(x)
    samples = [[mg.random_int8(rng, (1, 6, 6, 4))] for _ in range(4)]
    outs = mg.host_batch(b.build(), samples, exe=dsp_exe)
    assert any(len(set(o[0])) > 1 for o in outs), "degenerate test: constant output"
    assert not mg.mismatches(b.build(), samples, exe=dsp_exe)
