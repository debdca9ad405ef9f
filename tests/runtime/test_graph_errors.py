"""Graph sanity and unsupported ops: clean, specific errors (ASan build)."""

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.compression import model_editor as me
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl

from harness import hostrun

T, OP = tfl.TensorType, tfl.BuiltinOperator


def _q():
    return me.Quantization(0.1, 0)


def _t(name):
    return me.Tensor(shape=(1, 8), dtype=T.INT8, quantization=_q(), name=name)


def _reshape_op(x, y):
    return me.Operator(opcode=OP.RESHAPE, inputs=[x], outputs=[y])


def _run(tmp_path, model_bytes):
    p = tmp_path / "g.tflite"
    p.write_bytes(bytes(model_bytes))
    r = hostrun.run_raw(p, [], sanitize=True)
    text = r.stdout + r.stderr
    assert "AddressSanitizer" not in text and "runtime error" not in text, text
    return r


def test_output_written_twice(tmp_path, asan_exe):
    a, b, c = _t("a"), _t("b"), _t("c")
    ops = [_reshape_op(a, b), _reshape_op(c, b)]
    m = me.Model(subgraphs=[me.Subgraph(operators=ops, inputs=[a, c], outputs=[b])])
    r = _run(tmp_path, m.build())
    assert r.returncode == 1 and "ERROR: GRAPH" in r.stdout and "already written" in r.stdout, r.stdout


def test_cycle_read_before_write(tmp_path, asan_exe):
    a, b, c = _t("a"), _t("b"), _t("c")
    ops = [_reshape_op(c, b), _reshape_op(b, c)]  # b <- c <- b
    m = me.Model(subgraphs=[me.Subgraph(operators=ops, inputs=[a], outputs=[b])])
    r = _run(tmp_path, m.build())
    assert r.returncode == 1 and "ERROR: GRAPH" in r.stdout and "before it is written" in r.stdout, r.stdout


def test_write_to_constant(tmp_path, asan_exe):
    a = _t("a")
    k = me.Tensor(shape=(1, 8), dtype=T.INT8, data=np.zeros(8, np.int8), quantization=_q(), name="k")
    m = me.Model(subgraphs=[me.Subgraph(operators=[_reshape_op(a, k)], inputs=[a], outputs=[k])])
    r = _run(tmp_path, m.build())
    assert r.returncode == 1 and "ERROR: GRAPH" in r.stdout and "constant" in r.stdout, r.stdout


def _op0_inputs_pos(data: bytes) -> int:
    """File offset of operator 0's first input index (schema object API)."""
    model = tfl.Model.GetRootAs(data, 0)
    op = model.Subgraphs(0).Operators(0)
    return op._tab.Vector(op._tab.Offset(6))


def test_tensor_index_out_of_range(tmp_path, asan_exe):
    import struct
    a, b = _t("a"), _t("b")
    m = me.Model(subgraphs=[me.Subgraph(operators=[_reshape_op(a, b)], inputs=[a], outputs=[b])])
    data = bytearray(m.build())
    struct.pack_into("<i", data, _op0_inputs_pos(bytes(data)), 77)
    r = _run(tmp_path, data)
    assert r.returncode == 1 and "ERROR: GRAPH" in r.stdout and "out of range" in r.stdout, r.stdout


def test_unsupported_builtin_names_op_and_index(tmp_path, asan_exe):
    a, b, c = _t("a"), _t("b"), _t("c")
    ops = [_reshape_op(a, b), me.Operator(opcode=OP.ZEROS_LIKE, inputs=[b], outputs=[c])]
    m = me.Model(subgraphs=[me.Subgraph(operators=ops, inputs=[a], outputs=[c])])
    r = _run(tmp_path, m.build())
    assert r.returncode == 1
    assert "ERROR: UNSUPPORTED_OP: unsupported op ZEROS_LIKE (code 93) at operator #1" in r.stdout, r.stdout


def test_unsupported_custom_op(tmp_path, asan_exe):
    a, b = _t("a"), _t("b")
    op = me.Operator(opcode=OP.CUSTOM, custom_code="MyOp", inputs=[a], outputs=[b])
    m = me.Model(subgraphs=[me.Subgraph(operators=[op], inputs=[a], outputs=[b])])
    r = _run(tmp_path, m.build())
    assert r.returncode == 1 and "unsupported custom op 'MyOp' at operator #0" in r.stdout, r.stdout


def test_kernel_prepare_error_names_op(tmp_path, asan_exe):
    a = _t("a")
    b = me.Tensor(shape=(1, 9), dtype=T.INT8, quantization=_q(), name="b")  # size mismatch
    m = me.Model(subgraphs=[me.Subgraph(operators=[_reshape_op(a, b)], inputs=[a], outputs=[b])])
    r = _run(tmp_path, m.build())
    assert r.returncode == 1 and "RESHAPE (op #0)" in r.stdout, r.stdout


def test_unaligned_constant_rejected(tmp_path, asan_exe):
    """int32 bias stored out of line (Buffer.offset/size) at an odd file offset:
    MODEL_ALIGNMENT instead of a misaligned load; at an aligned offset it runs."""
    import flatbuffers

    from . import opmodels as om

    base = om.fully_connected(np.random.default_rng(0))
    results = {}
    for pad in (0, 1):
        mt = tfl.ModelT.InitFromPackedBuf(base, 0)
        bias_buf = mt.buffers[mt.subgraphs[0].tensors[2].buffer]
        payload = bytes(bias_buf.data.astype(np.uint8)) if hasattr(bias_buf.data, "astype") else bytes(bias_buf.data)
        bias_buf.data = None
        bias_buf.offset, bias_buf.size = 1 << 20, len(payload)   # placeholder, same encoded size
        for _ in range(2):
            b = flatbuffers.Builder(0)
            b.Finish(mt.Pack(b), file_identifier=b"TFL3")
            out = bytes(b.Output())
            start = (len(out) + 15) // 16 * 16 + pad
            bias_buf.offset = start
        data = out + b"\0" * (start - len(out)) + payload
        results[pad] = _run(tmp_path, data)
    assert results[0].returncode == 0, results[0].stdout
    assert results[1].returncode == 1 and "ERROR: MODEL_ALIGNMENT" in results[1].stdout, results[1].stdout
