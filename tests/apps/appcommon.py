"""Constants and helpers shared by the app tests. A module of its own (not conftest) so that
`from appcommon import ...` can never pick up another folder's conftest module."""

from __future__ import annotations

import shutil

import pytest

from harness import inputs

APPS = ("micro_speech", "mnist", "mnist_lstm", "person_detection")
BOARDS = ("f413", "f769")
KERNELS = ("ref", "dsp")
# Enough iterations to cover every input once; person_detection is ~7 M MACs per invoke.
ITERATIONS = {"mnist": 10, "mnist_lstm": 10, "person_detection": 2}
APT_HINT = ("install the toolchain with: sudo apt-get install gcc-arm-none-eabi "
            "libnewlib-arm-none-eabi cmake (or run `make setup`)")


def require_toolchain() -> None:
    missing = [t for t in ("cmake", "arm-none-eabi-gcc") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: {APT_HINT}", pytrace=False)


def require_wheel() -> None:
    try:
        import tflite_micro  # noqa: F401
    except ImportError:
        pytest.fail("the tflite-micro wheel is missing: run `make setup` (pip install tflite-micro)",
                    pytrace=False)


def iterations(app: str, prep: inputs.Prepared) -> int:
    return prep.expected.get("iterations") or ITERATIONS[app]


def model_path(app: str, models_dir):
    from harness import models
    return inputs.MNIST_MODEL if app == "mnist" else models.fetch(inputs.MODEL[app], models_dir)
