"""`canhgiac messages build|tune|eval` through the Typer app in process, on files in the test's folder.

`build` and `tune` run on a small corpus written here (`tiny_corpus`: trained in well under a
second), `eval` on the shipped training corpus, as the operator runs it; the evaluation file is not
read here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.checking import BrandTable
from bot.checking.flags import RedFlagPhrases
from bot.checking.message_eval import evaluate
from bot.checking.message_model import MessageModel, corpus_digest, read_corpus, read_messages, read_model
from bot.checking.message_tune import empty_database
from bot.checking.message_verdict import MessageJudge
from bot.cli import app
from bot.core.settings import Settings

HEADER = "label\ttopic\tstyle\ttext\n"
ASKS = ["nạp 200k kích hoạt nhiệm vụ", "chuyển cọc 500k nhận đơn", "đóng phí 300k giữ chỗ", "nạp tiền làm nhiệm vụ"]
PAYS = ["hoa hồng 30%", "lương 500k mỗi ngày", "thưởng nóng 1 triệu", "rút tiền ngay trong ngày"]
COINS = ["tiền ảo", "sàn vàng quốc tế", "cổ phiếu nội bộ", "quỹ ngoại hối"]
GAINS = ["lãi 5% mỗi ngày", "cam kết lợi nhuận gấp đôi", "chuyên gia dẫn dắt chắc thắng", "vốn nhỏ lời to"]
WHO = ["Bà ơi", "Con ơi", "Anh Tuấn ơi", "Chị Lan ơi"]
WHAT = ["tối nay về ăn cơm nhé", "mai nhớ mang áo mưa", "cuối tuần cả nhà đi chơi", "chiều đón em ở trường"]


def tiny_corpus(folder: Path, extra: str = "") -> Path:
    """Scams of two kinds and family messages, ten of each, all different, in the corpus format."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [f"Tuyển CTV làm tại nhà, {PAYS[i % 4]}, {ASKS[(i // 4 + i) % 4]} số {i}" for i in range(10)]
    coins = [f"Tham gia nhóm đầu tư {COINS[i % 4]}, {GAINS[(i // 4 + i) % 4]}, nạp vốn mã {i}" for i in range(10)]
    family = [f"{WHO[i % 4]}, {WHAT[(i // 4 + i) % 4]}, lần {i}" for i in range(10)]
    lines = [f"scam\tjob-scam\tchat\t{t}\n" for t in jobs] + [f"scam\tinvestment-scam\tchat\t{t}\n" for t in coins]
    lines += [f"genuine\tfamily\tchat\t{t}\n" for t in family]
    (folder / "messages.tsv").write_text(HEADER + "".join(lines) + extra, encoding="utf-8")
    return folder


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_build_writes_the_artefact_in_the_cache_that_read_model_trusts_for_its_corpus_only(tmp_path, monkeypatch):
    corpus = tiny_corpus(tmp_path / "content" / "messages" / "train")
    monkeypatch.setenv("CANHGIAC_CONTENT_DIR", str(tmp_path / "content"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = run("messages", "build")
    digest = corpus_digest(corpus)
    artefact = tmp_path / "cache" / "canhgiac" / f"message-model-{digest[:16]}.npz"
    assert digest in out and str(artefact) in out and re.search(r"\d+\.\d MB", out)
    assert isinstance(read_model(artefact, digest), MessageModel)
    tiny_corpus(corpus, extra="genuine\tfamily\tchat\tBố ơi, mai con về quê\n")  # the corpus changed
    assert corpus_digest(corpus) != digest and read_model(artefact, corpus_digest(corpus)) is None


def test_build_out_writes_where_it_is_told(tmp_path, monkeypatch):
    corpus = tiny_corpus(tmp_path / "content" / "messages" / "train")
    monkeypatch.setenv("CANHGIAC_CONTENT_DIR", str(tmp_path / "content"))
    run("messages", "build", "--out", str(tmp_path / "elsewhere" / "model.npz"))
    assert isinstance(read_model(tmp_path / "elsewhere" / "model.npz", corpus_digest(corpus)), MessageModel)
    assert not (tmp_path / "message-model.npz").exists()


def test_tune_prints_the_chosen_lines_with_their_figures_and_runner_ups(tmp_path):
    out = run("messages", "tune", "--corpus", str(tiny_corpus(tmp_path / "corpus")), "--runner-ups", "2")
    chosen = [line for line in out.splitlines() if line.startswith("chosen:")]
    assert len(chosen) == 1 and len([line for line in out.splitlines() if line.startswith("runner-up:")]) == 2
    figures = re.search(
        r"alarm=(\S+), high=(\S+), flag_alarm=(\S+), unsure=\S+\): recall .* false alarms (\S+)%", chosen[0]
    )
    alarm, high, flag_alarm, false_alarms = (float(figure.rstrip(",")) for figure in figures.groups())
    assert 0.5 <= alarm <= high <= 0.95 and 0.2 <= flag_alarm <= alarm and false_alarms <= 2
    assert "words-only" in chosen[0] and "scam verdicts high" in chosen[0]


def test_tune_refuses_a_folder_without_messages_in_one_line(tmp_path):
    result = CliRunner().invoke(app, ["messages", "tune", "--corpus", str(tmp_path)])
    assert result.exit_code != 0 and "*.tsv" in str(result.exception)


@pytest.fixture(scope="module")
def tiny_judge(tmp_path_factory) -> MessageJudge:
    corpus = read_corpus(tiny_corpus(tmp_path_factory.mktemp("corpus")))
    return MessageJudge(MessageModel.train(corpus), RedFlagPhrases.load(), BrandTable.load())


def test_evaluate_counts_words_only_scams_apart_and_times_every_message(tmp_path, tiny_judge):
    cases = tmp_path / "cases.tsv"
    cases.write_text(
        HEADER
        + "scam\tjob-scam\tchat\tViệc nhẹ lương cao, nạp 300k làm nhiệm vụ, liên hệ 0912 345 678\n"
        + "scam\tjob-scam\tchat\tTuyển cộng tác viên chốt đơn tại nhà, nạp tiền nhận hoa hồng\n"
        + "genuine\tfamily\tchat\tMẹ ơi chiều nay con đón em nhé\n",
        encoding="utf-8",
    )
    report = evaluate(tiny_judge, read_messages(cases), empty_database())
    assert (report.scams, report.genuine, report.words_only) == (2, 1, 1)
    assert len(report.times_ms) == 3 and report.caught >= report.caught_high
    assert report.false_alarms >= report.false_highs
    # Every message the verdict got wrong is listed, and only those.
    wrong = (report.scams - report.caught) + report.false_alarms
    assert len([m for m in report.misses if not m[0].startswith("kind")]) == wrong


def test_messages_eval_prints_the_figures_of_the_issue(tmp_path):
    cases = tmp_path / "eval.tsv"
    cases.write_text(
        HEADER
        + "scam\tfake-authority-call\tspoken\tCông an đây, anh phải chuyển tiền vào tài khoản tạm giữ ngay hôm nay\n"
        + "genuine\tfamily\tchat\tChiều nay bố đón cháu ở trường nhé\n",
        encoding="utf-8",
    )
    out = run("messages", "eval", str(cases), "--misses")
    assert "1 scam, 1 genuine" in out
    for figure in (
        "scam recall:",
        "without link, number or account:",
        "right kind",
        "false alarms",
        "alarms that are high",
        "p99",
    ):
        assert figure in out
    bad = CliRunner().invoke(app, ["messages", "eval", str(tmp_path / "missing.tsv")])
    assert bad.exit_code != 0 and "missing.tsv" in str(bad.exception)


def test_models_build_writes_both_models_weights_headed_by_their_digests(tmp_path, monkeypatch):
    import shutil

    from bot.core import weights as stored
    from bot.knowledge import classifier
    from bot.services import load_library
    from tests.content_copy import content_copy

    copy = content_copy(tmp_path)
    shutil.rmtree(copy / "messages" / "train")
    corpus = tiny_corpus(copy / "messages" / "train")
    monkeypatch.setenv("CANHGIAC_CONTENT_DIR", str(copy))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = run("models", "build", "--out", str(tmp_path / "models"))
    faq, messages = tmp_path / "models" / "faq-topics-vi.npz", tmp_path / "models" / "message-model.npz"
    assert str(faq) in out and str(messages) in out
    expected = load_library(Settings(_env_file=None, content_dir=copy)).matchers["vi"].classifier.digest
    assert stored.header(faq)["digest"] == expected and stored.header(faq)["model"] == classifier.MODEL
    assert isinstance(read_model(messages, corpus_digest(corpus)), MessageModel)
    assert not (tmp_path / "cache" / "canhgiac").exists()  # a build fits afresh and keeps nothing in the cache
