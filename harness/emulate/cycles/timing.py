"""Static per-basic-block cycle costs from a timing table (platforms/timing/<core>.toml).

A block is decoded once with capstone; its cost assumes the fall-through path, with
the refill penalty of a taken final branch kept apart (`taken_pen`) so the block hook
can add it when the next block is not the fall-through one.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import capstone
from capstone import arm_const as A

PC, SP, LR = A.ARM_REG_PC, A.ARM_REG_SP, A.ARM_REG_LR
AL = A.ARM_CC_AL

_LOADS = {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrex", "ldrexb", "ldrexh", "ldrt", "ldrbt",
          "ldrht", "ldrsbt", "ldrsht", "lda", "ldab", "ldah", "pld", "pli"}
_STORES = {"str", "strb", "strh", "strex", "strexb", "strexh", "strt", "strbt", "strht",
           "stl", "stlb", "stlh"}
_DUAL = {"ldrd", "strd"}
_MULTI = {"ldm", "ldmia", "ldmdb", "ldmfd", "ldmea", "stm", "stmia", "stmdb", "stmfd", "stmea",
          "push", "pop"}
_BRANCH = {"b", "bl", "bx", "blx", "cbz", "cbnz"}
_TABLE = {"tbb", "tbh"}
_DIV = {"sdiv", "udiv"}
_BARRIER = {"dmb", "dsb", "isb"}
_SYSTEM = {"mrs", "msr", "cpsid", "cpsie", "svc", "bkpt", "sev", "yield", "udf"}
_WFI = {"wfi", "wfe"}
_FP_MAC = {"vmla", "vmls", "vnmla", "vnmls", "vfma", "vfms", "vfnma", "vfnms"}
_FP_DIV = {"vdiv", "vsqrt"}
_FP_LOAD = {"vldr", "vstr"}
_FP_MULTI = {"vldm", "vldmia", "vldmdb", "vstm", "vstmia", "vstmdb", "vpush", "vpop"}


def _is_mul(m: str) -> bool:
    return m.startswith(("mul", "mla", "mls", "smul", "smla", "smls", "smmul", "smmla", "smmls",
                         "umul", "umla", "umaal", "smuad", "smusd"))


@dataclass
class Timing:
    core: str
    unicorn_model: str
    cost: dict
    pipe: dict

    @classmethod
    def load(cls, path: Path) -> "Timing":
        d = tomllib.loads(Path(path).read_text())
        return cls(d["core"], d["unicorn_model"], d["cost"], d["pipeline"])


@dataclass
class Insn:
    addr: int
    size: int
    mnem: str
    cost: int = 1
    kind: str = "alu"
    reads: frozenset = frozenset()
    writes: frozenset = frozenset()
    addr_regs: frozenset = frozenset()  # registers forming a load/store address
    mem_base: int = 0      # data reads: base register, displacement, bytes read
    mem_disp: int = 0
    mem_bytes: int = 0


@dataclass
class BlockInfo:
    addr: int
    size: int
    cost: int
    ninsn: int
    taken_pen: int
    has_fpu: bool
    insns: list = field(default_factory=list)  # Insn, with per-instruction costs
    entry_pen: int = 0
    data_pen: int = 0     # expected flash data-read stall, 1/256 cycles (set by the machine)


@lru_cache(maxsize=4)
def _disassembler(mclass=True):
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.detail = True
    return md


def _base(m: str) -> str:
    """Mnemonic without width qualifier and condition/flags suffix (capstone gives e.g. 'ldr.w', 'addeq', 'vadd.f32')."""
    return m.split(".")[0]


class BlockTimer:
    def __init__(self, timing: Timing):
        self.t = timing
        self.c = timing.cost
        self.p = timing.pipe

    def _classify(self, ins) -> Insn:
        c = self.c
        m = _base(ins.mnemonic)
        try:
            r, w = ins.regs_access()
        except capstone.CsError:
            r, w = (), ()
        reads, writes = frozenset(r), frozenset(w)
        x = Insn(ins.address, ins.size, ins.mnemonic, reads=reads, writes=writes)
        # condition-suffix stripping for plain instructions inside IT blocks
        cond = ins.cc != AL and m not in ("b",)
        stem = m[:-2] if cond and len(m) > 2 and m[-2:] in _CONDS else m
        if stem.endswith("s") and stem[:-1] in ("mul", "mla") :
            stem = stem[:-1]
        if stem in _LOADS or stem in _STORES:
            x.kind = "load" if stem in _LOADS else "store"
            x.cost = c["load"] if x.kind == "load" else c["store"]
            mem = [o for o in ins.operands if o.type == A.ARM_OP_MEM]
            if mem:
                regs = {mem[0].mem.base, mem[0].mem.index} - {0}
                x.addr_regs = frozenset(regs)
                if x.kind == "load":
                    x.mem_base, x.mem_disp = mem[0].mem.base, mem[0].mem.disp
                    x.mem_bytes = 1 if stem.startswith("ldrb") or stem.startswith("ldrsb") else \
                        2 if stem.startswith(("ldrh", "ldrsh")) else 4
            if x.kind == "load" and PC in writes:
                x.kind = "branch_load"
        elif stem in _DUAL:
            x.kind, x.cost = "dual", c["load_dual"]
            mem = [o for o in ins.operands if o.type == A.ARM_OP_MEM]
            if stem == "ldrd" and mem:
                x.mem_base, x.mem_disp, x.mem_bytes = mem[0].mem.base, mem[0].mem.disp, 8
        elif stem in _MULTI or stem.startswith(("ldm", "stm")):
            n = sum(1 for o in ins.operands if o.type == A.ARM_OP_REG) - (0 if stem in ("push", "pop") else 1)
            x.kind, x.cost = "multi", c["multiple_base"] + max(n, 1)
            if stem.startswith("ldm"):
                x.mem_base, x.mem_bytes = ins.operands[0].reg, 4 * max(n, 1)
            if PC in writes:
                x.kind = "branch_multi"
        elif stem in _BRANCH:
            x.kind, x.cost = "branch", c["branch"]
        elif stem in _TABLE:
            x.kind, x.cost = "table", c["table_branch"]
        elif stem in _DIV:
            x.kind, x.cost = "div", c["div"]
        elif _is_mul(stem):
            x.kind, x.cost = "mul", c["mul"]
        elif stem == "it":
            x.kind, x.cost = "it", c["it"]
        elif stem == "nop":
            x.kind, x.cost = "nop", c["nop"]
        elif stem in _BARRIER:
            x.kind, x.cost = "barrier", c["barrier"]
        elif stem in _WFI:
            x.kind, x.cost = "wfi", c["wfi"]
        elif stem in _SYSTEM:
            x.kind, x.cost = "system", c["system"]
        elif m.startswith("v"):
            vm = stem
            if vm in _FP_MAC:
                x.kind, x.cost = "fp", c["fp_mac"]
            elif vm in _FP_DIV:
                x.kind, x.cost = "fp", c["fp_div"]
            elif vm in _FP_LOAD:
                wide = any(o.type == A.ARM_OP_REG and A.ARM_REG_D0 <= o.reg <= A.ARM_REG_D31
                           for o in ins.operands)
                x.kind, x.cost = "fp_mem", c["fp_load"] + (1 if wide else 0)
            elif vm in _FP_MULTI:
                n = 0
                for o in ins.operands:
                    if o.type != A.ARM_OP_REG:
                        continue
                    if A.ARM_REG_D0 <= o.reg <= A.ARM_REG_D31:
                        n += 2
                    elif A.ARM_REG_S0 <= o.reg <= A.ARM_REG_S31:
                        n += 1
                x.kind, x.cost = "fp_mem", c["fp_multiple_base"] + max(n, 1)
            elif vm == "vmov" and sum(1 for o in ins.operands if o.type == A.ARM_OP_REG) >= 3:
                x.kind, x.cost = "fp", c["fp_mov_pair"]
            else:
                x.kind, x.cost = "fp", c["fp_alu"]
        else:
            x.kind, x.cost = "alu", c["alu"]
            if PC in writes:
                x.kind = "branch_alu"
        return x

    def block(self, addr: int, code: bytes) -> BlockInfo:
        md = _disassembler()
        insns = [self._classify(i) for i in md.disasm(code, addr)]
        has_fpu = any(i.kind in ("fp", "fp_mem") for i in insns)
        p = self.p
        # Load/store pipelining (M4): a single LDR/STR after a single LDR whose
        # destination is not part of the next address costs one cycle less.
        if p.get("pipelined_load_store"):
            for a, b in zip(insns, insns[1:]):
                if a.kind == "load" and b.kind in ("load", "store") and not (a.writes & b.addr_regs):
                    b.cost = max(1, b.cost - 1)
        # Load-use interlock (M7).
        stall = p.get("load_use_stall", 0)
        if stall:
            for a, b in zip(insns, insns[1:]):
                if a.kind in ("load", "dual", "fp_mem") and (a.writes - {SP}) & b.reads:
                    b.cost += stall
        # Dual issue (M7): pair independent simple instructions.
        if p.get("dual_issue"):
            pairable = {"alu", "load", "store", "mul", "nop", "fp"}
            i = 0
            while i + 1 < len(insns):
                a, b = insns[i], insns[i + 1]
                mem = sum(1 for x in (a, b) if x.kind in ("load", "store"))
                if (a.kind in pairable and b.kind in pairable and mem <= 1
                        and not (a.writes & (b.reads | b.writes) - {A.ARM_REG_CPSR})
                        and a.cost == 1 and b.cost == 1):
                    b.cost = 0
                    i += 2
                else:
                    i += 1
        refill = p["refill"]
        taken_pen = 0
        if insns:
            last = insns[-1]
            if last.kind in ("branch", "table", "branch_load", "branch_multi", "branch_alu"):
                taken_pen = refill
        # Entered by a branch, a 32-bit first instruction straddling a word needs a second fetch.
        entry_pen = p.get("refill_unaligned_wide", 0) if insns and insns[0].size == 4 and addr % 4 == 2 else 0
        cost = sum(i.cost for i in insns)
        return BlockInfo(addr, len(code), cost, len(insns), taken_pen, has_fpu, insns, entry_pen)


_CONDS = {"eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al"}
