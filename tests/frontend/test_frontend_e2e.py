"""End to end: our features drive micro_speech_quantized (in the wheel) to the right word."""

import pytest

import frontend_tool as ft


@pytest.mark.parametrize("wav,label", [("yes_1000ms.wav", "yes"), ("no_1000ms.wav", "no")])
def test_keyword_classified(wav, label, exe, ms_dir):
    feats = ft.run_file(ms_dir / "testdata" / wav, exe)
    got, scores = ft.classify(feats)
    assert got == label, f"{wav}: classified {got!r}, scores {dict(zip(ft.LABELS, scores.tolist()))}"


def test_classifier_discriminates(exe, ms_dir):
    """Guard against a classifier that always answers the same: yes and no clips disagree."""
    yes, _ = ft.classify(ft.run_file(ms_dir / "testdata" / "yes_1000ms.wav", exe))
    no, _ = ft.classify(ft.run_file(ms_dir / "testdata" / "no_1000ms.wav", exe))
    assert yes != no
