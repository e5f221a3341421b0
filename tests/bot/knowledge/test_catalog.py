"""Loading one language's knowledge: the topic examples' files."""

import pytest

from bot.core.content import ContentError
from bot.knowledge.catalog import load_knowledge


def test_topic_examples_are_read_by_topic(tmp_path):
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "job-scam.yaml").write_text(
        "topic: job-scam\nexamples:\n  - làm nhiệm vụ like video được trả tiền\n  - ' ctv ko can von '\n",
        encoding="utf-8",
    )
    knowledge = load_knowledge(tmp_path)
    assert knowledge.examples == {"job-scam": ("làm nhiệm vụ like video được trả tiền", "ctv ko can von")}
    assert knowledge.faq == ()


@pytest.mark.parametrize(
    "text", ["topic: loan-shark\nexamples: [a]\n", "topic: job-scam\nexamples: one text\n", "topic: job-scam\n"]
)
def test_a_malformed_examples_file_names_itself(tmp_path, text):
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "job-scam.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match="job-scam.yaml"):
        load_knowledge(tmp_path)
