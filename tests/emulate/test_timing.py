"""Cycle model. On the Cortex-M4 model the microbenchmarks follow ARM DDI 0439B
table 3-1 exactly (zero wait states, P = 1 for aligned targets)."""
import subprocess
import shutil

import pytest

from harness.emulate import emulate
from harness.emulate.boards import platforms_dir
from harness.emulate.machine import Machine
from harness.emulate.cycles.timing import BlockTimer, Timing

# body cycles = result - bench_empty; bench_empty = LDR (2) + NOP (1)
M4_EXPECTED = {
    "empty": 3,
    "ldr_indep8": 2 + 7,          # back-to-back independent LDRs pipeline: N + 1
    "ldr_dep8": 8 * 2,            # each address depends on the previous load
    "ldr_str": 2 + 1,             # STR after LDR pipelines
    "str_str": 2 + 2,             # nothing pipelines after a store
    "mla8": 8,                    # MLA single cycle on M4
    "smlad4": 4,
    "alu8": 8,
    "b_taken4": 4 * (1 + 1),      # B taken = 1 + P
    "b_not_taken4": 1 + 4,        # CMP + four untaken BNE
    "loop10": 1 + 10 + 9 * 2 + 1,  # MOVS, 10 SUBS, 9 taken + 1 untaken BNE
    "ldm4": 1 + 4,
    "stm4": 1 + 4,
    "push_pop4": 2 * (1 + 4),
}


def _bench(build_fw, board):
    r = emulate(build_fw("bench", board), board, max_cycles=10_000_000)
    assert r.exit_code == 0
    out = {}
    for line in r.lines:
        if line.startswith("bench "):
            k, v = line[6:].split("=")
            out[k] = int(v)
    return out


def test_m4_microbenchmarks_match_ddi0439(build_fw):
    got = _bench(build_fw, "f413")
    base = got["empty"]
    assert base == M4_EXPECTED["empty"]
    body = {k: v - base for k, v in got.items() if k != "empty"}
    want = {k: v for k, v in M4_EXPECTED.items() if k != "empty"}
    assert body == want


def test_m7_dual_issue_pairs_independent_instructions(tmp_path):
    m4 = BlockTimer(Timing.load(platforms_dir() / "timing" / "cortex-m4.toml"))
    m7 = BlockTimer(Timing.load(platforms_dir() / "timing" / "cortex-m7.toml"))
    indep = _assemble(tmp_path, "adds r0,#1\nadds r1,#1\nadds r2,#1\nadds r3,#1")
    dep = _assemble(tmp_path, "adds r0,#1\nadds r0,#1\nadds r0,#1\nadds r0,#1")
    assert m4.block(0x08000000, indep).cost == 4
    assert m7.block(0x08000000, indep).cost == 2
    assert m7.block(0x08000000, dep).cost == 4
    # load-use interlock on the M7
    assert m7.block(0x08000000, _assemble(tmp_path, "ldr r0,[r1]\nadds r0,#1")).cost == 1 + 1 + 1


def test_m7_benchmarks_run(build_fw):
    m7 = _bench(build_fw, "f769")
    assert set(m7) == set(M4_EXPECTED) and all(v > 0 for v in m7.values())


def _assemble(tmp_path, asm):
    gcc = shutil.which("arm-none-eabi-as")
    if gcc is None:
        pytest.fail("arm-none-eabi-as not found: sudo apt-get install binutils-arm-none-eabi")
    s = tmp_path / "b.s"
    s.write_text(".syntax unified\n.thumb\n" + asm + "\n")
    subprocess.run([gcc, "-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16", str(s), "-o", str(tmp_path / "b.o")], check=True)
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", "-j", ".text", str(tmp_path / "b.o"),
                    str(tmp_path / "b.bin")], check=True)
    return (tmp_path / "b.bin").read_bytes()


@pytest.mark.parametrize("asm,cost,taken", [
    ("ldr r0,[r1]\nldr r2,[r3]", 3, 0),                        # DDI 0439 example: 3 cycles
    ("ldr r0,[r1,r5]\nldr r1,[r2]\nldr r2,[r3,#4]", 4, 0),     # DDI 0439 example: 4 cycles
    ("ldr r0,[r1,r2]\nstr r0,[r3,#20]", 3, 0),                 # DDI 0439 example: 3 cycles
    ("udiv r0,r1,r2", 7, 0),                                   # 2..12, midpoint in the table
    ("vmla.f32 s0,s1,s2\nvadd.f32 s0,s0,s1\nvdiv.f32 s3,s4,s5", 3 + 1 + 14, 0),
    ("vldmia r0!,{s0-s7}", 1 + 8, 0),
    ("ldrd r0,r1,[r2]", 3, 0),
    ("pop {r4,pc}", 1 + 2, 1),                                 # 1 + N, + P when it branches
    ("tbb [pc,r1]", 2, 1),
    ("bx lr", 1, 1),
])
def test_block_costs_from_table(tmp_path, asm, cost, taken):
    t = BlockTimer(Timing.load(platforms_dir() / "timing" / "cortex-m4.toml"))
    info = t.block(0x08000000, _assemble(tmp_path, asm))
    assert info.cost == cost
    assert info.taken_pen == taken
    assert info.has_fpu == ("vmla" in asm or "vldm" in asm)


@pytest.mark.parametrize("native", [True, False])
def test_prefix_cost_for_mid_block_reads(tmp_path, native):
    """A CYCCNT read stops the engine mid-block; the run loop drops the cost of the
    instructions not yet run (Machine.insn_costs: native decoder, else the Python BlockInfo)."""
    code = _assemble(tmp_path, "adds r0,#1\nmul r1,r2\nldr r3,[r4]\nldr r5,[r6]")
    m = Machine("f413")
    m.uc.mem_write(0x08000000, code)
    info = BlockTimer(Timing.load(platforms_dir() / "timing" / "cortex-m4.toml")).block(0x08000000, code)
    if not native:
        m.block_info[(0x08000000, len(code))] = info
    assert (m.counter._dec is not None) and (dict.get(m.block_info, (0x08000000, len(code))) is None) == native
    costs = m.insn_costs(0x08000000, len(code))
    assert [a for a, _ in costs] == [i.addr for i in info.insns]
    assert [sum(c for b, c in costs if b < a) for a, _ in costs] == [0, 1, 2, 4]


@pytest.mark.parametrize("board", ["f413", "f769"])
def test_flash_wait_states_cost_cycles(build_fw, board):
    """Same work at the full clock: the code runs out of flash with wait states (and
    on F413 the ART cache enabled by the firmware hides most of them)."""
    r = emulate(build_fw("perf", board, "ROUNDS=20"), board, max_cycles=10**9)
    assert r.exit_code == 0
    stalls = r.stats["fetch_stall_cycles"]
    assert stalls > 0
    if board == "f413":
        assert r.stats["cache_hits"] > 10 * r.stats["cache_misses"]
    else:  # F769 firmware leaves the L1 I-cache off: every line is fetched over AXI
        assert r.stats["cache_hits"] == 0


@pytest.mark.parametrize("board,ws,line", [("f413", 3, 16), ("f769", 7 + 2, None)])
def test_flash_data_reads_pay_wait_states(build_fw, board, ws, line):
    """Weights read from flash: F413 with the ART data cache on streams one miss per
    16-byte line; the F769 test firmware leaves the L1 D-cache off, so every read waits."""
    ram = emulate(build_fw("perf", board, "ROUNDS=20"), board, max_cycles=10**9)
    fl = emulate(build_fw("perf", board, "ROUNDS=20", "WEIGHTS_IN_FLASH"), board, max_cycles=10**9)
    loads = 20 * 4000
    expected = loads * ws // line if line else loads * ws
    assert abs(fl.stats["data_stall_cycles"] - expected) < expected * 0.02
    assert ram.stats["data_stall_cycles"] < 1000
    def dwt(r):  # cycles of the dot-product loop, measured by the firmware with DWT
        return int(next(x for x in r.lines if x.startswith("cycles=")).split()[0][7:])
    assert dwt(fl) - dwt(ram) == pytest.approx(expected, rel=0.05)


def _memsys_cycles(build_fw, board, *defines):
    r = emulate(build_fw("memsys", board, *defines), board, max_cycles=10**9)
    assert r.exit_code == 0, r.lines
    return r.lines[0], int(next(x for x in r.lines if x.startswith("cycles="))[7:])


def test_flash_wait_states_and_art_change_the_same_loop_f413(build_fw):
    """F413: the same loop with 0 vs 3 flash wait states (ART off), then ART on."""
    acc0, ws0 = _memsys_cycles(build_fw, "f413", "ACR=0")
    acc3, ws3 = _memsys_cycles(build_fw, "f413", "ACR=3")
    acc_art, art = _memsys_cycles(build_fw, "f413", "ACR=0x703")  # 3 WS + PRFTEN ICEN DCEN
    print(f"\nF413 dot loop: 0 WS {ws0}, 3 WS {ws3}, 3 WS + ART {art} cycles")
    assert acc0 == acc3 == acc_art
    assert ws3 > 1.3 * ws0          # every fetch line and weight read waits 3 cycles
    assert art < 1.1 * ws0          # the ART hides nearly all of them
    assert art < ws3


def test_caches_and_itcm_change_the_same_loop_f769(build_fw):
    """F769: caches off vs on, and the loop run from ITCM instead of flash (caches off).
    Hardware reference: Dhrystone on an F723 drops from 245 to 49 DMIPS with caches off."""
    acc_off, off = _memsys_cycles(build_fw, "f769")
    acc_on, on = _memsys_cycles(build_fw, "f769", "CACHES")
    acc_itcm, itcm = _memsys_cycles(build_fw, "f769", "ITCM")
    print(f"\nF769 dot loop: caches off {off}, caches on {on}, ITCM (caches off) {itcm} cycles")
    assert acc_off == acc_on == acc_itcm
    assert off > 3 * on             # 7 wait states + AXI on every line without the caches
    assert itcm < off               # code fetches from ITCM are zero-wait
