"""ELF loading with pyelftools: PT_LOAD segments at their load (physical) address, and a
symbol table for naming program counters."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from .errors import BadElf


@dataclass
class Image:
    path: str
    segments: list            # (address, bytes)
    entry: int
    _starts: list = field(default_factory=list)
    _syms: list = field(default_factory=list)  # (start, end, name), sorted

    def symbol(self, pc: int | None) -> str | None:
        if pc is None:
            return None
        pc &= ~1
        i = bisect.bisect_right(self._starts, pc) - 1
        while i >= 0:
            start, end, name = self._syms[i]
            if start <= pc < end:
                off = pc - start
                return name if off == 0 else f"{name}+0x{off:x}"
            if start < pc and end == start:  # size-less label: nearest preceding
                return f"{name}+0x{pc - start:x}"
            if pc - start > 0x10000:
                break
            i -= 1
        return None

    def functions(self):
        """(start, end, name) of sized function symbols."""
        return [s for s in self._syms if s[1] > s[0]]

    def address_of(self, name: str) -> int | None:
        for s, _e, n in self._syms:
            if n == name:
                return s
        return None


def load(path) -> Image:
    path = Path(path)
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise BadElf(f"{path}: cannot open ({exc.strerror})") from None
    with f:
        try:
            elf = ELFFile(f)
            if elf["e_machine"] != "EM_ARM" or elf.elfclass != 32 or not elf.little_endian:
                raise BadElf(f"{path}: not a 32-bit little-endian ARM ELF "
                             f"(machine {elf['e_machine']}, class {elf.elfclass})")
            segs = []
            for seg in elf.iter_segments():
                if seg["p_type"] != "PT_LOAD" or seg["p_filesz"] == 0:
                    continue
                data = seg.data()
                if len(data) != seg["p_filesz"]:
                    raise BadElf(f"{path}: segment at 0x{seg['p_paddr']:08x} is truncated")
                segs.append((seg["p_paddr"], data))
            if not segs:
                raise BadElf(f"{path}: no loadable segments")
            syms = []
            tab = elf.get_section_by_name(".symtab")
            if tab is not None:
                for s in tab.iter_symbols():
                    t = s["st_info"]["type"]
                    if t not in ("STT_FUNC", "STT_OBJECT", "STT_NOTYPE") or not s.name or s.name.startswith("$"):
                        continue
                    if s["st_shndx"] == "SHN_UNDEF":
                        continue
                    start = s["st_value"] & ~1 if t == "STT_FUNC" else s["st_value"]
                    if t == "STT_NOTYPE" and s["st_size"] == 0 and s.name.startswith("."):
                        continue
                    syms.append((start, start + s["st_size"], s.name))
            syms.sort(key=lambda x: (x[0], -(x[1] - x[0])))
            return Image(str(path), segs, elf["e_entry"], [s[0] for s in syms], syms)
        except ELFError as exc:
            raise BadElf(f"{path}: not a valid ELF file ({exc})") from None
        except (ValueError, KeyError, IndexError, AssertionError) as exc:
            raise BadElf(f"{path}: corrupt ELF ({exc})") from None
