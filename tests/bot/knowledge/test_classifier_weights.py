"""The FAQ topic model's shipped weights (`data/models/`): loaded instead of fitted, equal to a fresh
fit, refitted (logged, cached) when the content differs, and `content check` failing when stale.
The message model's own are tested in tests/bot/checking/test_message_model.py."""

from __future__ import annotations

import logging
import subprocess
import sys

import numpy as np
import pytest

from bot.app.content_check import _check_weights
from bot.core import paths
from bot.core import weights as stored
from bot.core.settings import Settings
from bot.knowledge import classifier
from bot.knowledge.classifier import TopicClassifier
from bot.services import load_library
from tests.fakes.bot_process import REPO


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """No weights fitted in this process yet, and an empty cache folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(classifier, "_fitted", {})
    return tmp_path


def test_shipped_weights_are_loaded_and_equal_a_fresh_fit_and_missing_ones_fail_the_content_check(
    fresh, monkeypatch, caplog
):
    shipped = load_library(Settings(_env_file=None)).matchers["vi"].classifier
    assert shipped.source == "shipped"
    problems: list[str] = []
    _check_weights(load_library(Settings(_env_file=None)), problems)
    assert problems == []

    monkeypatch.setattr(classifier, "_fitted", {})
    monkeypatch.setattr(paths, "models_dir", lambda: fresh / "no-models")
    with caplog.at_level(logging.INFO, logger="canhgiac.knowledge"):
        library = load_library(Settings(_env_file=None))
    fitted = library.matchers["vi"].classifier
    assert fitted.source == "fitted" and fitted.digest == shipped.digest
    [line] = [r.getMessage() for r in caplog.records if "FAQ topic model" in r.getMessage()]
    assert "canhgiac models build" in line
    for name, array in shipped.arrays().items():  # the fit is reproducible: the shipped file is it
        assert np.array_equal(array, fitted.arrays()[name]), name

    _check_weights(library, problems)
    assert [p.split(":")[0] for p in problems] == ["data/models/faq-topics-vi.npz", "data/models/message-model.npz"]
    assert all("canhgiac models build" in p for p in problems)


def _tiny() -> TopicClassifier:
    labelled = [("a", ["lua", "tien"]), ("a", ["chuyen", "tien"]), ("b", ["mat", "khau"]), ("b", ["otp", "ma"])]
    return TopicClassifier(labelled, out_of_scope={"weather": [["mua", "nang"], ["troi", "nang"]]})


def test_content_without_shipped_weights_is_fitted_once_and_kept_in_the_cache(fresh, caplog):
    with caplog.at_level(logging.INFO, logger="canhgiac.knowledge"):
        first = _tiny()
    assert first.source == "fitted" and any("fitted the FAQ topic model" in r.getMessage() for r in caplog.records)
    cached = stored.cache_dir() / classifier.ARTEFACT.format(first.digest[:16])
    assert cached.is_file() and stored.header(cached)["digest"] == first.digest

    classifier._fitted.clear()  # the next start of the bot
    again = _tiny()
    assert again.source == "cache"
    assert again.posterior(["lua", "tien", "mua"]) == first.posterior(["lua", "tien", "mua"])
    assert again.posterior(["nothing", "known"]) == {}


def test_weights_for_other_training_data_are_not_used(fresh):
    first = _tiny()
    other = TopicClassifier([("a", ["lua"]), ("b", ["otp"])])
    assert other.digest != first.digest and other.source == "fitted"
    assert stored.read(stored.cache_dir() / classifier.ARTEFACT.format(first.digest[:16]), other.digest) is None


def test_the_bot_starts_without_scikit_learn_scipy_or_the_report_libraries():
    """What `canhgiac run` imports and loads, in a fresh interpreter."""
    code = (
        "import sys\n"
        "import bot.app.serve, bot.app.wiring, handlers\n"
        "from bot.core.settings import Settings\n"
        "from bot.services import load_library\n"
        "library = load_library(Settings(_env_file=None))\n"
        "library.message_judge()\n"
        "assert library.matchers['vi'].classifier.source == 'shipped'\n"
        "heavy = ('sklearn', 'scipy', 'matplotlib', 'docx', 'openpyxl')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
