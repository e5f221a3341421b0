import pytest

from bot.identifiers import BankAccount, Link, PhoneNumber, extract_identifiers, parse_identifier


def keys(text: str) -> list[str]:
    return [identifier.key for identifier in extract_identifiers(text)]


# Forwarded scam messages, as citizens paste them, and every identifier in them, in order.
MESSAGES = [
    (
        "Vietcombank thông báo: Tài khoản của quý khách đã bị khóa do nghi ngờ giao dịch bất thường. "
        "Vui lòng truy cập vcb-xacthuc.com/login hoặc gọi ngay 0912.345.678 để xác minh. "
        "Mã OTP 482913 có hiệu lực 5 phút.",
        ["url:vcb-xacthuc.com/login", "phone:+84912345678"],
    ),
    (
        "Chuyển khoản 5.000.000đ vào STK: 1027845566 - MB Bank - NGUYEN VAN A trước 15h30 ngày 12/05/2024. "
        "LH: 09 12 34 56 78",
        ["bank_account:1027845566", "phone:+84912345678"],
    ),
    (
        "[MBBank] TK 1027845566 -5,000,000VND luc 12/05/2024 15:30. SD: 12,345,678VND. ND: chuyen tien",
        ["bank_account:1027845566"],
    ),
    (
        "CONG AN TP: Ong/ba lien quan duong day rua tien. Goi ngay +84 912 345 678 hoac 0084 987 654 321 "
        "gap can bo dieu tra. Khong lam viec se bi bat giu trong 24h.",
        ["phone:+84912345678", "phone:+84987654321"],
    ),
    (
        "Chúc mừng bạn trúng thưởng 1 xe SH 150i trị giá 120 triệu từ Shopee! Nhận quà tại "
        "https://shopee-tri-an.top/nhan-qua?utm_source=sms&uid=8842 , phí nhận quà 500k chuyển vào "
        "ví MoMo 0987.654.321 (Nguyễn Văn B).",
        ["url:shopee-tri-an.top/nhan-qua?uid=8842", "bank_account:0987654321"],
    ),
    (
        "Em ơi chị đang kẹt tiền, em ck giúp chị 2,5 triệu vào stk 0123 456 789 VCB nhé, mai chị trả. "
        "Có gì gọi chị 0987654321",
        ["bank_account:0123456789", "phone:+84987654321"],
    ),
    (
        "Tuyen cong tac vien online, luong 300k-500k/ngay, lam tai nha. Lien he Zalo: 0362.345.678 "
        "hoac Telegram t.me/vieclam_online24h",
        ["phone:+84362345678", "url:t.me/vieclam_online24h"],
    ),
    (
        "Ma xac thuc cua ban la 482913. Khong chia se ma nay cho bat ky ai. Ma giao dich: 19001234. "
        "Chi tiet lien he 1900 545 413 hoac 1800 1091 (mien phi).",
        ["phone:+841900545413", "phone:+8418001091"],
    ),
    (
        "Don hang #123456789 cua ban dang duoc giao. Ma van don SPXVN0123456789. Ma don hang: 0912345678. "
        "Phi COD 35.000d. Shipper se goi 0901 234 567 trong ngay 15/06.",
        ["phone:+84901234567"],
    ),
    (
        "EVN: Quý khách nợ tiền điện 2.345.678 đồng, sẽ bị cắt điện lúc 17h hôm nay. Thanh toán ngay tại "
        "evn-thanhtoan[.]com hoặc hxxps://evnhcmc-online[.]xyz/pay. Hotline: 028 3822 1234",
        ["url:evn-thanhtoan.com", "url:evnhcmc-online.xyz/pay", "phone:+842838221234"],
    ),
    (
        "Tài khoản Facebook của bạn vi phạm chính sách. Khiếu nại tại https://facebook.com.vn@meta-support.xyz/appeal "
        "trước 24 giờ, mọi thắc mắc gửi về support@meta-help.com",
        ["url:meta-support.xyz/appeal"],
    ),
    (
        "Số cũ của anh là 01662345678 nhé, giờ đổi thành 0362 345 678 rồi. Nhắn zalo cho anh.",
        ["phone:+84362345678"],
    ),
    (
        "Hoàn tiền bảo hiểm: quét mã VietQR hoặc chuyển thủ công 970436 0123456789 (Vietcombank), "
        "nội dung: HOAN TIEN 2024. Hạn cuối 12-05-2024.",
        ["bank_account:0123456789"],
    ),
    (
        "Đầu tư tiền ảo lãi 30%/tháng. Nạp tối thiểu 10.000.000 VND qua TCB 19034567890123 hoặc "
        "ví ZaloPay 0912345678. Hỗ trợ 24/7: +855 12 345 678",
        ["bank_account:19034567890123", "bank_account:0912345678", "phone:+85512345678"],
    ),
    (
        "Cục thuế: hồ sơ của bạn chưa hoàn tất. Tải ứng dụng tại http://103.45.12.9/etax.apk hoặc "
        "gọi số 0111 222 333. Mã hồ sơ 2024-0512.",
        ["url:103.45.12.9/etax.apk", "phone:+84111222333"],
    ),
    (
        "Phản ánh cuộc gọi lừa đảo: soạn tin V 0912345678 nội dung gửi 5656, hoặc gọi 156. Khẩn cấp gọi 113.",
        ["phone:+84912345678", "phone:5656", "phone:156", "phone:113"],
    ),
    (
        "anh oi stk cua em la 1027845566 ngan hang MB, sdt 0912345678, em chuyen 5tr cho anh roi nha",
        ["bank_account:1027845566", "phone:+84912345678"],
    ),
    (
        "LH 0912345678/0987654321 hoặc 024.3825.1234 (giờ hành chính). Email: hotro@congty.vn",
        ["phone:+84912345678", "phone:+84987654321", "phone:+842438251234"],
    ),
]


@pytest.mark.parametrize("text, expected", MESSAGES)
def test_messages(text, expected):
    assert keys(text) == expected


def test_a_message_with_ten_links():
    text = (
        "Danh sách web giả mạo cần tránh:\n"
        "1. https://vcb-xacthuc.com/login\n"
        "2. http://www.mbbank-khoa.net/?fbclid=abc\n"
        "3. techcombank-uudai.online/dang-ky.\n"
        "4. hxxps://agribank-hotro[.]xyz\n"
        "5. (https://bit.ly/3xYzAb)\n"
        "6. https://vietcombank.com.vn@evil.xyz/\n"
        "7. shopee-tri-an.top, 8. zalo-quatang.site/nhan\n"
        "9. http://103.45.12.9/vcb 10. https://xn--vitcombank-c7a.com/otp!"
    )
    found = extract_identifiers(text)
    assert [identifier.normalized for identifier in found] == [
        "vcb-xacthuc.com/login",
        "mbbank-khoa.net",
        "techcombank-uudai.online/dang-ky",
        "agribank-hotro.xyz",
        "bit.ly/3xYzAb",
        "evil.xyz",
        "shopee-tri-an.top",
        "zalo-quatang.site/nhan",
        "103.45.12.9/vcb",
        "xn--vitcombank-c7a.com/otp",
    ]
    assert all(isinstance(identifier, Link) for identifier in found)
    assert found[5].has_userinfo and found[8].is_ip and found[9].host_unicode == "viétcombank.com"


NOTHING_TO_TAKE = [
    "Anh gửi em 500k, 2,5 triệu, 10.000 VND, 5tr, 1.200.000đ và 50.000 đồng nhé",
    "Hẹn 15h30 ngày 12/05/2024, hoặc 2024-05-12 lúc 8:45, năm 2025",
    "Mã OTP của bạn là 482913. 4829 là mã xác nhận. Mã PIN: 1234",
    "Mã vận đơn SPXVN123456789, đơn hàng #100234567, mã đơn: 2405120001",
    "Liên hệ email nguyen.van.a@gmail.com hoặc 0912345678@vnn.vn",
    "Ở Tp.HCM, Q.Ba Đình v.v... giá 2.5 hay 3.14, phiên bản v1.2.3, file baocao.pdf",
    "Số dư tài khoản: 12.345.678 VND. GD: -500,000VND",
    "Tổng đài viên 09l2345678 gọi cho tôi",
    "",
]


@pytest.mark.parametrize("text", NOTHING_TO_TAKE)
def test_nothing_to_take(text):
    assert extract_identifiers(text) == []


def test_duplicates_are_reported_once_in_order_of_first_appearance():
    text = "Gọi 0912.345.678 hoặc +84 912 345 678 (cùng số), web https://vcb-xacthuc.com/a và http://vcb-xacthuc.com/a"
    found = extract_identifiers(text)
    assert [i.key for i in found] == ["phone:+84912345678", "url:vcb-xacthuc.com/a"]
    assert found[0].raw == "0912.345.678"


def test_what_is_found_keeps_what_was_written():
    found = extract_identifiers("STK: 1027845566 - MB Bank. Gọi (+84) 0912-345-678, xem VCB-XacThuc.com/Login.")
    assert [i.raw for i in found] == ["1027845566", "(+84) 0912-345-678", "VCB-XacThuc.com/Login"]
    assert found[0].bank_name == "MBBank"


def test_decomposed_accents_do_not_move_spans():
    text = "STK 1027845566 ngân hàng Ngoại thương".replace("ạ", "a\u0323")
    [account] = extract_identifiers(text)
    assert (account.normalized, account.bank_code) == ("1027845566", "VCB")


def test_bank_named_for_another_number_is_not_borrowed():
    found = extract_identifiers("STK 1027845566 VCB, ck vao 0912345678")
    assert [(i.normalized, i.bank_code) for i in found] == [("1027845566", "VCB"), ("0912345678", None)]


def test_a_bank_inside_a_link_is_not_a_bank():
    assert keys("vcb-xacthuc.com 0912345678") == ["url:vcb-xacthuc.com", "phone:+84912345678"]


# (the one value a citizen asks about, the kind found, its normalized form)
VALUES = [
    ("https://vcb-xacthuc.com/login?utm_source=sms", Link, "vcb-xacthuc.com/login"),
    ("vcb.com.vn", Link, "vcb.com.vn"),
    ("example[.]com", Link, "example.com"),
    ("Link: https://x.com/a", Link, "x.com/a"),
    ("0912 345 678", PhoneNumber, "+84912345678"),
    ("SĐT: 0912 345 678", PhoneNumber, "+84912345678"),
    ("84912345678", PhoneNumber, "+84912345678"),
    ("01662345678", PhoneNumber, "+84362345678"),
    ("0111 222 333", PhoneNumber, "+84111222333"),  # written like a phone number: a spoofed one
    ("+84 0000 0000", PhoneNumber, "+840000000"),
    ("113", PhoneNumber, "113"),
    ("hotline vcb 1900545413", PhoneNumber, "+841900545413"),
    ("STK 0123456789 Vietcombank", BankAccount, "0123456789"),
    ("momo 0912345678", BankAccount, "0912345678"),
    ("970436 0123456789", BankAccount, "0123456789"),
    ("1027845566", BankAccount, "1027845566"),
    ("0123456789", BankAccount, "0123456789"),  # invalid as a phone, typed like an account
    ("123456", BankAccount, "123456"),
    ("1027 845 566", BankAccount, "1027845566"),
]


@pytest.mark.parametrize("value, kind, normalized", VALUES)
def test_parse_identifier(value, kind, normalized):
    found = parse_identifier(value)
    assert isinstance(found, kind)
    assert found.normalized == normalized


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "xin chào",
        "09l2345678",
        "0912 345",
        "0912345",
        "+84 912",
        "12345",
        "1234",
        "Tp.HCM",
        "abc@gmail.com",
        "momo",
        "0912345678 0987654321",
        "12345678901234567890",
    ],
)
def test_parse_identifier_gives_nothing(value):
    assert parse_identifier(value) is None
