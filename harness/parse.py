"""The one log parser for every target (emulator, serial board, Renode, host).

It reads our firmware's protocol (docs/architecture.md) and the lines real TFLM builds
print (RecordingMicroAllocator, MicroProfiler Log / LogCsv / LogTicksPerTagCsv, the seed's
`Ticks for ...` lines). Lines may carry noise before the interesting part (a serial
link that dropped bytes, a terminal prefix), so every pattern is searched, not anchored,
and a line that matches nothing is kept in `other` (app output or noise) rather than failing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

import pandas as pd

_NUM = r"(-?\d+)"
_TICKS = re.compile(
    r"(Ticks|Cycles) for (\w+) \(cur/min/max/avg\): " + "/".join([_NUM] * 4) + r"\s*$"
)
_TIMESTAMP = re.compile(r"TIMESTAMP: (\d+) ms")
_ARENA_TOTAL = re.compile(r"\[RecordingMicroAllocator\] Arena allocation (total|head|tail) (\d+) bytes")
_ARENA_KIND = re.compile(
    r"\[RecordingMicroAllocator\] '([^']+)' used (\d+) bytes with alignment overhead "
    r"\(requested (\d+) bytes for (\d+) ([^)]*)\)"
)
_HEADER = re.compile(r"^.*?boardtwin (app=\S+.*)$")
_KV = re.compile(r"(\w+)=(\S+)")
_PRED = re.compile(r"PRED i=(\d+)(?: in=([0-9a-fA-F]*))? out=([0-9a-fA-F,]*)\s*$")
_PROFILE = re.compile(r"(\S+) took (\d+) ticks \((-?\d+) ms\)\.")
_CSV_HEADER = re.compile(r'"Event","Tag","Ticks"')
_CSV_ROW = re.compile(r"^\s*(\d+),\s*([A-Za-z0-9_]+),\s*(\d+)\s*$")
_TAG_CSV_HEADER = re.compile(r'"Tag","Total ticks across all events with that tag\."')
_TAG_CSV_ROW = re.compile(r"^\s*([A-Za-z0-9_]+),\s*(\d+)\s*$")
_STACK = re.compile(r"Stack peak (\d+) bytes")
_EXIT = re.compile(r"BOARDTWIN-EXIT (-?\d+)")
_ERROR = re.compile(r"ERROR: (.*)$")
# Board images carry no op-name table (firmware/runtime/src/op_names.c): their
# unsupported-op error names only the code, and the name is inserted here.
_UNNAMED_OP = re.compile(r"unsupported op \(code (-?\d+)\)")


@dataclass
class RunLog:
    """Everything one firmware run printed, as records."""

    header: dict = field(default_factory=dict)
    arena: dict = field(default_factory=dict)  # total/head/tail -> bytes
    arena_kinds: list[dict] = field(default_factory=list)
    ticks: list[dict] = field(default_factory=list)  # one per Ticks/Cycles line
    preds: list[dict] = field(default_factory=list)
    profile: list[dict] = field(default_factory=list)  # per-op events
    profile_totals: dict = field(default_factory=dict)  # tag -> ticks (LogTicksPerTagCsv)
    other: list[str] = field(default_factory=list)  # app output (Respond) and noise
    stack_peak: int | None = None
    exit_code: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.exit_code is not None

    def ticks_frame(self) -> pd.DataFrame:
        cols = ["timestamp_ms", "unit", "phase", "cur", "min", "max", "avg"]
        return pd.DataFrame(self.ticks, columns=cols)

    def final_ticks(self) -> pd.DataFrame:
        """The last cur/min/max/avg block printed, one row per (unit, phase)."""
        df = self.ticks_frame()
        if df.empty:
            return df
        return df.groupby(["unit", "phase"], sort=False).tail(1).reset_index(drop=True)

    def phase(self, phase: str, unit: str = "cycles") -> dict | None:
        for rec in reversed(self.ticks):
            if rec["phase"] == phase and rec["unit"] == unit:
                return rec
        return None


def parse_lines(lines: Iterable[str]) -> RunLog:
    log = RunLog()
    timestamp = None
    csv_mode = None  # "event" or "tag" after a MicroProfiler CSV header
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if m := _TICKS.search(line):
            kind, phase, cur, lo, hi, avg = m.groups()
            log.ticks.append(dict(
                timestamp_ms=timestamp, unit="ms" if kind == "Ticks" else "cycles", phase=phase,
                cur=int(cur), min=int(lo), max=int(hi), avg=int(avg)))
        elif m := _TIMESTAMP.search(line):
            timestamp = int(m.group(1))
        elif m := _ARENA_TOTAL.search(line):
            log.arena[m.group(1)] = int(m.group(2))
        elif m := _ARENA_KIND.search(line):
            log.arena_kinds.append(dict(kind=m.group(1), used=int(m.group(2)),
                                        requested=int(m.group(3)), count=int(m.group(4)),
                                        what=m.group(5)))
        elif (m := _PRED.search(line)) and (pred := _pred(m)):
            log.preds.append(pred)
        elif m := _PROFILE.search(line):
            log.profile.append(dict(tag=m.group(1), ticks=int(m.group(2)), ms=int(m.group(3))))
        elif _CSV_HEADER.search(line):
            csv_mode = "event"
        elif _TAG_CSV_HEADER.search(line):
            csv_mode = "tag"
        elif csv_mode == "event" and (m := _CSV_ROW.match(line)):
            log.profile.append(dict(tag=m.group(2), ticks=int(m.group(3)), ms=None,
                                    event=int(m.group(1))))
        elif csv_mode == "tag" and (m := _TAG_CSV_ROW.match(line)):
            log.profile_totals[m.group(1)] = int(m.group(2))
        elif m := _STACK.search(line):
            log.stack_peak = int(m.group(1))
        elif m := _EXIT.search(line):
            log.exit_code = int(m.group(1))
        elif m := _ERROR.search(line):
            log.errors.append(_name_op(m.group(1).strip()))
        elif m := _HEADER.search(line):
            log.header = {k: _num(v) for k, v in _KV.findall(m.group(1))}
        else:
            log.other.append(line.strip())
            continue
        if not (_CSV_ROW.match(line) or _TAG_CSV_ROW.match(line)
                or _CSV_HEADER.search(line) or _TAG_CSV_HEADER.search(line)):
            csv_mode = None
    return log


@lru_cache(maxsize=1)
def _builtin_names() -> dict[int, str]:
    try:
        from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as s
    except ImportError:  # no wheel: the code alone still identifies the op
        return {}
    return {v: k for k, v in vars(s.BuiltinOperator).items() if not k.startswith("_")}


def _name_op(error: str) -> str:
    """"unsupported op (code 4) ..." -> "unsupported op DEPTHWISE_CONV_2D (code 4) ...",
    the text a host build (which has the table) prints itself."""
    return _UNNAMED_OP.sub(
        lambda m: f"unsupported op {_builtin_names().get(int(m.group(1)), 'UNKNOWN')} "
                  f"(code {m.group(1)})", error)


def parse_text(text: str) -> RunLog:
    return parse_lines(text.splitlines())


def _pred(m: re.Match) -> dict | None:
    """A PRED record, or None when a damaged line has odd-length hex."""
    try:
        outs = [bytes.fromhex(h) for h in m.group(3).split(",") if h]
        inp = bytes.fromhex(m.group(2)) if m.group(2) else None
    except ValueError:
        return None
    return dict(i=int(m.group(1)), input=inp, outputs=outs)


def _num(v: str):
    try:
        return int(v)
    except ValueError:
        return v
