"""The native block decoder (cycles/hook.c) is a C port of the Python reference
(cycles/timing.py BlockTimer + Machine._sampled_data_penalty / _fetch_stalls): both
must give identical costs for every block, and whole runs identical cycle counts."""
import random

import pytest
from elftools.elf.elffile import ELFFile

from harness.emulate.machine import Machine
from harness.emulate.run import Runner
from unicorn import arm_const as arm

FLASH = 0x0800_0000
_KINDS = ["alu", "load", "store", "branch_load", "dual", "multi", "branch_multi", "branch", "table", "div",
          "mul", "it", "nop", "barrier", "wfi", "system", "fp", "fp_mem", "branch_alu"]


def _text(elf):
    with open(elf, "rb") as f:
        e = ELFFile(f)
        s = e.get_section_by_name(".text")
        return s["sh_addr"], s.data()


def _chunks(base, data, rng, n):
    """Random windows of real code (halfword aligned), some starting mid-instruction."""
    for _ in range(n):
        off = rng.randrange(0, max(2, len(data) - 8)) & ~1
        size = rng.choice([2, 4, 6, 8, 12, 16, 24, 40, 64, 120])
        yield base + off, data[off:off + size]


def _random_code(rng, n):
    for _ in range(n):
        size = rng.choice([2, 4, 8, 16, 32])
        yield FLASH + (rng.randrange(0, 0x4000) & ~1), bytes(rng.randrange(256) for _ in range(size))


def _compare(m, addr, code):
    py = m.timer.block(addr, code)
    c = m.counter.decode(addr, code, m.uc)
    assert c is not None
    where = f"block at 0x{addr:08x} ({code.hex()}): " + "; ".join(f"{i.mnem}" for i in py.insns)
    assert (c.ninsn, c.cost, c.taken_pen, c.entry_pen, bool(c.has_fpu)) == \
        (py.ninsn, py.cost, py.taken_pen, py.entry_pen, py.has_fpu), where
    assert [c.icost[k] for k in range(c.ninsn)] == [i.cost for i in py.insns], where
    assert [_KINDS[c.ikind[k]] for k in range(c.ninsn)] == [i.kind for i in py.insns], where
    assert [c.isize[k] for k in range(c.ninsn)] == [i.size for i in py.insns], where
    pen = m._sampled_data_penalty(py) if m.data_timing == "sampled" else 0
    assert c.data_pen == pen, where
    if m.in_flash(addr):
        fetch = m._fetch_stalls(addr, len(code), py)
        assert c.in_flash and [c.fetch[k] for k in range(c.nlines)] == fetch, where
    else:
        assert not c.in_flash


@pytest.mark.parametrize("board", ["f413", "f769"])
def test_native_decoder_matches_python_on_code_and_noise(build_fw, board):
    rng = random.Random(1234)
    m = Machine(board)
    st = m.counter.st
    sources = [_text(build_fw(app, board)) for app in ("perf", "bench", "fpu", "irq", "itblock")]
    # registers pointing into flash and RAM, so sampled data penalties are exercised
    for k, reg in enumerate([arm.UC_ARM_REG_R0, arm.UC_ARM_REG_R1, arm.UC_ARM_REG_R2, arm.UC_ARM_REG_R3]):
        m.regs.write(reg, FLASH + 0x100 * k if k % 2 == 0 else 0x2000_0000 + 0x40 * k)
    m.regs.write(arm.UC_ARM_REG_SP, 0x2000_1000)
    n = 0
    for ws, dc_on, prefetch in [(0, 0, False), (3, 1, True), (5, 0, True), (7, 1, False)]:
        st.ws, st.dws, st.dc.on = ws, ws, dc_on
        m._prefetch = prefetch
        m.counter.set_prefetch(prefetch)
        for base, data in sources:
            for addr, code in _chunks(base, data, rng, 300):
                _compare(m, addr, code)
                n += 1
        for addr, code in _random_code(rng, 300):
            _compare(m, addr, code)
            n += 1
    assert n > 4000


def _table(r):
    t = r.m.counter._table
    out = {}
    for i in range(r.m.counter._cap):
        b = t[i]
        if b.flags & 1:
            seq = [r.m.counter.st.seq_stall[b.seq_off + k] for k in range(b.nlines)]
            out[(b.addr, b.size)] = (b.cost, b.ninsn, b.flags, b.taken_pen, b.entry_pen, b.data_pen, seq)
    return out


def _profile(r):
    return {(a, s): (n, c) for a, s, n, c, _ in r.m.counter.block_records()}


@pytest.mark.parametrize("board,app,defines", [("f413", "perf", ("ROUNDS=5", "WEIGHTS_IN_FLASH")),
                                               ("f769", "perf", ("ROUNDS=5", "WEIGHTS_IN_FLASH")),
                                               ("f413", "bench", ()), ("f769", "fpu", ())])
def test_whole_run_identical_with_native_and_python_decoder(build_fw, monkeypatch, board, app, defines):
    elf = build_fw(app, board, *defines)
    runs = {}
    for native in ("1", "0"):
        monkeypatch.setenv("BOARDTWIN_NATIVE_DECODE", native)
        r = Runner(elf, board, max_cycles=10**9)
        r.m.counter.enable_profile()   # per-block executions and cycles too
        res = r.run()
        assert (r.m.counter._dec is not None) == (native == "1")
        runs[native] = (res.cycles, res.instructions, res.lines, res.stats, _table(r), _profile(r))
    assert runs["1"][:4] == runs["0"][:4]
    assert runs["1"][4] == runs["0"][4]
    assert runs["1"][5] == runs["0"][5] and runs["1"][5]


@pytest.mark.parametrize("board,app,defines", [("f413", "perf", ("ROUNDS=5", "WEIGHTS_IN_FLASH")),
                                               ("f769", "icache", ()), ("f769", "fpu", ()),
                                               ("f413", "irq", ())])
def test_profiling_gives_the_same_run(build_fw, board, app, defines):
    """Profiling sends every block through hook.c's complete path (bt_block_full); without
    it nearly all blocks take the common case (bt_block_hook).  Both must charge alike."""
    elf = build_fw(app, board, *defines)
    runs = []
    for prof in (False, True):
        r = Runner(elf, board, max_cycles=10**9)
        if prof:
            r.m.counter.enable_profile()
        res = r.run()
        runs.append((res.cycles, res.instructions, res.lines, res.stats, _table(r)))
        assert bool(_profile(r)) == prof
    assert runs[0] == runs[1]


def test_native_decoder_is_on_by_default(build_fw, monkeypatch):
    monkeypatch.delenv("BOARDTWIN_NATIVE_DECODE", raising=False)
    calls = []
    orig = Machine._decode_block
    monkeypatch.setattr(Machine, "_decode_block", lambda self, a, s: calls.append(a) or orig(self, a, s))
    r = Runner(build_fw("hello", "f413"), "f413", max_cycles=50_000_000, uart_input=b"\n")
    r.run()
    assert r.m.counter._dec is not None and r.m.counter._dec.decoded > 10
    assert calls == []   # no block went through the Python miss callback


@pytest.mark.parametrize("board,app,defines", [("f413", "perf", ("ROUNDS=5",)), ("f413", "perf", ("ROUNDS=5", "WEIGHTS_IN_FLASH")),
                                               ("f769", "halstyle", ()), ("f413", "icache", ()),
                                               ("f769", "icache", ()), ("f769", "icache", ("INVALIDATE",))])
def test_icache_shortcut_is_exact(build_fw, monkeypatch, board, app, defines):
    """The I-cache recency model (tags never move; LRU order recovered from block stamps
    on eviction) against the reference move-to-front LRU over whole runs: not a single
    count may change."""
    elf = build_fw(app, board, *defines)
    runs = {}
    for on in ("1", "0"):
        monkeypatch.setenv("BOARDTWIN_IC_SHORTCUT", on)
        r = Runner(elf, board, max_cycles=10**9, uart_input=b"xyz")
        res = r.run()
        assert r.m.counter.st.ic_shortcut == int(on)
        runs[on] = (res.cycles, res.instructions, res.lines, res.stats, _table(r))
    assert runs["1"] == runs["0"]
    assert runs["1"][3]["cache_hits"] > 0 and runs["1"][3]["cache_misses"] > 0


def test_hook_builds_and_runs_without_capstone_headers(build_fw, tmp_path, monkeypatch):
    """No capstone headers: the hook is built without the native decoder and Python
    decodes every block, with the same results."""
    import json
    import subprocess
    import sys
    elf = build_fw("perf", "f413", "ROUNDS=5", "WEIGHTS_IN_FLASH")
    script = (
        "import json, sys\n"
        "from harness.emulate.cycles import native\n"
        "native._capstone_include = lambda: None\n"
        "from harness.emulate.run import Runner\n"
        f"r = Runner({str(elf)!r}, 'f413', max_cycles=10**9)\n"
        "res = r.run()\n"
        "print(json.dumps([r.m.counter._dec is None, res.cycles, res.instructions, res.lines]))\n")
    env = dict(__import__("os").environ, BOARDTWIN_CACHE=str(tmp_path / "cache"))
    env.pop("BOARDTWIN_NATIVE_DECODE", None)
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stderr
    no_dec, cycles, insns, lines = json.loads(p.stdout.strip().splitlines()[-1])
    monkeypatch.delenv("BOARDTWIN_NATIVE_DECODE", raising=False)
    ref = Runner(elf, "f413", max_cycles=10**9).run()
    assert no_dec and (cycles, insns, lines) == (ref.cycles, ref.instructions, ref.lines)


def test_concurrent_machines_decode_independently(build_fw, monkeypatch):
    """unicorn releases the GIL: machines in threads run the native hook (and its
    decoder) concurrently, so its scratch memory is per machine."""
    from concurrent.futures import ThreadPoolExecutor
    monkeypatch.delenv("BOARDTWIN_NATIVE_DECODE", raising=False)
    jobs = [(build_fw("perf", "f413", "ROUNDS=5", "WEIGHTS_IN_FLASH"), "f413"),
            (build_fw("perf", "f769", "ROUNDS=5"), "f769"), (build_fw("icache", "f413"), "f413"),
            (build_fw("icache", "f769"), "f769")]

    def run(job):
        res = Runner(job[0], job[1], max_cycles=10**9).run()
        return res.cycles, res.instructions, res.lines

    alone = [run(j) for j in jobs]
    for _ in range(3):
        with ThreadPoolExecutor(max_workers=4) as ex:
            assert list(ex.map(run, jobs)) == alone
