"""`canhgiac check` on a whole message, and `canhgiac messages gaps`, through the Typer app in
process (the message model is trained once per process, not once per command) on a real SQLite file
in the test's folder."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from bot.checking import message_gaps
from bot.checking.flags import CODES
from bot.checking.message_verdict import MessageVerdict
from bot.cli import app
from bot.core.clock import utc_now
from bot.core.storage import Storage

MESSAGE_CONTRACT = {"input", "kind", "risk", "topic", "score", "flags", "identifiers"}
VALUE_CONTRACT = {"input", "kind", "normalized", "risk", "reasons", "reports"}
RELATIVE = "Mẹ ơi con bị tai nạn ở bệnh viện, chuyển gấp 20 triệu vào STK 1027845566 MB cho con"
LOOKALIKE = "Vietcombank: TK cua quy khach bi khoa, truy cap vcb-xacthuc.com de xac minh"
NOISE = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(4096))
BAD = {
    "noise": NOISE,
    "english": "Hello, your parcel is waiting. Please confirm your address at the link to avoid it being returned.",
    "emoji": "😀🙏🔥💸" * 40,
    "numbers": " ".join(str(10_000_000 + i) for i in range(1000)),
    "small numbers": " ".join(str(i) for i in range(1000)),
}


def run(*args: str, stdin: str | None = None):
    result = CliRunner().invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def check_json(text: str) -> dict:
    return json.loads(run("check", text, "--json").stdout)


def test_a_message_gets_the_verdict_with_its_flags_and_identifiers_checked():
    data = check_json(RELATIVE)
    assert set(data) == MESSAGE_CONTRACT and data["kind"] == "message" and data["input"] == RELATIVE
    assert data["risk"] in {"high", "medium"} and data["topic"] is not None and 0 <= data["score"] <= 1
    flags = {flag["code"]: flag["quote"] for flag in data["flags"]}
    assert "relative_emergency_money" in flags and set(flags) <= set(CODES)
    assert all(quote in RELATIVE for quote in flags.values())  # the message's own words
    [account] = data["identifiers"]
    assert set(account) >= VALUE_CONTRACT and (account["kind"], account["normalized"]) == ("bank_account", "1027845566")


def test_a_message_with_a_lookalike_link_is_high_from_the_link_check():
    data = check_json(LOOKALIKE)
    assert data["kind"] == "message" and data["risk"] == "high"
    assert "lookalike_link" in [flag["code"] for flag in data["flags"]]
    assert [(i["kind"], i["risk"]) for i in data["identifiers"]] == [("url", "high")]


@pytest.mark.parametrize(
    ("value", "kind"),
    [("0912 345 678", "phone"), ("stk 1027845566 MB", "bank_account"), ("vietcombank-xacthuc.com", "url"),
     ("https://vietcombank.com.vn/ca-nhan/the/dang-ky-the-tin-dung", "url"), ("113", "phone"),
     ("hello", "unknown"), ("xin chào", "unknown")],
)  # fmt: skip
def test_a_single_value_keeps_the_value_result(value, kind):
    data = check_json(value)
    assert set(data) >= VALUE_CONTRACT and data["kind"] == kind


def test_a_value_asked_about_in_a_sentence_is_a_message_holding_it():
    data = check_json("số này 0912345678 có phải lừa đảo không")
    assert data["kind"] == "message" and [i["normalized"] for i in data["identifiers"]] == ["+84912345678"]


def test_plain_text_of_a_message_has_a_line_per_flag_and_identifier():
    data = check_json(LOOKALIKE)
    lines = run("check", LOOKALIKE).stdout.splitlines()
    assert lines[0] == f"message: risk high, looks like {data['topic']}"
    flags = [f"  flag {f['code']} {json.dumps(f['quote'], ensure_ascii=False)}" for f in data["flags"]]
    assert lines[1 : 1 + len(flags)] == flags
    assert lines[1 + len(flags)] == "  url vcb-xacthuc.com: risk high, 0 reporters"
    assert lines[2 + len(flags) :] == [f"    {s['level']:<6} {s['code']}" for s in data["identifiers"][0]["signals"]]


def test_jsonl_takes_values_and_messages_one_per_line_and_skips_empty_lines():
    stdin = "\n".join(["0912 345 678", "", "   ", RELATIVE, "hello", *BAD.values()]) + "\n"
    rows = [json.loads(line) for line in run("check", "--jsonl", stdin=stdin).stdout.splitlines()]
    assert [row["kind"] for row in rows[:3]] == ["phone", "message", "unknown"]
    assert len(rows) == 3 + len(BAD)
    for row in rows[3:]:
        assert row["risk"] in {"high", "medium", "low"} and "kind" in row


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_gets_an_answer_not_a_crash(name):
    text = BAD[name]
    data = check_json(text)
    assert data["input"] == text and data["risk"] in {"high", "medium", "low"}
    if data["kind"] == "message":
        assert set(data) == MESSAGE_CONTRACT
    lines = run("check", text).stdout.splitlines()
    assert lines and all(line.isprintable() for line in lines)


def test_control_characters_in_a_message_cannot_forge_output_lines():
    text = 'VCB: "mã OTP" của bạn\nflag asks_otp "giả"\x1b[31m đỏ'
    data = check_json(text)
    assert data["kind"] == "message"
    lines = run("check", text).stdout.splitlines()
    assert len(lines) == 1 + len(data["flags"]) + len(data["identifiers"]) and all(line.isprintable() for line in lines)


def _record(db_path, verdicts: list[tuple[MessageVerdict, int]]) -> None:
    storage = Storage(db_path)
    try:
        for judged, days_ago in verdicts:
            storage.write_sync(
                lambda db, j=judged, d=days_ago: message_gaps.record(db, j, utc_now() - timedelta(days=d))
            )
    finally:
        storage.close()


def test_messages_gaps_lists_the_unsure_messages_masked_grouped_most_frequent_first(tmp_path):
    def unsure(text: str, topic: str | None, risk: str = "medium") -> MessageVerdict:
        return MessageVerdict(text=text, risk=risk, topic=topic, score=0.5, unsure=True)

    otp = "Chị Lê Thị Hoa ơi đọc giúp em mã xác nhận 654321 vừa gửi về máy chị"
    _record(
        tmp_path / "data" / "canhgiac.db",
        [
            (unsure(otp, "otp-theft"), 1),
            (unsure(otp.replace("654321", "112233"), None, risk="low"), 2),
            (unsure("Việc nhẹ lương cao, làm nhiệm vụ nhận hoa hồng 0912345678", "task-scam"), 3),
            (unsure("Tin cũ quá hạn của anh Trần Văn Bình", "fake-bank"), 40),
            (MessageVerdict(text="Không chắc chắn thì không ghi", risk="low", topic=None, score=0.1), 1),
        ],
    )
    lines = run("messages", "gaps").stdout.splitlines()
    assert lines[0].startswith("3 messages") and lines[0].endswith("2 groups")
    assert lines[1].split()[:2] == ["2", "last"] and "(low 1, medium 1; looks like otp-theft)" in lines[1]
    assert lines[1].endswith(json.dumps(message_gaps.mask(otp), ensure_ascii=False))
    assert lines[2].split()[0] == "1" and "looks like task-scam" in lines[2]
    assert lines[2].endswith(
        json.dumps(message_gaps.mask("Việc nhẹ lương cao, làm nhiệm vụ nhận hoa hồng 0912345678"), ensure_ascii=False)
    )
    older = run("messages", "gaps", "--days", "60", "--limit", "1").stdout.splitlines()
    assert older[0].startswith("4 messages") and older[0].endswith("3 groups") and len(older) == 2
