"""The model of scam messages: the corpus format and what it learns from the shipped corpus (the
`canhgiac messages` commands: tests/bot/cli/test_messages_cli.py). Examples here are written for
these tests: in neither the training corpus nor the evaluation file."""

from __future__ import annotations

import pytest

from bot.checking.message_model import CorpusError, MessageModel, read_corpus, read_messages
from bot.core import paths

HEADER = "label\ttopic\tstyle\ttext\n"


@pytest.fixture(scope="module")
def model() -> MessageModel:
    return MessageModel.train(read_corpus(paths.content_dir() / "messages" / "train"))


def test_the_shipped_corpus_reads_and_covers_every_scam_topic():
    messages = read_corpus(paths.content_dir() / "messages" / "train")
    scam_topics = {m.topic for m in messages if m.is_scam}
    assert len([m for m in messages if m.is_scam]) >= 800 and len([m for m in messages if not m.is_scam]) >= 500
    assert len(scam_topics) == 18
    assert any("\n" in m.text for m in messages)  # "\n" in a file is a line break in the message


@pytest.mark.parametrize(
    "content",
    ["", "text\n", HEADER + "scam\tjob-scam\tchat\n", HEADER + "maybe\tjob-scam\tchat\tviệc nhẹ lương cao\n"],
)
def test_a_file_that_is_not_the_corpus_format_is_refused_with_its_line(tmp_path, content):
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError) as error:
        read_messages(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Alo, tôi là cán bộ công an, hồ sơ của chị liên quan đường dây rửa tiền. Chị chuyển toàn bộ tiền vào "
         "tài khoản tạm giữ để chứng minh trong sạch, không được kể với ai.", "fake-authority-call"),
        ("Tuyen CTV lam viec tai nha, moi ngay chi can like video va chot don, hoa hong 300-500k/ngay, "
         "nap don dau tien 200k de kich hoat nhiem vu", "job-scam"),
    ],
)  # fmt: skip
def test_a_scam_scores_high_and_is_named(model, text, topic):
    score = model.score(text)
    assert score.scam >= 0.5 and score.topic == topic


@pytest.mark.parametrize(
    "text",
    [
        "Ma xac thuc giao dich cua Quy khach la 530917, hieu luc 3 phut. "
        "Tuyet doi KHONG cung cap ma nay cho bat ky ai.",
        "Mẹ ơi tối nay con về muộn, mẹ cứ ăn cơm trước nhé, không cần đợi con.",
    ],
)
def test_genuine_messages_score_low(model, text):
    assert model.score(text).scam < 0.5
