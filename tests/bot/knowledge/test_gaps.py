from bot.knowledge import gaps
from bot.knowledge.matcher import FaqMatcher


async def test_unanswered_question_is_stored_without_identity_or_identifiers(services, clock):
    result = FaqMatcher([], answer_threshold=50, suggest_threshold=30).match("giá lúa 0912345678 hôm nay")
    await services.storage.write(lambda db: gaps.record(db, "giá lúa 0912345678 hôm nay", result, clock()))
    [row] = await services.storage.read(lambda db: list(db["faq_gaps"].rows))
    assert row["text"] == "giá lúa [số] hôm nay" and row["normalized"] == "gia lua hom nay"
    assert row["outcome"] == "fallback" and row["asked_at"].startswith("2026-11-22")
    assert not {"chat_id", "user_id", "channel"} & set(row)


def test_similar_questions_group_together_most_frequent_first():
    def row(day, text, normalized, outcome="fallback", best=None):
        return {"asked_at": f"2026-11-{day}T00:00:00.000000Z", "text": text, "normalized": normalized,
                "outcome": outcome, "best_faq_id": best}  # fmt: skip

    rows = [
        row(20, "giá lúa hôm nay", "gia lua hom nay"),
        row(21, "giá lúa hôm nay bao nhiêu", "gia lua hom nay bao nhieu"),
        row(22, "vé số trúng thưởng", "ve so trung thuong", "suggest", "prize-sms"),
    ]
    grouped = gaps.group(rows)
    assert [(g.count, g.example) for g in grouped] == [(2, "giá lúa hôm nay bao nhiêu"), (1, "vé số trúng thưởng")]
    assert grouped[1].best_faq_ids == {"prize-sms": 1}
