import pytest

from bot.knowledge.catalog import FaqEntry
from bot.knowledge.matcher import FaqMatcher
from bot.knowledge.normalize import normalize


def entry(entry_id, topic, question, *phrasings):
    return FaqEntry(id=entry_id, topic=topic, question=question, phrasings=phrasings, answer="…")


ENTRIES = [
    entry("police-call", "fake-authority-call", "Công an gọi điện bắt chuyển tiền có thật không?",
          "cong an goi bat chuyen tien", "người xưng công an bảo chuyển tiền để điều tra"),
    entry("summons", "fake-authority-call", "Nhận giấy triệu tập qua Zalo có thật không?",
          "giay trieu tap qua zalo", "công an gửi giấy mời qua tin nhắn"),
    entry("rent-account", "bank-account-trade", "Cho thuê tài khoản ngân hàng có bị phạt không?",
          "cho thue tai khoan ngan hang", "có người thuê tài khoản ngân hàng của tôi"),
    entry("sell-account", "bank-account-trade", "Bán tài khoản ngân hàng có sao không?",
          "ban tai khoan ngan hang", "có người hỏi mua tài khoản ngân hàng"),
    entry("otp", "personal-data", "Có nên đưa mã OTP cho người khác không?",
          "dua ma otp cho nguoi khac", "lỡ đọc mã OTP cho người gọi điện"),
]  # fmt: skip


# Not about scams: the classifier's refusal class (worded unlike the off-topic tests below).
OFF_TOPIC = ["thời tiết ngày mai thế nào", "giá vàng hôm nay bao nhiêu", "kết quả bóng đá tối qua",
             "cách nấu canh chua cá lóc", "lịch nghỉ tết năm nay"]  # fmt: skip


@pytest.fixture
def matcher():
    return FaqMatcher(ENTRIES, answer_threshold=55, suggest_threshold=30, out_of_scope={"misc": OFF_TOPIC})


def test_exact_phrasing_answers_with_full_score(matcher):
    result = matcher.match("cho thue tai khoan ngan hang")
    assert result.outcome == "answer" and result.best.entry.id == "rent-account" and result.best.score >= 99


def test_teencode_and_missing_accents_still_answer(matcher):
    result = matcher.match("cho thue stk nh co sao k ad")
    assert result.outcome == "answer" and result.best.entry.id == "rent-account"


def test_typos_are_corrected_to_known_words(matcher):
    result = matcher.match("giay triêu tâp qua zaloo")
    assert result.best.entry.id == "summons" and result.outcome == "answer"


def test_typed_accents_separate_words_the_plain_form_merges(matcher):
    assert matcher.match("Bán tài khoản ngân hàng").best.entry.id == "sell-account"


def test_partial_overlap_suggests_the_closest_questions(matcher):
    result = matcher.match("người lạ hỏi tài khoản và mã otp của mẹ tôi")
    assert result.outcome == "suggest"
    assert 2 <= len(result.matches) <= 3 and result.matches[0].score >= result.matches[1].score


@pytest.mark.parametrize("text", ["giá lúa hôm nay", "hôm nay trời có mưa không", "😀😀", "", "asdfgh qwerty"])
def test_off_topic_text_falls_back(matcher, text):
    assert matcher.match(text).outcome == "fallback"


def test_identifiers_do_not_disturb_the_match_but_are_reported(matcher):
    result = matcher.match("số 0912345678 gọi xưng công an bắt chuyển tiền")
    assert result.best.entry.id == "police-call" and result.normalized.identifiers == ("number",)


def test_scores_stay_in_range(matcher):
    for text in ("Công an gọi điện bắt chuyển tiền có thật không?", "Bán tài khoản ngân hàng có sao không?"):
        ranked, signals = matcher.rank(normalize(text))
        assert 0 <= ranked[0].score <= 100 and 0 <= signals.out_of_scope <= 1
        assert 0 <= signals.recall <= 1 and 0 <= signals.unknown <= 1 and signals.agree


def test_an_empty_faq_always_falls_back():
    assert FaqMatcher([], answer_threshold=50, suggest_threshold=30).match("công an gọi").outcome == "fallback"


def test_topic_vocabulary_finds_the_subject_when_no_phrasing_shares_the_words():
    keywords = {"fake-authority-call": ["viện kiểm sát", "lệnh bắt", "cán bộ điều tra"]}
    matcher = FaqMatcher(
        ENTRIES, answer_threshold=55, suggest_threshold=20, keywords=keywords, out_of_scope={"misc": OFF_TOPIC}
    )
    result = matcher.match("cán bộ điều tra dọa có lệnh bắt")
    assert result.outcome != "fallback" and result.best.entry.topic == "fake-authority-call"


def test_topic_examples_teach_the_classifier_without_becoming_answers():
    examples = {"personal-data": ["nhân viên gọi xin mã xác thực gửi về máy", "ai hỏi mã sáu số thì đừng đưa"]}
    plain = FaqMatcher(ENTRIES, answer_threshold=55, suggest_threshold=20, out_of_scope={"misc": OFF_TOPIC})
    taught = FaqMatcher(
        ENTRIES, answer_threshold=55, suggest_threshold=20, out_of_scope={"misc": OFF_TOPIC}, examples=examples
    )
    words = normalize("có người xin mã sáu số gửi về máy").words
    before = plain.classifier.posterior(words).get("personal-data", 0.0)
    after = taught.classifier.posterior(words)
    assert max(after, key=after.get) == "personal-data" and after["personal-data"] > before
    result = taught.match("có người xin mã sáu số gửi về máy")
    assert result.best.entry.id == "otp"  # an entry of the topic answers: examples are never answers
    assert len(taught.entries) == len(ENTRIES)
