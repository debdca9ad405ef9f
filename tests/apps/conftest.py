"""Fixtures for the example-application tests: prepared inputs, their golden results and
firmware images built through harness.build (cached under build/ by configuration)."""

from __future__ import annotations

import shutil

import pytest

from harness import inputs

from appcommon import ITERATIONS, iterations, model_path, require_toolchain, require_wheel  # noqa: F401

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
