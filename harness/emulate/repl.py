"""Reader for the subset of Renode's platform description (.repl) syntax boardtwin uses.

Supported: `using "other.repl"`, entries `name: Type @ sysbus <addr>` or
`@ sysbus <addr, +size>`, indented or `{ a: b; c: d }` attributes, IRQ lines
(`-> nvic@71`, `IRQ -> cpu@0`), `//` and `/* */` comments. Anything else is a
`ReplSyntaxError` naming file:line, so a typo never silently drops a peripheral.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import EmulationError


class ReplSyntaxError(EmulationError):
    def __init__(self, path, line: int, what: str):
        self.path, self.line, self.what = str(path), line, what
        super().__init__(f"{path}:{line}: {what}")


@dataclass
class Entry:
    name: str
    type: str | None
    address: int | None = None
    size: int | None = None
    attrs: dict = field(default_factory=dict)
    irqs: list = field(default_factory=list)  # (source, target, number)
    line: int = 0


@dataclass
class Platform:
    path: str
    entries: dict

    @property
    def cpu_type(self) -> str:
        for e in self.entries.values():
            if e.type == "CPU.CortexM":
                return e.attrs.get("cpuType", "")
        raise EmulationError(f"{self.path}: no CPU.CortexM entry")

    def memories(self):
        return [e for e in self.entries.values() if e.type == "Memory.MappedMemory"]

    def peripherals(self):
        return [e for e in self.entries.values()
                if e.type not in ("Memory.MappedMemory", "CPU.CortexM") and e.address is not None]


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ENTRY = re.compile(rf"^({_NAME})\s*:\s*(.*)$")
_IRQ = re.compile(rf"^(?:(\[?[\w\-, ]*\]?)\s*)?->\s*({_NAME})\s*@\s*(\[?[0-9\-, ]+\]?)$")
_NUM = re.compile(r"^-?(0x[0-9A-Fa-f_]+|[0-9_]+)$")


def _strip_comments(text: str) -> str:
    # Keep line count intact so error line numbers stay right.
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    out = []
    for ln in text.split("\n"):
        in_str = False
        for i, ch in enumerate(ln):
            if ch == '"':
                in_str = not in_str
            elif not in_str and ln.startswith("//", i):
                ln = ln[:i]
                break
        out.append(ln.rstrip())
    return "\n".join(out)


def _value(tok: str, path, line):
    tok = tok.strip()
    if tok.startswith('"'):
        if not (len(tok) >= 2 and tok.endswith('"')):
            raise ReplSyntaxError(path, line, f"unterminated string {tok!r}")
        return tok[1:-1]
    if _NUM.match(tok):
        return int(tok.replace("_", ""), 0)
    if tok in ("true", "false"):
        return tok == "true"
    if re.fullmatch(_NAME, tok) or tok == "empty":
        return tok  # reference to another entry or an enum value
    raise ReplSyntaxError(path, line, f"cannot read value {tok!r}")


def _range(text: str, path, line):
    text = text.strip()
    m = re.fullmatch(r"<\s*(\S+)\s*,\s*\+\s*(\S+)\s*>", text)
    if m:
        a, s = m.groups()
        if not (_NUM.match(a) and _NUM.match(s)):
            raise ReplSyntaxError(path, line, f"bad address range {text!r}")
        return int(a.replace("_", ""), 0), int(s.replace("_", ""), 0)
    if _NUM.match(text):
        return int(text.replace("_", ""), 0), None
    raise ReplSyntaxError(path, line, f"bad address {text!r}")


def _expand(spec: str) -> list[int]:
    spec = spec.strip().strip("[]")
    out = []
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-")
            out.extend(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def _attr(entry: Entry, text: str, path, line):
    text = text.strip()
    if not text:
        return
    m = _IRQ.match(text)
    if m:
        src, target, nums = m.groups()
        srcs = _expand(src) if src and src.strip().startswith("[") else [src.strip() if src else 0]
        numbers = _expand(nums)
        if len(srcs) > 1 and len(srcs) != len(numbers):
            raise ReplSyntaxError(path, line, "IRQ source and target lists differ in length")
        for i, n in enumerate(numbers):
            entry.irqs.append((srcs[i] if len(srcs) > 1 else srcs[0], target, n))
        return
    if ":" not in text:
        raise ReplSyntaxError(path, line, f"expected 'key: value' or '-> target@irq', got {text!r}")
    key, val = text.split(":", 1)
    key = key.strip()
    if not re.fullmatch(_NAME, key):
        raise ReplSyntaxError(path, line, f"bad attribute name {key!r}")
    entry.attrs[key] = _value(val, path, line)


def _split_braces(rest: str, path, line):
    """`Type @ sysbus 0x... { a: 1; b: 2 }` -> (head, [attr texts])."""
    if "{" not in rest:
        if "}" in rest:
            raise ReplSyntaxError(path, line, "'}' without '{'")
        return rest, []
    head, _, tail = rest.partition("{")
    if not tail.rstrip().endswith("}"):
        raise ReplSyntaxError(path, line, "'{' without closing '}' on the same line")
    return head, [a for a in tail.rstrip()[:-1].split(";")]


def parse(path: str | Path, _seen=None) -> Platform:
    path = Path(path)
    seen = _seen if _seen is not None else set()
    if path.resolve() in seen:
        raise EmulationError(f"{path}: circular 'using'")
    seen.add(path.resolve())
    try:
        text = path.read_text()
    except OSError as exc:
        raise EmulationError(f"cannot read platform {path}: {exc.strerror}") from None
    entries: dict[str, Entry] = {}
    current: Entry | None = None
    for lineno, raw in enumerate(_strip_comments(text).split("\n"), 1):
        if not raw.strip():
            continue
        indented = raw[0] in " \t"
        ln = raw.strip()
        if indented:
            if current is None:
                raise ReplSyntaxError(path, lineno, "indented line outside an entry")
            _attr(current, ln, path, lineno)
            continue
        m = re.fullmatch(r'using\s+"([^"]+)"', ln)
        if m:
            sub = parse(path.parent / m.group(1), seen)
            entries.update(sub.entries)
            current = None
            continue
        if re.fullmatch(rf"using\s+{_NAME}", ln):
            current = None
            continue
        m = _ENTRY.match(ln)
        if not m:
            raise ReplSyntaxError(path, lineno, f"expected 'name: Type @ sysbus address', got {ln!r}")
        name, rest = m.groups()
        head, inline = _split_braces(rest, path, lineno)
        typ, addr, size = None, None, None
        if "@" in head:
            typ_txt, reg = head.split("@", 1)
            reg = reg.strip()
            rm = re.fullmatch(r"sysbus\s*(.*)", reg)
            if not rm:
                raise ReplSyntaxError(path, lineno, f"only '@ sysbus <address>' registrations are supported, got {reg!r}")
            if rm.group(1).strip():
                addr, size = _range(rm.group(1), path, lineno)
            typ = typ_txt.strip() or None
        else:
            typ = head.strip() or None
        if typ is not None and not re.fullmatch(rf"{_NAME}(\.{_NAME})*", typ):
            raise ReplSyntaxError(path, lineno, f"bad type name {typ!r}")
        if name in entries and typ is None:
            current = entries[name]  # update of an existing entry
        else:
            current = Entry(name, typ, addr, size, line=lineno)
            entries[name] = current
        for a in inline:
            _attr(current, a, path, lineno)
    for e in entries.values():
        if isinstance(e.attrs.get("size"), int):
            e.size = e.attrs["size"]
    return Platform(str(path), entries)
