"""Model analysis straight from the .tflite flatbuffer: operators, MACs, FLOPs, parameters.

Definitions (docs/model-analysis.md):
  MAC   one multiply-accumulate of a weight with an activation, as the int8 kernels perform.
  FLOPs 2 x MACs (multiply + add) + one per bias add + the element-wise work of
        non-MAC operators (pooling: window size per output; softmax: 3 per element;
        logistic/tanh: 1 per element; add/mul: 1 per output element). Counted on the
        graph as stored, so the figure is the same for float and int8 models.
Reading uses the schema module the tflite-micro wheel ships (flatbuffers' generated
Python), not a hand-written parser: the C runtime has its own bounds-checked reader.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from harness.errors import InputError

_TYPE_BYTES = {0: 4, 1: 2, 2: 4, 3: 1, 4: 8, 6: 1, 7: 2, 9: 1, 10: 8, 16: 4}
_TYPE_NAMES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 6: "bool",
               7: "int16", 9: "int8", 10: "float64"}


def _schema():
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as s
    return s


@dataclass
class OpInfo:
    index: int
    op: str
    inputs: list
    outputs: list
    macs: int
    flops: int
    params: int


def _prod(shape) -> int:
    return int(np.prod(shape)) if shape is not None and len(shape) else 1


def load(path: Path):
    s = _schema()
    data = Path(path).read_bytes()
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise InputError(f"{path}: not a TFLite model (file identifier is {data[4:8]!r}, want b'TFL3')")
    try:
        return s.ModelT.InitFromPackedBuf(data, 0), data
    except Exception as exc:  # flatbuffers raises struct/index errors on damaged files
        raise InputError(f"{path}: damaged TFLite flatbuffer ({type(exc).__name__}: {exc})") from None


def analyse(path: Path) -> dict:
    s = _schema()
    model, data = load(path)
    names = {v: k for k, v in vars(s.BuiltinOperator).items() if not k.startswith("_")}
    g = model.subgraphs[0]
    t = g.tensors

    def shape(i):
        return list(t[i].shape) if i is not None and i >= 0 and t[i].shape is not None else None

    const = {i for i, tt in enumerate(t)
             if model.buffers[tt.buffer].data is not None and len(model.buffers[tt.buffer].data)}
    ops = []
    for n, op in enumerate(g.operators or []):
        oc = model.operatorCodes[op.opcodeIndex]
        code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
        name = names.get(code, f"BUILTIN_{code}") if code != 32 else (oc.customCode or b"CUSTOM").decode()
        ins = [int(i) for i in op.inputs]
        outs = [int(i) for i in op.outputs]
        macs, extra = _costs(name, ins, outs, shape, op)
        params = sum(_prod(shape(i)) for i in ins if i >= 0 and i in const)
        ops.append(OpInfo(n, name, [shape(i) for i in ins], [shape(i) for i in outs],
                          macs, 2 * macs + extra, params))
    tensor_bytes = [(_prod(tt.shape) * _TYPE_BYTES.get(tt.type, 1)) for tt in t]
    act = [b for i, b in enumerate(tensor_bytes) if i not in const]
    return dict(
        model=str(path), bytes=len(data), version=model.version,
        inputs=[dict(shape=shape(i), dtype=_TYPE_NAMES.get(t[i].type, t[i].type)) for i in g.inputs],
        outputs=[dict(shape=shape(i), dtype=_TYPE_NAMES.get(t[i].type, t[i].type)) for i in g.outputs],
        operators=[asdict(o) for o in ops],
        op_counts={o.op: sum(1 for x in ops if x.op == o.op) for o in ops},
        macs=sum(o.macs for o in ops), flops=sum(o.flops for o in ops),
        params=sum(o.params for o in ops),
        activation_bytes_sum=int(sum(act)), largest_activation_bytes=int(max(act, default=0)),
    )


def _costs(name, ins, outs, shape, op) -> tuple[int, int]:
    """(MACs, non-MAC FLOPs) of one operator."""
    out = shape(outs[0]) if outs else None
    n_out = _prod(out) if out else 0
    has_bias = len(ins) > 2 and ins[2] >= 0
    if name == "FULLY_CONNECTED":
        w = shape(ins[1])
        macs = n_out * w[-1]
        return macs, n_out if has_bias else 0
    if name == "CONV_2D":
        w = shape(ins[1])  # [out_c, kh, kw, in_c]
        macs = n_out * w[1] * w[2] * w[3]
        return macs, n_out if has_bias else 0
    if name == "DEPTHWISE_CONV_2D":
        w = shape(ins[1])  # [1, kh, kw, out_c]
        macs = n_out * w[1] * w[2]
        return macs, n_out if has_bias else 0
    if name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        o = op.builtinOptions
        return 0, n_out * o.filterHeight * o.filterWidth
    if name == "UNIDIRECTIONAL_SEQUENCE_LSTM":
        x = shape(ins[0])  # [batch, time, input] (time-major flag ignored: same product)
        w_in = shape(ins[1])  # input_to_input or input_to_forget [cell, input]
        w_in = w_in or shape(ins[2])
        w_rec = shape(ins[5]) or shape(ins[6])  # [cell, output]
        steps = x[0] * x[1]
        n_cell = w_in[0]
        macs = steps * 4 * n_cell * (w_in[1] + w_rec[1])
        if len(ins) > 16 and ins[16] >= 0:  # projection weights [output, cell]
            p = shape(ins[16])
            macs += steps * p[0] * p[1]
        return macs, steps * n_cell * 10  # gate activations, cell update, bias adds
    if name == "SVDF":
        x = shape(ins[0])  # [batch, input]
        wf = shape(ins[1])  # [filters, input]
        wt = shape(ins[2])  # [filters, memory]
        macs = x[0] * wf[0] * (wf[1] + wt[1])
        return macs, n_out
    if name == "SOFTMAX":
        return 0, 3 * n_out
    if name in ("LOGISTIC", "TANH", "RELU", "RELU6", "ADD", "MUL", "SUB"):
        return 0, n_out
    if name == "MEAN":
        return 0, _prod(shape(ins[0]))
    return 0, 0
