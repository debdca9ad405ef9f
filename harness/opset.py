"""Which runtime kernels a model needs: its builtin ops -> `BT_OPS` op file names.

The firmware registers (and links) only the ops named in the CMake cache variable
`BT_OPS` (firmware/runtime/CMakeLists.txt), TFLM's op-resolver idea. The mapping
from a TFLite builtin operator to our op file is read from the kernels themselves
(`const bt_op_reg bt_op_<file> = {BT_BUILTIN_<OP>, ...}`), so a new kernel needs
no edit here. An op without a kernel is simply left out: the firmware then fails
at init with its "unsupported op NAME at operator #i" error, as without BT_OPS.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from harness import analyse

KERNELS_DIR = Path(__file__).resolve().parent.parent / "firmware" / "runtime" / "kernels"
_REG = re.compile(r"const\s+bt_op_reg\s+bt_op_(\w+)\s*=\s*\{\s*BT_BUILTIN_(\w+)")
_OPS_DEF = re.compile(r"^BT_OP\((\w+)\)", re.M)


@lru_cache(maxsize=1)
def kernel_files() -> dict[str, str]:
    """{builtin op name (e.g. "AVERAGE_POOL_2D"): op file name (e.g. "pool_avg")}, for the
    ops kernels/ops.def registers and kernels/ref provides."""
    registered = set(_OPS_DEF.findall((KERNELS_DIR / "ops.def").read_text()))
    out: dict[str, str] = {}
    for src in sorted((KERNELS_DIR / "ref").glob("*.c")):
        for file_name, builtin in _REG.findall(src.read_text()):
            if file_name in registered and file_name == src.stem:
                out[builtin] = file_name
    return out


def model_ops(model_path) -> list[str]:
    """The model's distinct operators (builtin names, custom ops by their custom code),
    in first-use order."""
    seen: list[str] = []
    for op in analyse.analyse(Path(model_path))["operators"]:
        if op["op"] not in seen:
            seen.append(op["op"])
    return seen


def op_files(model_path) -> list[str]:
    """The op file names (BT_OPS entries) of the model's ops that have a kernel."""
    table = kernel_files()
    return sorted({table[op] for op in model_ops(model_path) if op in table})


def bt_ops(model_path) -> str:
    """The `BT_OPS` cache value for a model: `;`-joined op file names. Empty (which the
    firmware reads as "all ops", the behaviour without BT_OPS) when no op of the model
    has a kernel -- init then fails with the unsupported-op error either way -- or when
    the file cannot be analysed (the firmware's own loader reports what is wrong)."""
    try:
        return ";".join(op_files(model_path))
    except Exception:  # damaged/odd model: analyse raises several types; build as before
        return ""


def bt_float(model_path) -> str:
    """The `BT_FLOAT` cache value for a model: "OFF" when no tensor of any subgraph is a
    non-empty float32 tensor (empty ones, e.g. the int8 LSTM's intermediates, carry only
    quantization), so the image leaves the kernels' float32 paths out -- the firmware's
    model reader applies the same rule and rejects such tensors; "ON" otherwise, and
    when the file cannot be analysed (build as before, the loader reports the damage)."""
    try:
        model, _ = analyse.load(Path(model_path))
        float32 = analyse._schema().TensorType.FLOAT32
        for g in model.subgraphs or []:
            for t in g.tensors or []:
                # no shape = a scalar (one element), as the firmware reads it
                if t.type == float32 and all(int(d) != 0 for d in (t.shape if t.shape is not None else [])):
                    return "ON"
        return "OFF"
    except Exception:  # damaged/odd model: analyse raises several types; build as before
        return "ON"


def bt_quant(model_path) -> str:
    """The `BT_QUANT` cache value for a model: "OFF" when no tensor of any subgraph is a
    non-empty int8, uint8 or int16 tensor (a float32 model), so the image leaves the
    kernels' quantized integer paths out -- the firmware's model reader applies the same
    rule and rejects such tensors; "ON" otherwise, and when the file cannot be analysed
    (build as before, the loader reports the damage)."""
    try:
        model, _ = analyse.load(Path(model_path))
        tt = analyse._schema().TensorType
        quant = {tt.INT8, tt.UINT8, tt.INT16}
        for g in model.subgraphs or []:
            for t in g.tensors or []:
                if t.type in quant and all(int(d) != 0 for d in (t.shape if t.shape is not None else [])):
                    return "ON"
        return "OFF"
    except Exception:  # damaged/odd model: analyse raises several types; build as before
        return "ON"
