"""The model of scam messages: the corpus format and what it learns from the shipped corpus (the
`canhgiac messages` commands: tests/bot/cli/test_messages_cli.py). Examples here are written for
these tests: in neither the training corpus nor the evaluation file."""

from __future__ import annotations

import pytest

from bot.checking.message_model import CorpusError, MessageModel, read_corpus, read_messages
from bot.core import paths

HEADER = "label\ttopic\tstyle\ttext\n"


@pytest.fixture(scope="module")
def fitted():
    """The shipped corpus and scikit-learn's fitted objects (fitted once for the module)."""
    from bot.checking.message_model import fit

    messages = read_corpus(paths.content_dir() / "messages" / "train")
    return messages, fit(messages)


@pytest.fixture(scope="module")
def model(fitted) -> MessageModel:
    return MessageModel.from_fitted(*fitted[1])


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


# ------------------------------------------------------------------ scoring without scikit-learn
# The bot scores with numpy alone (`MessageModel.score_all`); these compare it with scikit-learn's
# own pipeline, fitted once on the shipped corpus, on every corpus message and on awkward inputs.

TRICKY = [
    "",
    " ",
    "          ",
    "\n\t \u00a0",
    "a",
    "ab",
    "x y z",
    "👵🏻📱💸 chuyển tiền ngay!!! 🚨",
    "\u200b\u200c\u200dchuyển\u200b khoản\u2060 gấp\ufeff",
    "CHUYỂN   TIỀN\n\nNGAY    lập tức",
    "Vào link http://vietcombank-xacminh.top/login?id=123 để xác minh",
    "ﬁnance ＦＵＬＬＷＩＤＴＨ ǅ İstanbul",
    "đ" * 4000,
    ("Tuyển CTV làm tại nhà, hoa hồng 30%, nạp 200k kích hoạt nhiệm vụ. " * 70)[:4000],
]


def _sklearn_scores(fitted_objects, texts):
    from scipy.sparse import hstack

    from bot.core.textnorm import phrase_key

    char, word, scam, topics = fitted_objects
    folded = [phrase_key(t) for t in texts]
    matrix = hstack([char.transform(folded), word.transform(folded)]).tocsr()
    scam_probability = scam.predict_proba(matrix)[:, list(scam.classes_).index(True)]
    return scam_probability, topics.predict_proba(matrix), list(topics.classes_)


def test_the_numpy_scorer_equals_scikit_learn_on_every_corpus_message_and_tricky_inputs(fitted):
    messages, objects = fitted
    model = MessageModel.from_fitted(*objects)
    texts = [m.text for m in messages] + TRICKY
    scam, topics, classes = _sklearn_scores(objects, texts)
    ours = model.score_all(texts)
    assert len(ours) == len(texts)
    for text, score, expected_scam, row in zip(texts, ours, scam, topics, strict=True):
        assert abs(score.scam - expected_scam) <= 1e-9, text
        assert score.topic == classes[int(row.argmax())], text
        assert abs(score.topic_probability - row.max()) <= 1e-9, text
    # the features themselves, not only the probabilities: same columns, same values
    from scipy.sparse import hstack

    from bot.core.textnorm import phrase_key

    char, word, _, _ = objects
    for text in TRICKY + [m.text for m in messages[:200]]:
        expected = hstack([char.transform([phrase_key(text)]), word.transform([phrase_key(text)])]).tocsr()
        columns, values = model.features(text)
        order = columns.argsort()
        assert columns[order].tolist() == expected.indices[expected.indices.argsort()].tolist(), text
        assert abs(values[order] - expected.data[expected.indices.argsort()]).max(initial=0) <= 1e-12, text


def test_a_two_topic_corpus_scores_as_scikit_learn_does(fitted):
    from bot.checking.message_model import fit

    messages, _ = fitted
    two = [m for m in messages if not m.is_scam or m.topic in {"job-scam", "investment-scam"}]
    objects = fit(two)
    assert len(objects[3].classes_) == 2  # scikit-learn's one-row case
    texts = [m.text for m in two[:300]] + TRICKY
    scam, topics, classes = _sklearn_scores(objects, texts)
    for score, expected_scam, row in zip(
        MessageModel.from_fitted(*objects).score_all(texts), scam, topics, strict=True
    ):
        assert abs(score.scam - expected_scam) <= 1e-9
        assert score.topic == classes[int(row.argmax())] and abs(score.topic_probability - row.max()) <= 1e-9


def test_the_weights_round_trip_through_their_file_and_only_for_their_digest(fitted, tmp_path):
    from bot.checking.message_model import read_model, write_model

    messages, objects = fitted
    model = MessageModel.from_fitted(*objects)
    path = tmp_path / "message-model.npz"
    write_model(model, "digest-a", path)
    assert read_model(path, "digest-b") is None
    loaded = read_model(path, "digest-a")
    texts = [m.text for m in messages[:100]] + TRICKY
    assert loaded.score_all(texts) == model.score_all(texts)  # exactly: the same arrays


def test_the_shipped_weights_are_the_shipped_corpus_s_and_score_as_a_fresh_fit(fitted):
    from bot.checking.message_model import corpus_digest, read_model, shipped_model_path

    messages, objects = fitted
    shipped = read_model(shipped_model_path(), corpus_digest(paths.content_dir() / "messages" / "train"))
    assert shipped is not None, "data/models/message-model.npz is stale: run canhgiac models build"
    texts = [m.text for m in messages] + TRICKY
    for ours, fresh in zip(shipped.score_all(texts), MessageModel.from_fitted(*objects).score_all(texts), strict=True):
        assert ours.topic == fresh.topic
        assert abs(ours.scam - fresh.scam) <= 1e-9 and abs(ours.topic_probability - fresh.topic_probability) <= 1e-9


def test_the_bot_loads_the_shipped_weights_without_training_even_with_its_own_path_set(tmp_path, monkeypatch, caplog):
    import logging

    from bot.checking import message_model

    monkeypatch.setattr(message_model, "_TRAINED", {})
    monkeypatch.setattr(message_model.MessageModel, "train", None)  # training would fail the test
    own = tmp_path / "own" / "message-model.npz"  # CANHGIAC_MESSAGE_MODEL, not written yet
    with caplog.at_level(logging.INFO, logger="canhgiac.messages"):
        model = message_model.load_or_train(paths.content_dir() / "messages" / "train", own)
    assert model.score("Mẹ ơi con về muộn").topic in model.topics and not own.exists()
    assert not [r for r in caplog.records if "trained" in r.getMessage()]
