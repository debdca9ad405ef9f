"""boardtwin: evaluation harness for TinyML firmware on emulated and physical STM32 boards."""

__version__ = "0.1.0"
