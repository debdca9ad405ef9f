"""hello_world_int8 (FULLY_CONNECTED x3) bit-exact against the tflite-micro wheel."""

import numpy as np
import pytest

from harness import golden, hostrun

ALL_INT8 = [[np.array([[v]], dtype=np.int8)] for v in range(-128, 128)]


@pytest.mark.parametrize("sanitize", [False, True], ids=["host", "asan"])
def test_all_256_inputs_bit_exact(hello_int8, sanitize, host_exe, asan_exe):
    ours = hostrun.run_host_many(hello_int8, ALL_INT8, sanitize=sanitize)
    ref = [golden.golden_outputs(hello_int8, x) for x in ALL_INT8]
    mismatches = [(x[0].item(), r[0].item(), o[0].item()) for x, r, o in zip(ALL_INT8, ref, ours)
                  if not np.array_equal(r[0], o[0])]
    assert not mismatches, f"(input, tflm, ours) differ: {mismatches[:10]}"
    # The output must actually vary, or a constant kernel would pass.
    assert len({o[0].item() for o in ours}) > 50


def test_protocol_lines(hello_int8, host_exe):
    r = hostrun.run_raw(hello_int8, ["--print-allocations", "--profile"])
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("boardtwin app=host_run board=host kernels=ref core_hz=")
    assert lines[1].startswith("[RecordingMicroAllocator] Arena allocation total ")
    assert any(line.startswith("PRED i=0 in=00 out=") for line in lines)
    prof = [line for line in lines if " took " in line]
    assert len(prof) == 3
    import re
    for line in prof:
        assert re.fullmatch(r"FULLY_CONNECTED took \d+ ticks \(\d+ ms\)\.", line), line
    i = lines.index('"Event","Tag","Ticks"')
    assert [line.split(",")[:2] for line in lines[i + 1:i + 4]] == [["0", "FULLY_CONNECTED"],
                                                                   ["1", "FULLY_CONNECTED"],
                                                                   ["2", "FULLY_CONNECTED"]]
    assert lines[-1] == "BOARDTWIN-EXIT 0"
