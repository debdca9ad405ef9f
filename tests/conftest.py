"""Shared test fixtures: where the repo and ../shared live."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} missing: the tests need ../shared (models, seed) beside the repo")
    return SHARED


@pytest.fixture(scope="session")
def models_dir(shared_dir) -> Path:
    return shared_dir / "models"
