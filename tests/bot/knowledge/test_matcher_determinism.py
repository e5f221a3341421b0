"""The FAQ matcher gives the same answer in every process.

Python randomises the hash of strings per process, so a set of words iterates in another order in
each. The matcher once let that order break ties (which rare word finds candidates first, which of
two equal entries ranks first, float sums in another order), and a few questions got another answer
after a restart. Each process here has its own PYTHONHASHSEED; the answers must be equal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# Questions whose answer changed with the hash seed before the orders were made total, and the
# tuning file's questions for breadth.
QUESTIONS = [
    "lam them buoi toi cho sinh vien o da nang co viec gi",
    "Bà nội tôi 80 tuổi dùng điện thoại thông minh, cả nhà muốn cài đặt sao cho bà không lỡ lộ "
    "thông tin hay bấm nhầm. Nên tắt những gì, để mật khẩu ra sao",
    "có ng hỏi mượn điện thoại để gọi gấp, xong thấy có tin nhắn OTP đến máy mk",
]

ANSWERS = """
import json, sys
from bot.core.settings import Settings
from bot.services import load_library
matcher = load_library(Settings(_env_file=None)).matchers["vi"]
out = []
for question in json.load(sys.stdin):
    result = matcher.match(question)
    out.append([result.outcome, [[m.entry.id, m.score] for m in result.matches], round(result.in_scope, 12)])
print(json.dumps(out))
"""


def answers(seed: int, questions: list[str]) -> list:
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    done = subprocess.run(
        [sys.executable, "-c", ANSWERS],
        input=json.dumps(questions),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_same_answers_under_any_hash_seed():
    lines = (ROOT / "tests" / "eval" / "faq-eval.tsv").read_text(encoding="utf-8").splitlines()
    questions = QUESTIONS + [line.split("\t")[0] for line in lines[1:]]
    first = answers(1, questions)
    assert len(first) == len(questions)
    for seed in (2, 3):
        assert answers(seed, questions) == first
