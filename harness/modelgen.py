"""Build small int8 .tflite models in Python (no TensorFlow needed).

Uses the tflite-micro wheel's own model editor (``model_editor``) and schema
object API, so the flatbuffers are exactly what TFLM itself parses. Used by the
randomised per-op tests (tests/runtime/test_conv_ops.py, test_pool_ops.py) and
meant for reuse, e.g. to assemble a DS-CNN-like network for benchmarks:

    b = ModelBuilder()
    x = b.input((1, 49, 10, 1), scale=0.5, zero_point=-3)
    y = b.conv2d(x, w, bias, filter_scales=ws, out_scale=0.02, out_zp=-128,
                 stride=(2, 2), padding="SAME", activation="RELU")
    y = b.depthwise_conv2d(y, dw, dbias, filter_scales=dws, out_scale=..., ...)
    y = b.average_pool2d(y, filter=(25, 5), padding="VALID")
    y = b.reshape(y, (1, 64))
    y = b.fully_connected(y, fw, fbias, filter_scales=fs, out_scale=..., out_zp=...)
    y = b.softmax(y)
    b.output(y)
    model_bytes = b.build()

Conventions: shapes are NHWC; (h, w) tuples for strides/dilations/filters;
padding "SAME"/"VALID"; activation "NONE"/"RELU"/"RELU_N1_TO_1"/"RELU6"/
"TANH"/"SIGN_BIT" (as in the schema). Per-channel filter quantization is used
whenever ``filter_scales`` has more than one entry (axis 0 for CONV_2D and
FULLY_CONNECTED, axis 3 for DEPTHWISE_CONV_2D, as the TFLite converter emits).
Helpers at the bottom pick output scales that keep random data in range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Union

import numpy as np

from tflite_micro.tensorflow.lite.micro.compression import model_editor as me
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl

ACTIVATIONS = {
    "NONE": tfl.ActivationFunctionType.NONE,
    "RELU": tfl.ActivationFunctionType.RELU,
    "RELU_N1_TO_1": tfl.ActivationFunctionType.RELU_N1_TO_1,
    "RELU6": tfl.ActivationFunctionType.RELU6,
    "TANH": tfl.ActivationFunctionType.TANH,
    "SIGN_BIT": tfl.ActivationFunctionType.SIGN_BIT,
}
PADDINGS = {"SAME": tfl.Padding.SAME, "VALID": tfl.Padding.VALID}

_NP_TO_TFL = {
    np.dtype(np.int8): tfl.TensorType.INT8,
    np.dtype(np.uint8): tfl.TensorType.UINT8,
    np.dtype(np.int16): tfl.TensorType.INT16,
    np.dtype(np.int32): tfl.TensorType.INT32,
    np.dtype(np.int64): tfl.TensorType.INT64,
    np.dtype(np.float32): tfl.TensorType.FLOAT32,
}

Pair = Union[int, Sequence[int]]


def _pair(v: Pair) -> tuple[int, int]:
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    a, b = v
    return int(a), int(b)


def out_size(padding: str, in_size: int, filt: int, stride: int, dilation: int = 1) -> int:
    """Output extent as TFLite computes it (ComputeOutSize)."""
    eff = (filt - 1) * dilation + 1
    if padding == "SAME":
        return (in_size + stride - 1) // stride
    if padding == "VALID":
        return (in_size + stride - eff) // stride
    raise ValueError(padding)


@dataclass
class T:
    """Handle of a tensor being built: its editor Tensor plus shape/quant."""

    t: me.Tensor
    shape: tuple
    dtype: np.dtype
    scale: Optional[float] = None
    zero_point: int = 0


class ModelBuilder:
    """One-subgraph model assembled op by op; ``build()`` returns the bytes."""

    def __init__(self, description: str = "boardtwin modelgen"):
        self.model = me.Model(description=description)
        self.sg = self.model.add_subgraph(name="main")
        self._codes: dict[int, me.OperatorCode] = {}
        self._n = 0

    # ---- tensors ---------------------------------------------------------
    def _name(self, base: str) -> str:
        self._n += 1
        return f"{base}_{self._n}"

    def tensor(self, shape, dtype=np.int8, scale=None, zero_point=0, *, axis=None,
               data: Optional[np.ndarray] = None, name: Optional[str] = None) -> T:
        dtype = np.dtype(dtype)
        quant = None
        if scale is not None:
            scales = [float(s) for s in np.atleast_1d(scale)]
            zps = [int(z) for z in np.atleast_1d(zero_point)]
            if len(zps) == 1 and len(scales) > 1:
                zps = zps * len(scales)
            quant = me.Quantization(scales=scales if len(scales) > 1 else scales[0],
                                    zero_points=zps if len(zps) > 1 else zps[0],
                                    axis=axis)
        kw = {}
        if data is not None:
            kw["data"] = np.ascontiguousarray(data, dtype=dtype).tobytes()
        t = self.sg.add_tensor(shape=tuple(int(s) for s in shape), dtype=_NP_TO_TFL[dtype],
                               quantization=quant, name=name or self._name("t"), **kw)
        s0 = None if scale is None else float(np.atleast_1d(scale)[0])
        z0 = int(np.atleast_1d(zero_point)[0])
        return T(t, tuple(int(s) for s in shape), dtype, s0, z0)

    def input(self, shape, scale: float, zero_point: int = 0, dtype=np.int8,
              name: Optional[str] = None) -> T:
        x = self.tensor(shape, dtype, scale, zero_point, name=name or self._name("input"))
        self.sg.inputs.append(x.t)
        return x

    def const(self, array: np.ndarray, scale=None, zero_point=0, axis=None,
              name: Optional[str] = None) -> T:
        a = np.asarray(array)
        return self.tensor(a.shape, a.dtype, scale, zero_point, axis=axis, data=a,
                           name=name or self._name("const"))

    def output(self, x: T) -> None:
        self.sg.outputs.append(x.t)

    # ---- operators -------------------------------------------------------
    def _op(self, code: int, inputs, outputs, opt_type=0, opts=None) -> None:
        if code not in self._codes:
            oc = me.OperatorCode(builtin_code=code)
            # Writers fill the deprecated int8 field too for codes < 127.
            oc._fb.deprecatedBuiltinCode = min(code, 127)
            self._codes[code] = oc
            self.model.operator_codes.append(oc)
        op = self.sg.add_operator(opcode=code, inputs=[i.t if i is not None else None for i in inputs],
                                  outputs=[o.t for o in outputs])
        if opts is not None:
            op._fb.builtinOptionsType = opt_type
            op._fb.builtinOptions = opts

    def _filter_quant(self, filter_scales, n_ch: int):
        fs = np.atleast_1d(np.asarray(filter_scales, dtype=np.float32))
        if fs.size not in (1, n_ch):
            raise ValueError(f"{fs.size} filter scales for {n_ch} channels")
        return fs

    def _bias(self, bias, x: T, fs: np.ndarray, n_ch: int) -> Optional[T]:
        if bias is None:
            return None
        b = np.asarray(bias, dtype=np.int32).reshape(n_ch)
        bscales = (np.float32(x.scale) * fs).astype(np.float32)
        return self.const(b, scale=bscales, zero_point=[0] * bscales.size, axis=0)

    def conv2d(self, x: T, filters: np.ndarray, bias: Optional[np.ndarray], *,
               filter_scales, out_scale: float, out_zp: int, stride: Pair = 1,
               padding: str = "SAME", dilation: Pair = 1, activation: str = "NONE") -> T:
        """filters: int8 [out_ch, kh, kw, in_ch]; bias: int32 [out_ch] or None."""
        filters = np.asarray(filters, dtype=np.int8)
        oc, kh, kw, _ = filters.shape
        fs = self._filter_quant(filter_scales, oc)
        wt = self.const(filters, scale=fs, zero_point=[0] * fs.size, axis=0)
        bt = self._bias(bias, x, fs, oc)
        sh, sw = _pair(stride)
        dh, dw = _pair(dilation)
        n, h, w, _ = x.shape
        oshape = (n, out_size(padding, h, kh, sh, dh), out_size(padding, w, kw, sw, dw), oc)
        y = self.tensor(oshape, np.int8, out_scale, out_zp)
        o = tfl.Conv2DOptionsT()
        o.padding, o.strideW, o.strideH = PADDINGS[padding], sw, sh
        o.fusedActivationFunction = ACTIVATIONS[activation]
        o.dilationWFactor, o.dilationHFactor = dw, dh
        self._op(tfl.BuiltinOperator.CONV_2D, [x, wt, bt], [y], tfl.BuiltinOptions.Conv2DOptions, o)
        return y

    def depthwise_conv2d(self, x: T, filters: np.ndarray, bias: Optional[np.ndarray], *,
                         filter_scales, out_scale: float, out_zp: int, depth_multiplier: int = 1,
                         stride: Pair = 1, padding: str = "SAME", dilation: Pair = 1,
                         activation: str = "NONE") -> T:
        """filters: int8 [1, kh, kw, in_ch * depth_multiplier]; bias int32 [out_ch]."""
        filters = np.asarray(filters, dtype=np.int8)
        _, kh, kw, oc = filters.shape
        fs = self._filter_quant(filter_scales, oc)
        wt = self.const(filters, scale=fs, zero_point=[0] * fs.size, axis=3)
        bt = self._bias(bias, x, fs, oc)
        sh, sw = _pair(stride)
        dh, dw = _pair(dilation)
        n, h, w, _ = x.shape
        oshape = (n, out_size(padding, h, kh, sh, dh), out_size(padding, w, kw, sw, dw), oc)
        y = self.tensor(oshape, np.int8, out_scale, out_zp)
        o = tfl.DepthwiseConv2DOptionsT()
        o.padding, o.strideW, o.strideH = PADDINGS[padding], sw, sh
        o.depthMultiplier = depth_multiplier
        o.fusedActivationFunction = ACTIVATIONS[activation]
        o.dilationWFactor, o.dilationHFactor = dw, dh
        self._op(tfl.BuiltinOperator.DEPTHWISE_CONV_2D, [x, wt, bt], [y],
                 tfl.BuiltinOptions.DepthwiseConv2DOptions, o)
        return y

    def _pool(self, code: int, x: T, filter: Pair, stride: Pair, padding: str,
              activation: str, out_scale, out_zp) -> T:
        fh, fw = _pair(filter)
        sh, sw = _pair(stride)
        n, h, w, c = x.shape
        oshape = (n, out_size(padding, h, fh, sh), out_size(padding, w, fw, sw), c)
        y = self.tensor(oshape, np.int8, x.scale if out_scale is None else out_scale,
                        x.zero_point if out_zp is None else out_zp)
        o = tfl.Pool2DOptionsT()
        o.padding, o.strideW, o.strideH = PADDINGS[padding], sw, sh
        o.filterWidth, o.filterHeight = fw, fh
        o.fusedActivationFunction = ACTIVATIONS[activation]
        self._op(code, [x], [y], tfl.BuiltinOptions.Pool2DOptions, o)
        return y

    def average_pool2d(self, x: T, filter: Pair, stride: Pair = 1, padding: str = "VALID",
                       activation: str = "NONE", out_scale=None, out_zp=None) -> T:
        return self._pool(tfl.BuiltinOperator.AVERAGE_POOL_2D, x, filter, stride, padding,
                          activation, out_scale, out_zp)

    def max_pool2d(self, x: T, filter: Pair, stride: Pair = 1, padding: str = "VALID",
                   activation: str = "NONE", out_scale=None, out_zp=None) -> T:
        return self._pool(tfl.BuiltinOperator.MAX_POOL_2D, x, filter, stride, padding,
                          activation, out_scale, out_zp)

    def pad(self, x: T, paddings: Sequence[Sequence[int]], paddings_dtype=np.int32) -> T:
        """paddings: [[before, after]] per dimension; pads with the zero point."""
        p = np.asarray(paddings, dtype=paddings_dtype).reshape(len(x.shape), 2)
        pt = self.const(p)
        oshape = tuple(int(d + a + b) for d, (a, b) in zip(x.shape, p))
        y = self.tensor(oshape, x.dtype, x.scale, x.zero_point)
        self._op(tfl.BuiltinOperator.PAD, [x, pt], [y], tfl.BuiltinOptions.PadOptions,
                 tfl.PadOptionsT())
        return y

    def mean(self, x: T, axes: Sequence[int], keep_dims: bool = True,
             out_scale=None, out_zp=None) -> T:
        ax = np.asarray(list(axes), dtype=np.int32)
        at = self.const(ax)
        rank = len(x.shape)
        red = {int(a) % rank for a in ax}
        if keep_dims:
            oshape = tuple(1 if i in red else d for i, d in enumerate(x.shape))
        else:
            oshape = tuple(d for i, d in enumerate(x.shape) if i not in red)
        y = self.tensor(oshape, x.dtype, x.scale if out_scale is None else out_scale,
                        x.zero_point if out_zp is None else out_zp)
        o = tfl.ReducerOptionsT()
        o.keepDims = bool(keep_dims)
        self._op(tfl.BuiltinOperator.MEAN, [x, at], [y], tfl.BuiltinOptions.ReducerOptions, o)
        return y

    def fully_connected(self, x: T, weights: np.ndarray, bias: Optional[np.ndarray], *,
                        filter_scales, out_scale: float, out_zp: int,
                        activation: str = "NONE", keep_num_dims: bool = False) -> T:
        """weights: int8 [units, in]; input flattened to [-1, in]."""
        weights = np.asarray(weights, dtype=np.int8)
        units, depth = weights.shape
        fs = self._filter_quant(filter_scales, units)
        wt = self.const(weights, scale=fs, zero_point=[0] * fs.size, axis=0)
        bt = self._bias(bias, x, fs, units)
        if keep_num_dims:
            oshape = tuple(x.shape[:-1]) + (units,)
        else:
            oshape = (int(np.prod(x.shape)) // depth, units)
        y = self.tensor(oshape, np.int8, out_scale, out_zp)
        o = tfl.FullyConnectedOptionsT()
        o.fusedActivationFunction = ACTIVATIONS[activation]
        o.keepNumDims = keep_num_dims
        self._op(tfl.BuiltinOperator.FULLY_CONNECTED, [x, wt, bt], [y],
                 tfl.BuiltinOptions.FullyConnectedOptions, o)
        return y

    def reshape(self, x: T, shape: Sequence[int]) -> T:
        shape = tuple(int(s) for s in shape)
        st = self.const(np.asarray(shape, dtype=np.int32))
        y = self.tensor(shape, x.dtype, x.scale, x.zero_point)
        o = tfl.ReshapeOptionsT()
        o.newShape = list(shape)
        self._op(tfl.BuiltinOperator.RESHAPE, [x, st], [y], tfl.BuiltinOptions.ReshapeOptions, o)
        return y

    def softmax(self, x: T, beta: float = 1.0) -> T:
        y = self.tensor(x.shape, np.int8, 1.0 / 256.0, -128)
        o = tfl.SoftmaxOptionsT()
        o.beta = beta
        self._op(tfl.BuiltinOperator.SOFTMAX, [x], [y], tfl.BuiltinOptions.SoftmaxOptions, o)
        return y

    def build(self) -> bytes:
        return bytes(self.model.build())


# ---- helpers for random models -------------------------------------------

def conv_out_scale(in_scale: float, filter_scales, taps: int, spread: float = 40.0) -> float:
    """An output scale that maps a typical accumulator of `taps` products of
    uniform random int8 values (std ~74 each) to about +-`spread` quanta, so
    random tests exercise the whole int8 range without saturating
    everything."""
    fs = float(np.mean(np.atleast_1d(filter_scales)))
    return float(in_scale * fs * 74.0 * 74.0 * math.sqrt(max(taps, 1)) / spread)


def random_filter_scales(rng: np.random.Generator, n: int, per_channel: bool) -> np.ndarray:
    """Filter scales spanning two octaves (per channel) or a single scale."""
    k = n if per_channel else 1
    return (rng.uniform(0.002, 0.008, size=k)).astype(np.float32)


def random_int8(rng: np.random.Generator, shape, lo: int = -128, hi: int = 127) -> np.ndarray:
    return rng.integers(lo, hi + 1, size=shape, dtype=np.int64).astype(np.int8)


def random_bias(rng: np.random.Generator, n: int, taps: int) -> np.ndarray:
    """Bias of the same order as the accumulator, both signs."""
    mag = int(74 * 74 * math.sqrt(max(taps, 1)))
    return rng.integers(-mag, mag + 1, size=n, dtype=np.int64).astype(np.int32)


# ---- running models: both runtimes, many inputs per process ----------------

def expose_outputs(model_bytes: bytes, tensor_indices: Sequence[int]) -> bytes:
    """The same model with subgraph 0's outputs replaced by `tensor_indices`
    (e.g. every operator's output, to compare intermediate tensors)."""
    m = me.read(bytes(model_bytes))
    # The editor keys operator codes by `builtin_code` only; older models
    # keep the real code in `deprecated_builtin_code` (builtin_code 0), which
    # would collapse every operator into one code. Normalise first.
    for oc in m.operator_codes:
        oc._fb.builtinCode = max(int(oc._fb.builtinCode or 0), int(oc._fb.deprecatedBuiltinCode or 0))
    for sg in m.subgraphs:
        for op in sg.operators:
            op.opcode = m.operator_codes[op.opcode_index].builtin_code
    sg = m.subgraphs[0]
    sg.outputs = [sg.tensors[i] for i in tensor_indices]
    return bytes(m.build())


def operator_outputs(model_bytes: bytes) -> list[int]:
    """Tensor index of every operator output of subgraph 0, in op order."""
    m = tfl.ModelT.InitFromPackedBuf(bytes(model_bytes), 0)
    return [int(t) for op in m.subgraphs[0].operators for t in op.outputs]


def golden_batch(model_bytes: bytes, samples: Sequence[Sequence[np.ndarray]]) -> list[list[bytes]]:
    """Outputs of the tflite-micro wheel (TFLM reference kernels) for each
    sample (one array per model input): [sample][output] -> raw bytes."""
    from tflite_micro import runtime
    mt = tfl.ModelT.InitFromPackedBuf(bytes(model_bytes), 0)
    n_out = len(mt.subgraphs[0].outputs)
    # The wheel's default arena (10 x model size) is too small for tiny
    # models with large activations: size it from every tensor, generously.
    total = sum(int(np.prod(t.shape if t.shape is not None else [])) * 8 + 256
                for t in mt.subgraphs[0].tensors)
    it = runtime.Interpreter.from_bytes(bytes(model_bytes), arena_size=2 * total + (64 << 10))
    res = []
    for xs in samples:
        it.reset()
        for i, x in enumerate(xs):
            d = it.get_input_details(i)
            it.set_input(np.asarray(x, dtype=d["dtype"]).reshape(d["shape"]), i)
        it.invoke()
        res.append([np.ascontiguousarray(it.get_output(i)).tobytes() for i in range(n_out)])
    return res


def host_batch(model_bytes: bytes, samples: Sequence[Sequence[np.ndarray]], *,
               kernels: str = "ref", sanitize: bool = False, exe=None,
               timeout: float = 300) -> list[list[bytes]]:
    """Outputs of our runtime (bt_host_run --batch, one process for all
    samples): [sample][output] -> raw bytes. Raises HostRunError on failure.
    `exe`: an already built bt_host_run (skips the incremental rebuild)."""
    import re
    import subprocess
    import tempfile
    from pathlib import Path
    from harness import hostrun
    if exe is None:
        exe = hostrun.build_host(sanitize=sanitize, kernels=kernels)
    with tempfile.TemporaryDirectory() as td:
        mp = Path(td) / "model.tflite"
        mp.write_bytes(bytes(model_bytes))
        args = [str(exe), str(mp), "--batch", str(len(samples))]
        n_in = len(samples[0])
        for i in range(n_in):
            p = Path(td) / f"in{i}.bin"
            p.write_bytes(b"".join(np.ascontiguousarray(xs[i]).tobytes() for xs in samples))
            args += ["--input", str(p)]
        r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    text = r.stdout + r.stderr
    err = re.search(r"^ERROR: (.*)$", r.stdout, re.M)
    if r.returncode != 0 or err:
        raise hostrun.HostRunError(err.group(1) if err else f"bt_host_run exited {r.returncode}",
                                   text, r.returncode)
    preds = re.findall(r"^PRED i=(\d+)(?: in=[0-9a-f]*)? out=([0-9a-f,]*)$", r.stdout, re.M)
    if len(preds) != len(samples):
        raise hostrun.HostRunError(f"{len(preds)} PRED lines for {len(samples)} samples", text)
    return [[bytes.fromhex(h) for h in out.split(",")] for _, out in preds]


def mismatches(model_bytes: bytes, samples: Sequence[Sequence[np.ndarray]], *,
               output_names: Optional[Sequence[str]] = None, **host_kw) -> list[str]:
    """Run `samples` through our runtime and the wheel; one line per
    (sample, output) whose bytes differ, empty when bit-exact. host_kw go to
    host_batch (kernels=, sanitize=, exe=)."""
    ours = host_batch(model_bytes, samples, **host_kw)
    gold = golden_batch(model_bytes, samples)
    bad = []
    for s, (o, g) in enumerate(zip(ours, gold)):
        if len(o) != len(g):
            bad.append(f"sample {s}: {len(o)} outputs vs {len(g)} from TFLM")
            continue
        for k, (a, b) in enumerate(zip(o, g)):
            if a != b:
                name = output_names[k] if output_names else f"output {k}"
                if len(a) != len(b):
                    bad.append(f"sample {s} {name}: {len(a)} bytes vs {len(b)} from TFLM")
                    continue
                x, y = np.frombuffer(a, np.int8), np.frombuffer(b, np.int8)
                i = np.flatnonzero(x != y)
                bad.append(f"sample {s} {name}: {i.size}/{x.size} bytes differ, first at {i[0]}: "
                           f"ours {x[i[:4]].tolist()} vs TFLM {y[i[:4]].tolist()}")
    return bad
