"""Sequence/stateful kernels vs TFLM (the tflite-micro wheel), byte for byte:
UNIDIRECTIONAL_SEQUENCE_LSTM (int8 x int8 -> int16 gates, int16 cell), SVDF
(int8, int8 or int16 state) and the QUANTIZE int16 -> int8/int16/int32 paths.

* mnist_lstm int8 (LSTM, RESHAPE, FC, SOFTMAX) on its sample PNGs and random
  inputs: fresh single invokes and long sequences of invokes in one process
  (the LSTM/SVDF states are variable tensors that TFLM carries from invoke to
  invoke), plus a probe model whose output is the LSTM's own output (every
  hidden state of every step), so the final softmax cannot hide errors.
* keyword_scrambled_8bit on random int16 inputs over 25 consecutive invokes,
  with every intermediate tensor as a graph output.
* Randomised single-op LSTM and SVDF models (scales, zero points, batch,
  time-major, cell scale/clip, rank, memory, int8/int16 state), several
  invokes each.
The helpers here (model builder, sequence runners) are shared with
test_elementwise_ops.py.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import flatbuffers
import numpy as np
import pytest

from harness import golden, hostrun
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl

REPO = Path(__file__).resolve().parents[2]
OP = tfl.BuiltinOperator
BO = tfl.BuiltinOptions
_NP2T = {np.dtype(np.int8): tfl.TensorType.INT8, np.dtype(np.int16): tfl.TensorType.INT16,
         np.dtype(np.int32): tfl.TensorType.INT32, np.dtype(np.float32): tfl.TensorType.FLOAT32,
         np.dtype(np.uint8): tfl.TensorType.UINT8, np.dtype(np.int64): tfl.TensorType.INT64}


# ---- a tiny single-subgraph model builder (schema object API) ---------------

class Tn:
    """Tensor spec: shape, numpy dtype, optional per-tensor (scale, zp), data."""

    def __init__(self, shape, dtype, scale=None, zp=0, data=None, variable=False, name=None):
        self.shape = [int(s) for s in shape]
        self.dtype = np.dtype(dtype)
        self.scale, self.zp, self.data, self.variable, self.name = scale, zp, data, variable, name


def build_model(ops, inputs, outputs) -> bytes:
    """ops: list of dicts {code, ins, outs, [opt_type, opts, intermediates]}."""
    m = tfl.ModelT()
    m.version = 3
    m.description = "boardtwin seq-op test"
    m.buffers = [tfl.BufferT()]
    g = tfl.SubGraphT()
    g.tensors, g.operators = [], []
    ids = {}

    def tid(t):
        if t is None:
            return -1
        if id(t) in ids:
            return ids[id(t)]
        tt = tfl.TensorT()
        tt.shape = list(t.shape)
        tt.type = _NP2T[t.dtype]
        tt.name = t.name or f"t{len(g.tensors)}"
        tt.isVariable = bool(t.variable)
        b = tfl.BufferT()
        if t.data is not None:
            raw = np.ascontiguousarray(np.asarray(t.data, dtype=t.dtype)).tobytes()
            b.data = np.frombuffer(raw, dtype=np.uint8)
        m.buffers.append(b)
        tt.buffer = len(m.buffers) - 1
        if t.scale is not None:
            q = tfl.QuantizationParametersT()
            q.scale = [float(np.float32(s)) for s in np.atleast_1d(t.scale)]
            q.zeroPoint = [int(z) for z in np.atleast_1d(t.zp)]
            tt.quantization = q
        g.tensors.append(tt)
        ids[id(t)] = len(g.tensors) - 1
        return ids[id(t)]

    codes = []
    for o in ops:
        if o["code"] not in codes:
            codes.append(o["code"])
        op = tfl.OperatorT()
        op.opcodeIndex = codes.index(o["code"])
        op.inputs = [tid(t) for t in o["ins"]]
        op.outputs = [tid(t) for t in o["outs"]]
        if o.get("intermediates"):
            op.intermediates = [tid(t) for t in o["intermediates"]]
        if o.get("opts") is not None:
            op.builtinOptionsType = o["opt_type"]
            op.builtinOptions = o["opts"]
        g.operators.append(op)
    g.inputs = [tid(t) for t in inputs]
    g.outputs = [tid(t) for t in outputs]
    m.subgraphs = [g]
    m.operatorCodes = []
    for c in codes:
        oc = tfl.OperatorCodeT()
        oc.builtinCode = c
        oc.deprecatedBuiltinCode = min(c, 127)
        oc.version = 1
        m.operatorCodes.append(oc)
    b = flatbuffers.Builder(4096)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def single_op(code, ins, outs, opt_type=0, opts=None, graph_inputs=None, intermediates=None) -> bytes:
    gi = graph_inputs if graph_inputs is not None else [t for t in ins if t is not None and t.data is None
                                                        and not t.variable]
    return build_model([dict(code=code, ins=ins, outs=outs, opt_type=opt_type, opts=opts,
                             intermediates=intermediates)], gi, outs)


def probe_model(model: bytes, outputs, n_ops=None) -> bytes:
    """The same model with other graph outputs (e.g. every intermediate)."""
    m = tfl.ModelT.InitFromPackedBuf(model, 0)
    g = m.subgraphs[0]
    if n_ops is not None:
        g.operators = g.operators[:n_ops]
    g.outputs = [int(o) for o in outputs]
    b = flatbuffers.Builder(4096)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def op_outputs(model: bytes) -> list[int]:
    g = tfl.ModelT.InitFromPackedBuf(model, 0).subgraphs[0]
    return [int(t) for op in g.operators for t in op.outputs]


# ---- runners ------------------------------------------------------------------

def _as_path(model, td) -> Path:
    if isinstance(model, (bytes, bytearray)):
        p = Path(td) / "model.tflite"
        p.write_bytes(model)
        return p
    return Path(model)


# bt_host_run treats --batch entries as independent inferences (it resets the
# variable tensors in between), so consecutive stateful invokes use this small
# driver over the public API instead: init once, then invoke once per input
# set, appending every output, never resetting.
_SEQ_DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bt/interp.h"
#include "host_file.h"
static bt_interp it;
int main(int argc, char **argv) {   /* model steps n_in in... n_out out... */
  if (argc < 4) return 2;
  size_t mlen; unsigned char *model = bt_host_read_file(argv[1], &mlen);
  long steps = atol(argv[2]); int n_in = atoi(argv[3]);
  if (!model || argc < 5 + n_in) return 2;
  int n_out = atoi(argv[4 + n_in]);
  size_t arena_len = 1u << 22; unsigned char *arena = malloc(arena_len);
  if (bt_interp_init(&it, model, mlen, arena, arena_len) != BT_OK) {
    printf("ERROR: %s\n", bt_interp_error(&it)); return 1; }
  unsigned char *in[16]; size_t in_len[16]; FILE *out[16];
  for (int i = 0; i < n_in; i++) {
    in[i] = bt_host_read_file(argv[4 + i], &in_len[i]);
    if (!in[i] || in_len[i] != (size_t)bt_interp_input(&it, i)->bytes * (size_t)steps) { printf("ERROR: input %d size\n", i); return 1; }
  }
  for (int i = 0; i < n_out; i++) if (!(out[i] = fopen(argv[5 + n_in + i], "wb"))) return 2;
  for (long k = 0; k < steps; k++) {
    for (int i = 0; i < n_in; i++) {
      bt_tensor *t = bt_interp_input(&it, i);
      memcpy(t->data, in[i] + (size_t)k * t->bytes, t->bytes);
    }
    if (bt_interp_invoke(&it) != BT_OK) { printf("ERROR: %s\n", bt_interp_error(&it)); return 1; }
    for (int i = 0; i < n_out; i++) {
      bt_tensor *t = bt_interp_output(&it, i);
      fwrite(t->data, 1, t->bytes, out[i]);
    }
  }
  for (int i = 0; i < n_out; i++) fclose(out[i]);
  for (int i = 0; i < n_in; i++) free(in[i]);
  free(arena); free(model);
  printf("BOARDTWIN-EXIT 0\n");
  return 0;
}
"""
_drivers: dict = {}


def seq_driver(sanitize=False) -> Path:
    """Build (once per session) the stateful driver against bt_runtime."""
    if sanitize in _drivers:
        return _drivers[sanitize]
    exe = hostrun.build_host(sanitize)
    lib = hostrun.build_dir(sanitize) / "runtime" / "libbt_runtime.a"
    td = Path(tempfile.mkdtemp(prefix="bt_seq_driver_"))
    (td / "seq_driver.c").write_text(_SEQ_DRIVER)
    flags = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"] if sanitize else []
    cmd = ["cc", "-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", *flags,
           "-I", str(REPO / "firmware/runtime/include"), "-I", str(REPO / "firmware/host"),
           str(td / "seq_driver.c"),
           str(REPO / "firmware/host/platform_host.c"), str(lib), "-o", str(td / "seq_driver")]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"seq driver build failed (host exe {exe}):\n{r.stderr}"
    _drivers[sanitize] = td / "seq_driver"
    return _drivers[sanitize]


def host_seq(model, seq, *, sanitize=False):
    """Consecutive invokes of one bt_runtime interpreter (variable tensors carry
    over, as in TFLM). seq: list of per-invoke input lists. Returns per-invoke
    output lists."""
    drv = seq_driver(sanitize)
    n = len(seq)
    with tempfile.TemporaryDirectory() as td:
        path = _as_path(model, td)
        spec = hostrun.describe(path, sanitize=sanitize)
        ins = []
        for i, d in enumerate(spec["input"]):
            p = Path(td) / f"in{i}.bin"
            np.concatenate([np.asarray(s[i], dtype=d["dtype"]).ravel() for s in seq]).tofile(p)
            ins.append(str(p))
        outs = [Path(td) / f"out{i}.bin" for i in range(len(spec["output"]))]
        args = [str(drv), str(path), str(n), str(len(ins)), *ins, str(len(outs)), *map(str, outs)]
        r = subprocess.run(args, capture_output=True, text=True, timeout=600)
        hostrun._check(r)
        res = [np.fromfile(p, dtype=d["dtype"]).reshape((n,) + tuple(d["shape"]))
               for p, d in zip(outs, spec["output"])]
    return [[x[k] for x in res] for k in range(n)]


def golden_seq(model, seq):
    """The same consecutive invokes on TFLM (no reset in between)."""
    from tflite_micro import runtime
    data = Path(model).read_bytes() if not isinstance(model, (bytes, bytearray)) else bytes(model)
    n_out = len(tfl.ModelT.InitFromPackedBuf(data, 0).subgraphs[0].outputs)
    it = runtime.Interpreter.from_bytes(data, arena_size=1 << 22)
    res = []
    for s in seq:
        for i, x in enumerate(s):
            d = it.get_input_details(i)
            it.set_input(np.asarray(x, dtype=d["dtype"]).reshape(d["shape"]), i)
        it.invoke()
        res.append([np.array(it.get_output(k)) for k in range(n_out)])
    return res


def assert_same_seq(gold, ours, what=""):
    assert len(gold) == len(ours)
    for k, (g, h) in enumerate(zip(gold, ours)):
        assert len(g) == len(h), f"{what}: invoke {k}: {len(g)} vs {len(h)} outputs"
        for j, (a, b) in enumerate(zip(g, h)):
            a = np.asarray(a).reshape(np.asarray(b).shape)
            if a.dtype != b.dtype or not np.array_equal(a, b):
                bad = np.flatnonzero(a.ravel() != b.ravel())
                pytest.fail(f"{what}: invoke {k} output {j}: {bad.size} of {a.size} differ, first at "
                            f"{bad[:5].tolist()}: tflm {a.ravel()[bad[:5]].tolist()} "
                            f"ours {b.ravel()[bad[:5]].tolist()} (dtype {a.dtype}/{b.dtype})")


def check_seq(model, seq, what="", sanitize=False):
    gold = golden_seq(model, seq)
    ours = host_seq(model, seq, sanitize=sanitize)
    assert_same_seq(gold, ours, what)
    return gold


def rand_q(rng, shape, dtype=np.int8, lo=None, hi=None):
    info = np.iinfo(dtype)
    return rng.integers(info.min if lo is None else lo, (info.max if hi is None else hi) + 1,
                        size=shape).astype(dtype)


# ---- the int16 sigmoid table ---------------------------------------------------

def test_sigmoid_table_matches_tflm():
    """act16_common.c's table equals the values TFLM's int16 TANH exposes at the
    table nodes (input scale ~1/12288 and ~2/12288: one input LSB per
    table step / half step, interpolation fraction 0)."""
    src = (REPO / "firmware/runtime/kernels/ref/act16_common.c").read_text()
    body = src[src.index("bt_sigmoid_lut16[256] = {"):]
    ours = [int(v) for v in re.findall(r"\d+", body[body.index("{"):body.index("}")])]
    assert len(ours) == 256
    table = []
    for mult, step in ((1.0, 256), (2.0, 128)):
        sc = np.float32(mult / 12288)
        while float(sc) * 12288.0 < mult:
            sc = np.nextafter(sc, np.float32(1))
        x = Tn((1, 65536), np.int16, float(sc), 0)
        y = Tn((1, 65536), np.int16, 2.0 ** -15, 0)
        model = single_op(OP.TANH, [x], [y])
        inp = np.arange(-32768, 32768, dtype=np.int16).reshape(1, -1)
        out = golden_seq(model, [[inp]])[0][0].ravel().astype(np.int64)
        n = 128 if mult == 1.0 else 256
        table.append([int(out[32768 + step * k]) + 32768 for k in range(n)])
    assert table[0] == table[1][:128]
    assert ours == table[1]


# ---- mnist_lstm -----------------------------------------------------------------

def _mnist_path(models_dir):
    p = models_dir / "mnist_lstm" / "trained_lstm_int8.tflite"
    if not p.is_file():
        pytest.fail(f"{p} missing")
    return p


def _mnist_inputs(models_dir, n_random=22):
    """Sample PNGs quantized as the input tensor expects (scale 1/255, zp -128,
    so q = pixel - 128), extremes, and random int8 images."""
    from PIL import Image
    spng = sorted((models_dir / "mnist_lstm" / "samples").glob("*.png"))
    assert len(spng) >= 10, "sample PNGs missing"
    d = golden.input_details(_mnist_path(models_dir))[0]
    scale, zp = d["quantization_parameters"]["scales"][0], d["quantization_parameters"]["zero_points"][0]
    assert d["dtype"] == np.int8 and abs(scale - 1 / 255) < 1e-7 and zp == -128
    out = []
    for p in spng:
        img = np.asarray(Image.open(p).convert("L"), dtype=np.float64)
        assert img.shape == (28, 28)
        q = np.clip(np.round(img / 255.0 / scale) + zp, -128, 127).astype(np.int8)
        out.append([q.reshape(1, 28, 28)])
    out.append([np.full((1, 28, 28), -128, np.int8)])
    out.append([np.full((1, 28, 28), 127, np.int8)])
    rng = np.random.default_rng(28)
    out += [[rand_q(rng, (1, 28, 28))] for _ in range(n_random)]
    return out


def test_mnist_lstm_samples_fresh(models_dir):
    """Each input on a freshly initialised interpreter (TFLM: reset() first)."""
    path = _mnist_path(models_dir)
    inputs = _mnist_inputs(models_dir, n_random=20)
    preds = []
    for k, x in enumerate(inputs):
        g = golden.golden_outputs(path, x)
        h = hostrun.run_host(path, x)
        assert_same_seq([g], [h], f"mnist_lstm input {k}")
        preds.append(int(np.argmax(g[0])))
    # The samples are digits 0..9 in order: the model must recognise them.
    assert preds[:10] == list(range(10))


def test_mnist_lstm_sequence(models_dir):
    """32 consecutive invokes: hidden/cell state carries over in both runtimes."""
    check_seq(_mnist_path(models_dir), _mnist_inputs(models_dir), "mnist_lstm sequence")


def test_mnist_lstm_probe_every_hidden_state(models_dir):
    """The LSTM output itself (28 steps x 20 units per invoke) and every later
    tensor, over a sequence of invokes, also under ASan/UBSan."""
    model = _mnist_path(models_dir).read_bytes()
    probe = probe_model(model, op_outputs(model))
    gold = check_seq(probe, _mnist_inputs(models_dir), "mnist_lstm probe")
    lstm = np.concatenate([g[0].ravel() for g in gold])
    assert len(np.unique(lstm)) > 100, "LSTM output saturated: the probe would be too weak"
    check_seq(probe, _mnist_inputs(models_dir, n_random=3), "mnist_lstm probe asan", sanitize=True)


def _lstm_model(rng, batch, steps, n_in, n_state, time_major, cell_log2, clip, asym):
    in_s, h_s = float(rng.uniform(0.003, 0.05)), float(rng.uniform(0.003, 0.03))
    in_zp = int(rng.integers(-60, 60)) if asym else 0
    h_zp = int(rng.integers(-30, 30)) if asym else 0
    shape_in = (steps, batch, n_in) if time_major else (batch, steps, n_in)
    shape_out = (steps, batch, n_state) if time_major else (batch, steps, n_state)
    x = Tn(shape_in, np.int8, in_s, in_zp, name="x")
    ins = [x]
    w_s, r_s = [], []
    for _ in range(4):
        s = float(rng.uniform(0.002, 0.02))
        w_s.append(s)
        ins.append(Tn((n_state, n_in), np.int8, s, 0, data=rand_q(rng, (n_state, n_in), lo=-127)))
    for _ in range(4):
        s = float(rng.uniform(0.002, 0.02))
        r_s.append(s)
        ins.append(Tn((n_state, n_state), np.int8, s, 0, data=rand_q(rng, (n_state, n_state), lo=-127)))
    ins += [None, None, None]                            # no peephole
    for g in range(4):
        bs = float(np.float32(in_s) * np.float32(w_s[g]))
        ins.append(Tn((n_state,), np.int32, bs, 0, data=rng.integers(-20000, 20000, n_state).astype(np.int32)))
    ins += [None, None]                                  # no projection
    h = Tn((batch, n_state), np.int8, h_s, h_zp, variable=True, name="h")
    c = Tn((batch, n_state), np.int16, 2.0 ** cell_log2, 0, variable=True, name="c")
    ins += [h, c, None, None, None, None]                # no layer norm
    y = Tn(shape_out, np.int8, h_s, h_zp, name="y")
    inter = [Tn((0,), np.float32, name=f"i{k}") for k in range(4)] + [Tn((0,), np.int8, h_s, h_zp, name="eh")]
    opt = tfl.UnidirectionalSequenceLSTMOptionsT()
    opt.fusedActivationFunction = tfl.ActivationFunctionType.TANH
    opt.cellClip = float(clip)
    opt.projClip = 0.0
    opt.timeMajor = bool(time_major)
    return single_op(OP.UNIDIRECTIONAL_SEQUENCE_LSTM, ins, [y], BO.UnidirectionalSequenceLSTMOptions, opt,
                     graph_inputs=[x], intermediates=inter), shape_in


@pytest.mark.parametrize("case", range(12))
def test_lstm_random_single_op(case):
    rng = np.random.default_rng(4400 + case)
    batch = int(rng.integers(1, 4))
    steps = int(rng.integers(1, 9))
    n_in = int(rng.integers(1, 24))
    n_state = int(rng.integers(1, 24))
    time_major = bool(case % 3 == 1)
    cell_log2 = int(rng.choice([-15, -13, -12, -11, -10]))
    clip = float(rng.choice([0.0, 0.5, 3.0, 10.0]))
    model, shape_in = _lstm_model(rng, batch, steps, n_in, n_state, time_major, cell_log2, clip,
                                  asym=case % 2 == 0)
    seq = [[rand_q(rng, shape_in)] for _ in range(4)]
    check_seq(model, seq, f"lstm case {case} (b{batch} t{steps} in{n_in} s{n_state} tm{time_major} "
                          f"cell2^{cell_log2} clip{clip})")
    if case < 2:
        check_seq(model, seq, f"lstm case {case} asan", sanitize=True)


# ---- keyword_scrambled (SVDF) ------------------------------------------------------

def _kw_path(models_dir):
    p = models_dir / "keyword_scrambled" / "keyword_scrambled_8bit.tflite"
    if not p.is_file():
        pytest.fail(f"{p} missing")
    return p


def _kw_inputs(seed, n):
    rng = np.random.default_rng(seed)
    return [[rng.integers(-32768, 32768, size=(1, 96)).astype(np.int16)] for _ in range(n // 2)] + \
           [[rng.integers(0, 24000, size=(1, 96)).astype(np.int16)] for _ in range(n - n // 2)]


def test_keyword_scrambled_fresh(models_dir):
    path = _kw_path(models_dir)
    for k, x in enumerate(_kw_inputs(7, 20)):
        assert_same_seq([golden.golden_outputs(path, x)], [hostrun.run_host(path, x)], f"keyword input {k}")


def test_keyword_scrambled_sequence_every_tensor(models_dir):
    """25 consecutive invokes (SVDF states carry over) with every operator
    output as a graph output; int16 in, int32 out."""
    model = _kw_path(models_dir).read_bytes()
    check_seq(model, _kw_inputs(8, 25), "keyword sequence")
    probe = probe_model(model, op_outputs(model))
    check_seq(probe, _kw_inputs(9, 25), "keyword probe")
    check_seq(probe, _kw_inputs(10, 4), "keyword probe asan", sanitize=True)


def _svdf_model(rng, batch, n_input, n_filter, rank, memory, state_type, bias=True):
    n_unit = n_filter // rank
    in_s, in_zp = float(rng.uniform(0.01, 0.1)), int(rng.integers(-128, 128))
    wf_s = float(rng.uniform(0.002, 0.02))
    st_s = float(rng.uniform(0.05, 0.5)) if state_type == np.int8 else float(rng.uniform(0.0005, 0.005))
    st_zp = int(rng.integers(-60, 60)) if state_type == np.int8 else 0
    wt_s = float(rng.uniform(0.002, 0.02)) if state_type == np.int8 else float(rng.uniform(1e-5, 1e-4))
    out_s, out_zp = float(rng.uniform(0.02, 0.3)), int(rng.integers(-128, 0))
    x = Tn((batch, n_input), np.int8, in_s, in_zp, name="x")
    wf = Tn((n_filter, n_input), np.int8, wf_s, 0, data=rand_q(rng, (n_filter, n_input), lo=-127))
    wt = Tn((n_filter, memory), state_type, wt_s, 0,
            data=rand_q(rng, (n_filter, memory), state_type, lo=-127 if state_type == np.int8 else -20000,
                        hi=127 if state_type == np.int8 else 20000))
    b = Tn((n_unit,), np.int32, float(np.float32(st_s) * np.float32(wt_s)), 0,
           data=rng.integers(-3000, 3000, n_unit).astype(np.int32)) if bias else None
    st = Tn((batch, n_filter * memory), state_type, st_s, st_zp, variable=True, name="state")
    y = Tn((batch, n_unit), np.int8, out_s, out_zp, name="y")
    opt = tfl.SVDFOptionsT()
    opt.rank = rank
    opt.fusedActivationFunction = tfl.ActivationFunctionType.RELU
    return single_op(OP.SVDF, [x, wf, wt, b, st], [y], BO.SVDFOptions, opt, graph_inputs=[x])


@pytest.mark.parametrize("case", range(12))
def test_svdf_random_single_op(case):
    rng = np.random.default_rng(2700 + case)
    state_type = np.int8 if case % 2 == 0 else np.int16
    rank = int(rng.integers(1, 4))
    batch = int(rng.integers(1, 3))
    model = _svdf_model(rng, batch, int(rng.integers(1, 40)), rank * int(rng.integers(1, 12)), rank,
                        int(rng.integers(1, 12)), state_type)   # TFLM crashes without bias (its TODO #1751)
    m = tfl.ModelT.InitFromPackedBuf(model, 0)
    n_input = list(m.subgraphs[0].tensors[m.subgraphs[0].inputs[0]].shape)
    seq = [[rand_q(rng, n_input)] for _ in range(12)]
    gold = check_seq(model, seq, f"svdf case {case} ({np.dtype(state_type).name} state, rank {rank})")
    if case < 2:
        check_seq(model, seq, f"svdf case {case} asan", sanitize=True)
    vals = np.concatenate([g[0].ravel() for g in gold])
    assert len(np.unique(vals)) > 3, "SVDF output degenerate: test too weak"


# ---- QUANTIZE int16 paths -------------------------------------------------------

@pytest.mark.parametrize("out_type", [np.int8, np.int16, np.int32])
def test_quantize_from_int16(out_type):
    rng = np.random.default_rng({np.int8: 1, np.int16: 2, np.int32: 3}[out_type])
    for k in range(6):
        in_s = float(rng.uniform(1e-5, 1e-2))
        in_zp = int(rng.integers(-1000, 1000)) if k % 2 else 0
        if out_type == np.int8:
            out_s, out_zp = in_s * float(rng.uniform(50, 400)), int(rng.integers(-128, 128))
        elif out_type == np.int16:
            out_s, out_zp = in_s * float(rng.uniform(0.3, 3)), int(rng.integers(-1000, 1000))
        else:
            out_s, out_zp = in_s * float(rng.uniform(0.05, 3)), int(rng.integers(-1000, 1000))
        if k == 5 and out_type == np.int32:       # keyword_scrambled's own output quantization
            in_s, in_zp, out_s, out_zp = 1.5259022e-05, -32768, 3.051851e-05, 0
        x = Tn((2, 300), np.int16, in_s, in_zp, name="x")
        y = Tn((2, 300), out_type, out_s, out_zp, name="y")
        model = single_op(OP.QUANTIZE, [x], [y])
        seq = [[rand_q(rng, (2, 300), np.int16)] for _ in range(3)]
        seq.append([np.arange(-32768, 32768, 109, dtype=np.int16)[:600].reshape(2, 300)])
        check_seq(model, seq, f"quantize int16->{np.dtype(out_type).name} case {k}")
