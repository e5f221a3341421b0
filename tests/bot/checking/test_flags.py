"""Named red flags with quotes (bot/checking/flags.py, content/vi/red_flags.yaml)."""

from __future__ import annotations

import dataclasses
import random

import pytest

from bot.checking.flags import CODES, Flag, RedFlagPhrases, find_flags, fold_phrase


@pytest.fixture(scope="module")
def phrases() -> RedFlagPhrases:
    return RedFlagPhrases.load()


def codes(flags: list[Flag]) -> list[str]:
    return [f.code for f in flags]


def the(flags: list[Flag], code: str) -> Flag:
    [flag] = [f for f in flags if f.code == code]
    return flag


@pytest.mark.parametrize(
    ("code", "text", "quote"),
    [
        (
            "transfer_to_verify",
            "Đây là Công an TP. Hồ sơ của anh liên quan đường dây rửa tiền, anh phải chuyển tiền để xác minh.",
            "chuyển tiền để xác minh",
        ),
        (
            "transfer_to_verify",
            "Cơ quan điều tra yêu cầu bà chuyển toàn bộ số tiền trong sổ tiết kiệm vào tài khoản tạm giữ của Bộ.",
            "tài khoản tạm giữ",
        ),
        (
            "transfer_to_verify",
            "De chung minh trong sach, anh ck vao stk 0123456789 de xac minh dong tien nhe",
            "chung minh trong sach",
        ),
        ("asks_otp", "Em ơi chị gửi nhầm mã về máy em, em đọc giúp chị mã OTP vừa nhận nhé", "đọc giúp chị mã OTP"),
        ("asks_otp", "Quý khách vui lòng cung cấp mã OTP để nhân viên hoàn tất nâng hạn mức thẻ.", "cung cấp mã OTP"),
        (
            "asks_otp",
            "ban gui lai cho minh ma xac thuc 6 so vua nhan dc nha, minh can gap",
            "gui lai cho minh ma xac thuc",
        ),
        (
            "install_app",
            "Ông bà tải ứng dụng Dịch vụ công theo đường link sau để cập nhật định danh mức 2.",
            "tải ứng dụng",
        ),
        ("install_app", "Anh cài app này giúp em để nhận hoàn tiền: hotro-vnpay.apk", "cài app"),
        ("install_app", "Vui long tai file cai dat ve may va lam theo huong dan cua nhan vien", "tai file"),
        ("threat_arrest_lock", "Nếu không hợp tác, cơ quan công an sẽ ra lệnh bắt tạm giam đối với anh.", "lệnh bắt"),
        (
            "threat_arrest_lock",
            "Tai khoan cua quy khach se bi khoa trong ngay do chua cap nhat sinh trac hoc",
            "se bi khoa",
        ),
        (
            "threat_arrest_lock",
            "Thuê bao của quý khách sẽ bị cắt sim sau 2 giờ do sai thông tin chủ thuê bao.",
            "cắt sim",
        ),
        ("urgency", "Quý khách cần hoàn tất xác thực trong vòng 24h, nếu không dịch vụ sẽ tạm dừng.", "trong vòng 24h"),
        ("urgency", "Ưu đãi hôm nay hết hạn, bấm nhận quà ngay lập tức!", "hôm nay hết hạn"),
        ("urgency", "Anh ơi ck gap cho em 5tr nhé, em cần lắm", "ck gap"),
        ("secrecy", "Đây là bí mật điều tra, chị không được nói với ai kể cả chồng con.", "bí mật điều tra"),
        ("secrecy", "Em nhớ giữ bí mật chuyện này, đừng cho ai biết nhé.", "giữ bí mật"),
        ("secrecy", "vu viec dang dieu tra, ko dc noi voi nguoi nha", "ko dc noi"),
        (
            "fee_for_prize",
            "Chúc mừng bạn đã trúng thưởng xe SH trong chương trình tri ân khách hàng. "
            "Để nhận giải bạn cần nộp phí thủ tục 2.500.000đ.",
            "Để nhận giải bạn cần nộp phí thủ tục",
        ),
        (
            "fee_for_prize",
            "Bạn là khách hàng may mắn nhận quà iPhone 15, vui lòng chuyển trước phí vận chuyển 350k.",
            "khách hàng may mắn nhận quà iPhone 15, vui lòng chuyển trước",
        ),
        (
            "fee_for_prize",
            "Hoàn tiền đơn hàng lỗi: bạn cần đóng thuế thu nhập 10% trước khi nhận 5 triệu.",
            "Hoàn tiền đơn hàng lỗi: bạn cần đóng thuế",
        ),
        (
            "task_job_deposit",
            "Tuyển CTV làm việc tại nhà, việc nhẹ lương cao 300-500k/ngày, chỉ cần điện thoại.",
            "CTV làm việc tại nhà, việc nhẹ lương",
        ),
        (
            "task_job_deposit",
            "Nhiệm vụ tiếp theo của bạn là đơn combo, vui lòng nạp thêm 5 triệu để nhận hoa hồng 30%.",
            "Nhiệm vụ tiếp theo của bạn là đơn combo, vui lòng nạp thêm",
        ),
        (
            "task_job_deposit",
            "Like video tiktok nhận 10k/video, làm nv xong nạp tiền để mở nhiệm vụ VIP.",
            "Like video tiktok nhận 10k/video, làm nv xong nạp tiền",
        ),
        (
            "relative_emergency_money",
            "Mẹ ơi con bị tai nạn đang cấp cứu ở bệnh viện, mẹ chuyển khoản gấp cho con 20 triệu",
            "tai nạn đang cấp cứu ở bệnh viện, mẹ chuyển khoản",
        ),
        (
            "relative_emergency_money",
            "Cô ơi cháu là bạn của Nam, Nam đang phẫu thuật, cô chuyển tiền viện phí vào số tài khoản này giúp cháu.",
            "phẫu thuật, cô chuyển tiền",
        ),
        (
            "relative_emergency_money",
            "em bi tai nan xe, dang o benh vien, chi ck cho em 10tr dong vien phi nha",
            "tai nan xe, dang o benh vien, chi ck",
        ),
    ],
)
def test_each_code_fires_with_the_message_own_words(phrases, code, text, quote):
    flag = the(find_flags(text, phrases), code)
    assert flag.quote == quote
    assert text[flag.start : flag.end] == flag.quote
    assert len(flag.quote) <= 60


@pytest.mark.parametrize(
    "text",
    [
        "Ma OTP cua Quy khach la 123456. KHONG chia se ma nay cho bat ky ai",
        "VCB không bao giờ yêu cầu khách hàng cung cấp mã OTP",
        "Mã OTP của bạn là 482913, có hiệu lực trong 5 phút. "
        "Không cung cấp mã này cho bất kỳ ai, kể cả nhân viên ngân hàng.",
        "TK 1234xxx789 +2,500,000VND luc 14:05 12/03. SD: 15,320,000VND. ND: Nguyen Van A chuyen tien",
        "Viettel: Quy khach da duoc cong 50.000d vao tai khoan khuyen mai. Chi tiet LH 198.",
        "GHTK: Don hang S123 cua ban dang duoc giao, shipper se goi trong 24h toi. Cam on ban.",
        "Vietcombank cảnh báo: kẻ gian giả danh công an yêu cầu chuyển tiền để xác minh. "
        "Quý khách tuyệt đối không chuyển tiền, không cung cấp mã OTP.",
        "Thông báo: Trường THCS Lê Lợi cho học sinh nghỉ học ngày 15/4. Phụ huynh lưu ý đón con đúng giờ.",
        "Mẹ ơi tối nay con về muộn, mẹ để phần cơm cho con nhé",
        "Anh chuyển khoản tiền nhà tháng này rồi nhé, em kiểm tra giúp anh",
        "Chúc mừng sinh nhật em, chúc em tuổi mới nhiều niềm vui!",
        "Quý khách chỉ tải ứng dụng VCB Digibank từ App Store hoặc CH Play.",
        "Để khóa tài khoản khẩn cấp, Quý khách gọi tổng đài 1900545413.",
        "Shopee: Don hang 240312ABC da giao thanh cong. Danh gia san pham de nhan 200 xu.",
        "Giữ bí mật mã OTP và mật khẩu, không cung cấp cho người khác.",
        "Hello, your package has been delivered. Thanks!",
    ],
)
def test_genuine_messages_fire_nothing(phrases, text):
    assert find_flags(text, phrases) == []


@pytest.mark.parametrize(
    "text",
    [
        "Ma OTP cua Quy khach la 123456. KHONG chia se ma nay cho bat ky ai",
        "VCB không bao giờ yêu cầu khách hàng cung cấp mã OTP",
        "Tuyệt đối không cung cấp mã OTP cho người lạ.",
        "Đừng đọc mã OTP cho ai qua điện thoại nhé mẹ",
        "ko gui ma otp cho ai het nha",
        "Ngân hàng KHÔNG BAO GIỜ yêu cầu gửi mã xác thực qua tin nhắn.",
    ],
)
def test_a_warning_not_to_share_is_not_a_request(phrases, text):
    assert "asks_otp" not in codes(find_flags(text, phrases))


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("Nếu không cung cấp mã OTP, tài khoản sẽ bị khóa.", "cung cấp mã OTP"),
        ("Không sao đâu, em cứ đọc mã OTP cho chị là được.", "đọc mã OTP"),
        ("Không chia sẻ là sai. Vui lòng cung cấp mã OTP ngay.", "cung cấp mã OTP"),
    ],
)
def test_a_negation_that_does_not_negate_the_request(phrases, text, quote):
    assert the(find_flags(text, phrases), "asks_otp").quote == quote


def test_negation_in_another_clause_or_far_before_does_not_count(phrases):
    text = "Chị không biết gì hết, chị nhờ em nhé, em đọc giúp chị mã OTP"
    assert the(find_flags(text, phrases), "asks_otp").quote == "đọc giúp chị mã OTP"


def test_the_quote_keeps_diacritics_of_a_text_typed_in_nfd(phrases):
    import unicodedata

    text = unicodedata.normalize("NFD", "Anh phải chuyển tiền để xác minh ngay.")
    flag = the(find_flags(text, phrases), "transfer_to_verify")
    assert flag.quote == text[flag.start : flag.end]
    assert unicodedata.normalize("NFC", flag.quote) == "chuyển tiền để xác minh"


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("VIETCOMBANK: Tai khoan cua Quy khach can cap nhat sinh trac hoc tai https://x.example", "VIETCOMBANK"),
        ("[MBBank] Quy khach duoc nang han muc, xac nhan tai link sau", "MBBank"),
        ("Viettel thông báo: thuê bao của quý khách được tặng 100GB, nhận tại link", "Viettel"),
    ],
)
def test_brand_sms_with_a_link(phrases, text, quote):
    assert the(find_flags(text, phrases, has_link=True), "brand_sms_link").quote == quote
    assert "brand_sms_link" not in codes(find_flags(text, phrases, has_link=False))


def test_a_brand_named_later_in_a_chat_is_no_sender(phrases):
    text = "Hôm qua mình đi rút tiền ở cây ATM của Vietcombank, link bản đồ đây"
    assert "brand_sms_link" not in codes(find_flags(text, phrases, has_link=True))


@pytest.mark.parametrize(
    ("text", "host", "quote", "start"),
    [
        ("Cập nhật tại vietcombank-xacthuc.com ngay", "vietcombank-xacthuc.com", "vietcombank-xacthuc.com", 13),
        ("Vao MBBANK247.XYZ de nhan qua", "mbbank247.xyz", "MBBANK247.XYZ", 4),
        ("Đăng nhập tại link rút gọn", "bidv-secure.top", "bidv-secure.top", -1),
    ],
)
def test_lookalike_link_quotes_the_host_where_it_is_written(phrases, text, host, quote, start):
    flag = the(find_flags(text, phrases, lookalike_hosts=[host]), "lookalike_link")
    assert (flag.quote, flag.start) == (quote, start)


def test_every_code_is_documented_and_known(phrases):
    import bot.checking.flags as module

    for code in CODES:
        assert f"`{code}`" in (module.__doc__ or "")
    assert {r.code for r in phrases.rules} | {"brand_sms_link", "lookalike_link"} == set(CODES)


def test_phrases_fold_like_the_message():
    assert fold_phrase("Chuyển TIỀN!!  để xác-minh") == "chuyen tien de xac minh"


class _Counting:
    def __init__(self, pattern):
        self.pattern, self.calls = pattern, 0

    def finditer(self, text):
        self.calls += 1
        return self.pattern.finditer(text)


def _noise(seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("abcđươ xyzkO ,.!?😀🙏 0123\n") for _ in range(4096))


@pytest.mark.parametrize(
    "text",
    [
        _noise(1),
        _noise(2),
        " ".join(str(random.Random(3).randint(0, 10**12)) for _ in range(1000)),
        ("ko chuyen tien xac minh ma otp gap phi trung thuong nếu không ") * 60,
        "",
        "😀" * 2000,
        "Hello, is this a scam? Please send the OTP code now.",
    ],
)
def test_bad_input_runs_one_pass_of_the_phrase_pattern(phrases, text):
    spy = _Counting(phrases.pattern)
    counted = dataclasses.replace(phrases, pattern=spy)
    for flag in find_flags(text[:4096], counted, has_link=True):
        assert text[flag.start : flag.end] == flag.quote
        assert len(flag.quote) <= 60
    assert spy.calls <= 1


def test_load_refuses_an_unknown_code(tmp_path):
    path = tmp_path / "red_flags.yaml"
    path.write_text("flags:\n  made_up: {phrases: [abc]}\n", encoding="utf-8")
    with pytest.raises(ValueError):
        RedFlagPhrases.load(path)
