"""Single-operator .tflite models built with the wheel's model_editor, so each
kernel can be compared with TFLM on shapes/quantizations the staged models lack."""

from __future__ import annotations

import numpy as np
from tflite_micro.tensorflow.lite.micro.compression import model_editor as me
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl

T = tfl.TensorType
OP = tfl.BuiltinOperator


def _model(opcode, inputs, outputs, options_type=0, options=None, graph_inputs=None) -> bytes:
    op = me.Operator(opcode=opcode, inputs=inputs, outputs=outputs)
    if options is not None:
        op._fb.builtinOptionsType = options_type
        op._fb.builtinOptions = options
    gi = graph_inputs if graph_inputs is not None else [t for t in inputs if t is not None and t.buffer is None]
    m = me.Model(subgraphs=[me.Subgraph(operators=[op], inputs=gi, outputs=outputs)])
    return bytes(m.build())


def fully_connected(rng, batches=1, accum=16, units=8, per_channel=False, bias=True, act=0,
                    in_zp=None, out_zp=None) -> bytes:
    in_scale, out_scale = float(rng.uniform(0.005, 0.1)), float(rng.uniform(0.01, 0.3))
    in_zp = int(rng.integers(-128, 128)) if in_zp is None else in_zp
    out_zp = int(rng.integers(-128, 128)) if out_zp is None else out_zp
    w = rng.integers(-127, 128, size=(units, accum), dtype=np.int8)
    if per_channel:
        ws = [float(s) for s in rng.uniform(0.001, 0.05, size=units)]
        wq = me.Quantization(scales=ws, zero_points=[0] * units, axis=0)
    else:
        ws = [float(rng.uniform(0.001, 0.05))]
        wq = me.Quantization(scales=ws[0], zero_points=0)
    x = me.Tensor(shape=(batches, accum), dtype=T.INT8, quantization=me.Quantization(in_scale, in_zp), name="x")
    wt = me.Tensor(shape=(units, accum), dtype=T.INT8, data=w, quantization=wq, name="w")
    ins = [x, wt]
    if bias:
        b = rng.integers(-5000, 5000, size=units).astype(np.int32)
        bs = [float(np.float32(in_scale) * np.float32(s)) for s in ws]
        bq = me.Quantization(scales=bs if per_channel else bs[0], zero_points=[0] * len(bs) if per_channel else 0,
                             axis=0 if per_channel else None)
        ins.append(me.Tensor(shape=(units,), dtype=T.INT32, data=b, quantization=bq, name="b"))
    else:
        ins.append(None)
    y = me.Tensor(shape=(batches, units), dtype=T.INT8, quantization=me.Quantization(out_scale, out_zp), name="y")
    opt = tfl.FullyConnectedOptionsT()
    opt.fusedActivationFunction = act
    return _model(OP.FULLY_CONNECTED, ins, [y], tfl.BuiltinOptions.FullyConnectedOptions, opt, graph_inputs=[x])


def softmax(rng, rows=1, depth=10, beta=1.0, in_scale=None, out_type=T.INT8) -> bytes:
    if out_type == T.FLOAT32:
        x = me.Tensor(shape=(rows, depth), dtype=T.FLOAT32, name="x")
        y = me.Tensor(shape=(rows, depth), dtype=T.FLOAT32, name="y")
        opt = tfl.SoftmaxOptionsT()
        opt.beta = beta
        return _model(OP.SOFTMAX, [x], [y], tfl.BuiltinOptions.SoftmaxOptions, opt)
    in_scale = float(rng.uniform(0.01, 0.5)) if in_scale is None else in_scale
    x = me.Tensor(shape=(rows, depth), dtype=T.INT8,
                  quantization=me.Quantization(in_scale, int(rng.integers(-128, 128))), name="x")
    oq = me.Quantization(1 / 256, -128) if out_type == T.INT8 else me.Quantization(1 / 65536, -32768)
    y = me.Tensor(shape=(rows, depth), dtype=out_type, quantization=oq, name="y")
    opt = tfl.SoftmaxOptionsT()
    opt.beta = beta
    return _model(OP.SOFTMAX, [x], [y], tfl.BuiltinOptions.SoftmaxOptions, opt)


def quantize(rng, n=64, in_type=T.FLOAT32, out_type=T.INT8) -> bytes:
    iq = None if in_type == T.FLOAT32 else me.Quantization(float(rng.uniform(0.01, 0.5)), int(rng.integers(-100, 100)))
    x = me.Tensor(shape=(1, n), dtype=in_type, quantization=iq, name="x")
    zr = (-100, 100) if out_type == T.INT8 else (-1000, 1000)
    y = me.Tensor(shape=(1, n), dtype=out_type,
                  quantization=me.Quantization(float(rng.uniform(0.01, 0.5)), int(rng.integers(*zr))), name="y")
    return _model(OP.QUANTIZE, [x], [y])


def dequantize(rng, n=64, in_type=T.INT8) -> bytes:
    x = me.Tensor(shape=(1, n), dtype=in_type,
                  quantization=me.Quantization(float(rng.uniform(0.001, 0.5)), int(rng.integers(-100, 100))), name="x")
    y = me.Tensor(shape=(1, n), dtype=T.FLOAT32, name="y")
    return _model(OP.DEQUANTIZE, [x], [y])


def reshape(rng, shape_in=(1, 4, 6), shape_out=(1, 24)) -> bytes:
    q = me.Quantization(0.1, 3)
    x = me.Tensor(shape=shape_in, dtype=T.INT8, quantization=q, name="x")
    s = me.Tensor(shape=(len(shape_out),), dtype=T.INT32, data=np.array(shape_out, dtype=np.int32), name="shape")
    y = me.Tensor(shape=shape_out, dtype=T.INT8, quantization=q, name="y")
    opt = tfl.ReshapeOptionsT()
    opt.newShape = list(shape_out)
    return _model(OP.RESHAPE, [x, s], [y], tfl.BuiltinOptions.ReshapeOptions, opt, graph_inputs=[x])
