"""hook.c's cells: each translated block passes, as the hook's user data, the table entry
it was linked to at its first execution, so the common case does no table lookup.  The
lookup hook (BOARDTWIN_HOOK_CELLS=0) is the reference: every run must be identical."""
import pytest
from unicorn import UC_HOOK_BLOCK

from harness.emulate.cycles import native
from harness.emulate.run import Runner


def _run(monkeypatch, elf, board, cells, cap=None, second_hook=False):
    monkeypatch.setenv("BOARDTWIN_HOOK_CELLS", "1" if cells else "0")
    if cap is not None:  # a small table grows during the run: linked cells must follow it
        monkeypatch.setattr(native.NativeCounter.__init__, "__defaults__", (cap,))
    r = Runner(elf, board, max_cycles=10**9, uart_input=b"xyz")
    if second_hook:
        r.m.uc.hook_add(UC_HOOK_BLOCK, lambda *a: None)
    res = r.run()
    c = r.m.counter
    t = c._table
    table = {(t[i].addr, t[i].size): (t[i].cost, t[i].ninsn, t[i].flags, t[i].nlines)
             for i in range(c._cap) if t[i].flags & native.B_USED}
    return (res.cycles, res.instructions, res.lines, res.stats, table), c


@pytest.mark.parametrize("board,app,defines,cap", [
    ("f413", "perf", ("ROUNDS=5", "WEIGHTS_IN_FLASH"), None),
    ("f413", "perf", ("ROUNDS=5", "WEIGHTS_IN_FLASH"), 16),
    ("f769", "icache", ("INVALIDATE",), None),
    ("f769", "halstyle", (), 16),
    ("f413", "irq", (), None),
    ("f413", "ticknest", (), None),
    ("f769", "fpu", (), None),
])
def test_cells_give_the_same_run_as_the_lookup_hook(build_fw, monkeypatch, board, app, defines, cap):
    elf = build_fw(app, board, *defines)
    ref, c0 = _run(monkeypatch, elf, board, cells=False, cap=cap)
    got, c1 = _run(monkeypatch, elf, board, cells=True, cap=cap)
    assert not c0.cells and c1.cells
    assert got == ref
    if cap is not None:
        assert c1._cap > cap      # the table grew under the linked cells
    links = [c1.lib.bt_cell_index(c1.st, k) for k in range(c1.st.next_cell + 1)]
    assert -1 not in links        # every linked cell points at a block of the final table
    assert sum(i >= 0 for i in links) > 10
    # the complete path at most once more per cell (its linking) than with the lookup: a
    # cell linked to the wrong block would take it at every execution
    assert c1.st.full_calls <= c0.st.full_calls + len(links)


def test_cells_stay_bounded_when_unicorn_stops_baking_user_data(build_fw, monkeypatch):
    """A second block hook makes unicorn call hooks through its list (user data read at
    each call): every call then sees the newest cell.  Results stay exact, and cells stop
    being handed out instead of growing with every executed block."""
    elf = build_fw("icache", "f413")
    ref, _ = _run(monkeypatch, elf, "f413", cells=False, second_hook=True)
    got, c = _run(monkeypatch, elf, "f413", cells=True, second_hook=True)
    assert got == ref
    assert c.cells and c.st.full_calls > 5 * c.st.next_cell   # most blocks found no cell
    assert c.st.next_cell <= 8 * c.st.count + 4096
