"""hook.c (block hook, cells, decoder memo, native SysTick) built with AddressSanitizer and
UndefinedBehaviorSanitizer, run on firmware that exercises table growth under linked
cells, I-cache invalidation, IT blocks, nested exceptions and profiling: no report, and
the same results as the normal build."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.emulate.cycles import native
from harness.emulate.run import Runner

_CHILD = r'''
import ctypes, json, os, sys
_init = ctypes.CDLL.__init__
def _no_deepbind(self, name, mode=ctypes.DEFAULT_MODE, *a, **k):
    # capstone's binding loads its library with RTLD_DEEPBIND, which ASan refuses
    return _init(self, name, mode & ~getattr(os, "RTLD_DEEPBIND", 0), *a, **k)
ctypes.CDLL.__init__ = _no_deepbind
import cffi
_set_source = cffi.FFI.set_source
def _sanitized(self, *a, **k):
    k["extra_compile_args"] = ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
                               "-fno-sanitize-recover=all"]
    k["extra_link_args"] = ["-fsanitize=address,undefined"]
    return _set_source(self, *a, **k)
cffi.FFI.set_source = _sanitized
from harness.emulate.cycles import native
from harness.emulate.run import Runner
out = []
for elf, board, cap, prof in json.loads(sys.argv[1]):
    native.NativeCounter.__init__.__defaults__ = (cap,)
    r = Runner(elf, board, max_cycles=10**9, uart_input=b"xyz")
    if prof:
        r.m.counter.enable_profile()
    res = r.run()
    out.append([res.cycles, res.instructions, res.lines, r.m.counter.cells])
print(json.dumps(out))
'''


def _runtime(name):
    gcc = shutil.which("gcc")
    p = subprocess.run([gcc, f"-print-file-name={name}"], capture_output=True, text=True).stdout.strip() if gcc else ""
    if not os.path.isabs(p):
        pytest.fail(f"{name} not found: install the C compiler and its sanitizer runtimes with "
                    "`sudo apt-get install build-essential` (gcc brings libasan8 and libubsan1)")
    return p


def test_hook_under_asan_and_ubsan(build_fw, tmp_path):
    runs = [(str(build_fw("perf", "f413", "ROUNDS=5", "WEIGHTS_IN_FLASH")), "f413", 16, False),
            (str(build_fw("icache", "f769", "INVALIDATE")), "f769", 1 << 14, False),
            (str(build_fw("itblock", "f413")), "f413", 1 << 14, False),
            (str(build_fw("ticknest", "f413")), "f413", 64, False),
            (str(build_fw("fpu", "f769")), "f769", 1 << 14, True)]
    ref = []
    for elf, board, cap, prof in runs:
        r = Runner(elf, board, max_cycles=10**9, uart_input=b"xyz")
        if prof:
            r.m.counter.enable_profile()
        res = r.run()
        ref.append([res.cycles, res.instructions, res.lines, True])
    env = dict(os.environ, BOARDTWIN_CACHE=str(tmp_path / "cache"),  # not the normal build's cache
               LD_PRELOAD=f"{_runtime('libasan.so')}:{_runtime('libubsan.so')}",
               ASAN_OPTIONS="detect_leaks=0:abort_on_error=0", UBSAN_OPTIONS="print_stacktrace=1",
               PYTHONPATH=str(Path(native.__file__).parents[3]))
    p = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(runs)], capture_output=True, text=True,
                       env=env, timeout=900)
    assert p.returncode == 0 and "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr[-4000:]
    assert json.loads(p.stdout.strip().splitlines()[-1]) == ref
