"""`python -m harness.emulate ELF --board f413|f769 [--max-cycles N] [--trace] [--profile]`

UART output goes to stdout; the summary, profile and errors to stderr; the exit code
is the firmware's (`BOARDTWIN-EXIT <code>`), or the error's own code."""
from __future__ import annotations

import argparse
import sys

from .errors import EmulationError
from .run import emulate


def main_emulate(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="boardtwin emulate", description=__doc__.split("\n")[0])
    ap.add_argument("elf")
    ap.add_argument("--board", choices=["f413", "f769"], required=True)
    ap.add_argument("--max-cycles", type=int, default=20_000_000_000)
    ap.add_argument("--trace", action="store_true", help="log exceptions and clock changes to stderr")
    ap.add_argument("--profile", action="store_true", help="cycles per function, instruction mix, stack peak")
    ap.add_argument("--input", default="", help="bytes fed to the console UART (\\n escapes allowed)")
    ap.add_argument("--lenient", action="store_true", help="warn on unmodelled peripherals instead of failing")
    a = ap.parse_args(argv)
    try:
        res = emulate(a.elf, a.board, max_cycles=a.max_cycles, on_line=lambda s: print(s, flush=True),
                      uart_input=a.input.encode().decode("unicode_escape").encode("latin-1"),
                      profile=a.profile, trace=a.trace, strict=not a.lenient)
    except EmulationError as exc:
        print(f"boardtwin: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"{res.stop_reason}: {res.instructions:,} instructions, {res.cycles:,} cycles "
          f"({res.cycles / res.core_hz * 1e3:.3f} ms at {res.core_hz / 1e6:.1f} MHz), "
          f"{res.wall_s:.2f} s wall, {res.mips:.0f} MIPS", file=sys.stderr)
    if res.profile:
        p = res.profile
        print(f"stack peak: {p['stack_peak_bytes']} bytes", file=sys.stderr)
        for f in p["functions"][:20]:
            print(f"  {f['share'] * 100:6.2f}%  {f['cycles']:>14,}  {f['name']}", file=sys.stderr)
        print("  mix: " + ", ".join(f"{k}={v:,}" for k, v in p["instruction_mix"].items()), file=sys.stderr)
    return res.exit_code or 0


if __name__ == "__main__":
    sys.exit(main_emulate())
