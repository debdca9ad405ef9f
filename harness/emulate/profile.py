"""Post-run profile from the native block table: cycles and instructions per function
(ELF symbols), instruction mix, stack high-water mark (painted stack), fetch stats."""
from __future__ import annotations

import bisect
import struct
from collections import Counter

PAINT = 0xA5A5A5A5
_STACK_LIMIT_SYMBOLS = ("_ebss", "__bss_end__", "_end", "end", "__end__")


def paint_stack(runner):
    """Fill the free RAM below the initial SP so the high-water mark can be read back."""
    m, img = runner.m, runner.image
    sp = runner.sp_initial
    low = None
    for name in _STACK_LIMIT_SYMBOLS:
        a = img.address_of(name)
        if a is not None and a < sp:
            low = a
            break
    if low is None:
        for s, e, _n in m.regions:
            if s < sp <= e:
                low = s
    if low is None:
        return None
    low = (low + 3) & ~3
    n = (sp - low) // 4
    if n <= 0:
        return None
    try:
        m.uc.mem_write(low, struct.pack("<I", PAINT) * n)
    except Exception:
        return None
    runner.paint_low = low
    return low


def stack_peak(runner):
    low = getattr(runner, "paint_low", None)
    if low is None:
        return None
    sp = runner.sp_initial
    data = bytes(runner.m.uc.mem_read(low, sp - low))
    fills = {struct.pack("<I", PAINT)}
    # Firmware that paints its own stack (to report its peak) overwrites ours: accept
    # its fill word too when it repeats at the bottom of the free area.
    for off in range(0, min(len(data), 4096), 4):
        w = data[off:off + 4]
        if w not in fills and data[off:off + 64] == w * 16:
            fills.add(w)
            break
    i = 0
    while i + 4 <= len(data) and data[i:i + 4] in fills:
        i += 4
    return sp - (low + i)


def build_profile(runner, top=40) -> dict:
    m, img = runner.m, runner.image
    funcs = img.functions()
    starts = [f[0] for f in funcs]
    per_fn = {}
    mix = Counter()
    mnem = Counter()
    for addr, size, execs, cycles, ninsn in m.counter.block_records():
        i = bisect.bisect_right(starts, addr) - 1
        name = funcs[i][2] if i >= 0 and funcs[i][0] <= addr < funcs[i][1] else (img.symbol(addr) or f"0x{addr:08x}")
        rec = per_fn.setdefault(name, [0, 0])
        rec[0] += cycles
        rec[1] += execs * ninsn
        info = m.block_info.get((addr, size))
        if info is not None:
            for ins in info.insns:
                mix[ins.kind] += execs
                mnem[ins.mnem.split(".")[0]] += execs
    if getattr(runner, "sleep_cycles", 0):
        per_fn["(sleeping in WFI)"] = [runner.sleep_cycles, 0]
    total = sum(v[0] for v in per_fn.values()) or 1
    rows = sorted(per_fn.items(), key=lambda kv: -kv[1][0])
    st = m.counter.st
    return {
        "functions": [{"name": n, "cycles": c, "instructions": k, "share": round(c / total, 4)}
                      for n, (c, k) in rows[:top]],
        "instruction_mix": dict(mix.most_common()),
        "mnemonics": dict(mnem.most_common(top)),
        "stack_peak_bytes": stack_peak(runner),
        "fetch": {"stall_cycles": st.fetch_stall_cycles, "cache_hits": st.cache_hits,
                  "cache_misses": st.cache_misses},
        "flash_data": {"stall_cycles": st.data_stall_cycles, "cache_hits": st.dcache_hits,
                       "cache_misses": st.dcache_misses},
        "note": "function cycles exclude exception entry/return overhead and blocks re-timed after "
                "a flash wait-state change",
    }
