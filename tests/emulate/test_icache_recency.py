"""The native hook's I-cache model with the shortcut (tags never move; a line's last
access is recovered from the stamps of the blocks covering it when its set must evict)
against the reference move-to-front LRU (BOARDTWIN_IC_SHORTCUT=0): the same cycles,
hits, misses and stalls after every block, on random code layouts and random walks
through them, for several cache geometries, with invalidations in between and blocks
longer than the cache has sets."""
import random

import pytest

from harness.emulate.cycles import native

FLASH = 0x08000000
B_USED, B_FLASH = native.B_USED, native.B_FLASH


class _Model:
    def __init__(self, mod, shortcut, sets, ways, line):
        ffi, lib = mod.ffi, mod.lib
        self.ffi, self.lib = ffi, lib
        st = self.st = ffi.new("bt_state *")
        st.deadline = st.real_deadline = (1 << 64) - 1
        st.ic_shortcut, st.ic_version, st.cur_index = shortcut, 1, -1
        assert lib.bt_table_init(st, 1 << 12) == 0
        self.tags = ffi.new("uint32_t[]", sets * ways)
        c = st.ic
        c.tags, c.line_shift, c.set_mask, c.ways, c.on = self.tags, line.bit_length() - 1, sets - 1, ways, 1
        assert lib.bt_ic_init(st) == 0
        st.ws = 5

    def insert(self, addr, size, cost, fetch):
        rec = self.ffi.new("bt_block *")
        rec.addr, rec.size, rec.cost, rec.ninsn = addr, size, cost, max(1, size // 4)
        rec.flags, rec.nlines, rec.taken_pen = B_USED | B_FLASH, len(fetch), 1
        assert self.lib.bt_insert(self.st, rec, self.ffi.new("uint16_t[]", fetch)) >= 0

    def run(self, addr, size):
        self.lib.bt_block_hook(self.ffi.NULL, addr, size, self.st)
        st = self.st
        return st.cycles, st.insns, st.cache_hits, st.cache_misses, st.fetch_stall_cycles

    def invalidate(self):
        self.ffi.memmove(self.tags, bytes(self.ffi.sizeof(self.tags)), self.ffi.sizeof(self.tags))
        self.st.ic_version += 1

    def free(self):
        self.lib.bt_table_free(self.st)


@pytest.mark.parametrize("sets,ways,line", [(32, 2, 16), (8, 2, 16), (4, 4, 32), (1, 8, 16), (16, 1, 16),
                                            (256, 2, 32)])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_recency_model_is_lru(sets, ways, line, seed):
    mod = native.load_lib()
    rng = random.Random(seed * 1000 + sets * 10 + ways)
    span = sets * ways * line * 3  # three times the cache: conflicts and evictions
    blocks = set()
    while len(blocks) < 300:
        size = rng.choice([2, 4, 6, 10, 14, 20, 30, 48, 64, 100]) if rng.random() < 0.97 \
            else rng.randrange(sets * line + 2, sets * line * 2 + 4, 2)  # more lines than sets
        addr = FLASH + rng.randrange(0, span, 2)
        blocks.add((addr, size))
    blocks = sorted(blocks)
    models = [_Model(mod, s, sets, ways, line) for s in (1, 0)]
    try:
        for addr, size in blocks:
            nlines = ((addr + size - 1) // line) - (addr // line) + 1
            fetch = [rng.randrange(0, 6) for _ in range(nlines)]
            cost = rng.randrange(1, 20)
            for m in models:
                m.insert(addr, size, cost, fetch)
        k = 0
        hot = blocks[:12]
        for step in range(20_000):
            if rng.random() < 0.02:
                hot = rng.sample(blocks, rng.randrange(2, 16))  # a new working set (loop)
            b = hot[k % len(hot)] if rng.random() < 0.9 else rng.choice(blocks)
            k += 1
            if rng.random() < 0.0005:
                for m in models:
                    m.invalidate()
            got = [m.run(*b) for m in models]
            assert got[0] == got[1], (step, b, got)
        assert got[0][2] > 1000 and got[0][3] > 100  # both hits and misses happened
    finally:
        for m in models:
            m.free()
