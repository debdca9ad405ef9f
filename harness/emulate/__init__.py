"""Emulated STM32F413 / STM32F769 boards on unicorn, with a cycle model.

    from harness.emulate import emulate
    res = emulate("build/boardtwin.elf", "f413", max_cycles=10**9)
"""
from .errors import BadElf, CycleBudgetExceeded, EmulationError, FirmwareFault, PeripheralAccessError
from .run import EmulationResult, emulate

__all__ = ["emulate", "EmulationResult", "EmulationError", "BadElf", "FirmwareFault",
           "CycleBudgetExceeded", "PeripheralAccessError"]
