"""Fixtures for the example-application tests: prepared inputs, their golden results and
firmware images built through harness.build (cached under build/ by configuration)."""

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


@pytest.fixture(scope="session")
def prepared(models_dir):
    """prepared(app) -> inputs.Prepared. Blobs go to build/inputs/ under content-derived
    names, so the firmware builds keyed by them stay cached across sessions."""
    require_wheel()
    cache: dict = {}

    def get(app: str) -> inputs.Prepared:
        if app not in cache:
            cache[app] = inputs.prepare(app, models_dir)
        return cache[app]

    return get


def iterations(app: str, prep: inputs.Prepared) -> int:
    return prep.expected.get("iterations") or ITERATIONS[app]


@pytest.fixture(scope="session")
def golden(prepared, models_dir):
    """golden(app) -> inputs.Golden for the app's prepared blob and test iterations."""
    cache: dict = {}

    def get(app: str) -> inputs.Golden:
        if app not in cache:
            prep = prepared(app)
            cache[app] = inputs.golden(app, prep.blob, iterations(app, prep), models_dir)
        return cache[app]

    return get


def model_path(app: str, models_dir):
    from harness import models
    return inputs.MNIST_MODEL if app == "mnist" else models.fetch(inputs.MODEL[app], models_dir)


@pytest.fixture(scope="session")
def app_image(prepared, models_dir):
    """app_image(app, board, kernels) -> harness.build.Image (documented CMake build)."""
    from harness import build
    from harness.errors import BuildError

    def get(app: str, board: str, kernels: str = "ref"):
        require_toolchain()
        prep = prepared(app)
        try:
            return build.build_firmware(board, app, model_path(app, models_dir), kernels=kernels,
                                        input_blob=prep.blob, iterations=iterations(app, prep))
        except BuildError as e:
            pytest.fail(str(e), pytrace=False)

    return get
