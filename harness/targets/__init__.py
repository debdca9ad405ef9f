"""Where firmware runs, behind one interface: emulated (default), serial board, Renode."""

from __future__ import annotations

from harness.errors import InputError
from harness.targets.base import Target, TargetRun

NAMES = ("emulated", "serial", "renode")


def get_target(name: str, **options) -> Target:
    if name == "emulated":
        from harness.targets.emulated import EmulatedTarget
        return EmulatedTarget(**options)
    if name == "serial":
        from harness.targets.serial import SerialTarget
        return SerialTarget(**options)
    if name == "renode":
        from harness.targets.renode import RenodeTarget
        return RenodeTarget(**options)
    raise InputError(f"--target {name}: unknown target (choose from {', '.join(NAMES)})")


__all__ = ["Target", "TargetRun", "get_target", "NAMES"]
