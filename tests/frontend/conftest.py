"""Fixtures for the micro_speech front-end tests (helpers live in frontend_tool.py)."""

import pytest

import frontend_tool as ft


@pytest.fixture(scope="session")
def ms_dir(models_dir):
    d = models_dir / "micro_speech"
    if not ft.PREPROCESSOR.is_file() or not ft.CLASSIFIER.is_file():
        pytest.fail(f"{d}: micro_speech models missing")
    return d


@pytest.fixture(scope="session")
def exe(ms_dir):
    return ft.build()


@pytest.fixture(scope="session")
def exe_sanitized(ms_dir):
    return ft.build(sanitize=True)


@pytest.fixture(scope="session")
def golden(ms_dir):
    return ft.Golden()


@pytest.fixture(scope="session")
def golden_traced(ms_dir):
    return ft.Golden(preserve=True)
