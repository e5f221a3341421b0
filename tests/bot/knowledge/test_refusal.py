"""The refusal model: its file, its decision, and learning it from content (cross-fitted)."""

import pytest

from bot.core.content import ContentError
from bot.knowledge import refusal
from bot.knowledge.catalog import FaqEntry, Knowledge
from bot.knowledge.evaluate import Case
from bot.knowledge.matcher import FaqMatcher
from bot.knowledge.refusal import FEATURES, UNTUNED, RefusalModel, Signals
from bot.knowledge.refusal_tune import cross_fitted, tune


def _signals(**changes):
    base = dict(out_of_scope=0.1, top_topic=0.8, agree=True, score=0.7, overlap=0.6, recall=0.7,
                precision=0.6, unknown=0.0, words=6)  # fmt: skip
    return Signals(**(base | changes))


def test_no_file_means_the_untuned_rule(tmp_path):
    assert refusal.load(tmp_path) is UNTUNED
    assert not UNTUNED.refuses(_signals(out_of_scope=0.1)) and UNTUNED.refuses(_signals(out_of_scope=0.9))


def test_the_file_round_trips(tmp_path):
    model = RefusalModel(weights={name: 0.5 for name in FEATURES} | {"out_of_scope": -7.0}, bias=0.25, cut=0.4)
    (tmp_path / refusal.FILE).write_text(model.as_yaml("line one\nline two"), encoding="utf-8")
    loaded = refusal.load(tmp_path)
    assert loaded == model
    assert loaded.in_scope(_signals(out_of_scope=0.9)) < loaded.in_scope(_signals(out_of_scope=0.1))


@pytest.mark.parametrize(
    "text",
    [
        "bias: 1\n",
        "bias: 1\ncut: 0.5\nweights: {out_of_scope: x}\n",
        "- 1\n",
        "bias: 1\ncut: 0.5\nweights: {mood: 1}\n",
    ],
)
def test_a_broken_file_is_a_content_error(tmp_path, text):
    (tmp_path / refusal.FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ContentError):
        refusal.load(tmp_path)


def entry(entry_id, topic, question, *phrasings):
    return FaqEntry(id=entry_id, topic=topic, question=question, phrasings=phrasings, answer="…")


FAQ = [
    entry("police", "fake-authority-call", "Công an gọi điện bắt chuyển tiền có thật không?",
          "cong an goi bat chuyen tien", "người xưng công an bảo chuyển tiền để điều tra",
          "cán bộ điều tra gọi bắt chuyển tiền vào tài khoản tạm giữ", "ng xung cong an doa bat giam",
          "công an gọi video bắt đọc số tài khoản", "cong an goi noi toi dinh vu an rua tien"),
    entry("rent", "bank-account-trade", "Cho thuê tài khoản ngân hàng có bị phạt không?",
          "cho thue tai khoan ngan hang", "có người thuê tài khoản ngân hàng của tôi",
          "bán tài khoản ngân hàng có sao không", "mua ban stk co bi bat khong",
          "sinh viên được trả tiền để mở tài khoản hộ", "cho muon tai khoan nhan tien ho"),
]  # fmt: skip
OFF_TOPIC = {
    "weather": ["thời tiết ngày mai thế nào", "mai hà nội có mưa không", "bao giờ hết nắng nóng",
                "cuối tuần đà lạt lạnh không", "bão số 3 vào đâu", "troi nang qua"],
    "recipes": ["cách nấu canh chua cá lóc", "kho thịt trứng sao cho ngon", "luoc ga bao lau thi chin",
                "làm bánh flan thế nào", "nau che dau xanh", "công thức phở bò"],
}  # fmt: skip


EXAMPLES = {"bank-account-trade": ["có đứa trả 2 triệu để mượn cái thẻ atm của tui",
                                   "bạn rủ mở thẻ ATM rồi đưa cho họ giữ"]}  # fmt: skip


def _knowledge():
    return Knowledge(faq=tuple(FAQ), cards={}, quiz=(), keywords={}, out_of_scope=OFF_TOPIC, refusal=UNTUNED,
                     examples=EXAMPLES)  # fmt: skip


def _build(entries, out_of_scope, examples=None):
    return FaqMatcher(entries, answer_threshold=50, suggest_threshold=20, out_of_scope=out_of_scope, examples=examples)


def test_every_example_is_scored_by_a_matcher_that_did_not_see_it():
    rows, labels = cross_fitted(_knowledge(), _build)
    assert labels.count(1) == sum(len(e.phrasings) for e in FAQ) + sum(len(t) for t in EXAMPLES.values())
    assert labels.count(0) == sum(len(texts) for texts in OFF_TOPIC.values())
    exact = [row for row in rows if row[FEATURES.index("overlap")] >= 0.98]
    assert not exact  # a matcher that had seen the text would match it exactly


def test_tuning_learns_to_refuse_the_off_topic_and_keeps_the_cut_within_the_limit():
    cases = [Case("người xưng công an gọi bắt chuyển tiền", frozenset({"fake-authority-call"})),
             Case("cho thuê tài khoản có sao", frozenset({"bank-account-trade"})),
             Case("mai có mưa không", frozenset()), Case("nấu canh chua thế nào", frozenset())]  # fmt: skip
    tuned = tune(_knowledge(), _build, cases, lambda text: False, max_in_scope_refused=0.0)
    assert tuned.model.weights["out_of_scope"] < 0
    cut = dict((c, (out, inside)) for c, out, inside in tuned.sweep)[tuned.model.cut]
    assert cut[1] == 0.0 and cut[0] == 1.0
    matcher = _build(FAQ, OFF_TOPIC)
    matcher.refusal = tuned.model
    assert matcher.match("ngày mai trời có mưa to không").outcome == "fallback"
    assert matcher.match("công an gọi bắt chuyển tiền vào tài khoản").outcome != "fallback"
