import pytest

from bot.identifiers import all_banks, bank_by_bin, bank_by_code, bank_mentions, find_bank, parse_bank_account
from bot.identifiers.banks import fold

# (as typed, account digits, bank code, e-wallet)
ACCOUNTS = [
    ("STK 0123456789 Vietcombank", "0123456789", "VCB", False),
    ("so tk 1027845566 ngan hang MB", "1027845566", "MB", False),
    ("Số tài khoản: 1027845566 - MB Bank - NGUYEN VAN A", "1027845566", "MB", False),
    ("0123 456 789 VCB", "0123456789", "VCB", False),
    ("0123.456.789 vcb", "0123456789", "VCB", False),
    ("970436 0123456789", "0123456789", "VCB", False),  # the BIN names the bank
    ("970422-1027845566", "1027845566", "MB", False),
    ("9704 3612 3456 7890", "9704361234567890", "VCB", False),  # a NAPAS card number
    ("momo 0912345678", "0912345678", "MOMO", True),
    ("Ví MoMo: 0912.345.678", "0912345678", "MOMO", True),
    ("zalo pay +84 912 345 678", "0912345678", "ZALOPAY", True),
    ("ZaloPay 0912345678", "0912345678", "ZALOPAY", True),
    ("viettel money 0987654321", "0987654321", "VTP", True),
    ("ViettelPay 0987654321", "0987654321", "VTP", True),
    ("ShopeePay 0912345678", "0912345678", "SPP", True),
    ("NH Ngoại thương 1027845566", "1027845566", "VCB", False),
    ("ngân hàng ngoai thuong 1027845566", "1027845566", "VCB", False),
    ("techcom 19034567890123", "19034567890123", "TCB", False),
    ("TCB 19034567890123", "19034567890123", "TCB", False),
    ("Techcombank: 1903 4567 8901 23", "19034567890123", "TCB", False),
    ("vietin 101234567890", "101234567890", "ICB", False),
    ("Viettinbank 101234567890", "101234567890", "ICB", False),
    ("agri 1500205123456", "1500205123456", "VBA", False),
    ("Agribank 1500 205 123456", "1500205123456", "VBA", False),
    ("sacom 060123456789", "060123456789", "STB", False),
    ("ngân hàng Sài Gòn Thương Tín 060123456789", "060123456789", "STB", False),
    ("tp bank 02345678901", "02345678901", "TPB", False),
    ("ngân hàng Quân Đội 1027845566", "1027845566", "MB", False),
    ("quan doi 1027845566", "1027845566", "MB", False),
    ("BIDV 12010000123456", "12010000123456", "BIDV", False),
    ("acb 12345678", "12345678", "ACB", False),
    ("LienVietPostBank 0123456789", "0123456789", "LPB", False),
    ("Đông Á Bank 0123456789", "0123456789", "Vikki", False),
    ("STK 1027845566", "1027845566", None, False),
    ("tài khoản 1027 845 566", "1027845566", None, False),
]


@pytest.mark.parametrize("text, digits, code, ewallet", ACCOUNTS)
def test_accounts(text, digits, code, ewallet):
    account = parse_bank_account(text)
    assert account is not None
    assert (account.normalized, account.bank_code, account.is_ewallet) == (digits, code, ewallet)
    assert account.raw == text
    assert account.key == f"bank_account:{digits}"
    if code:
        assert account.bank_name == bank_by_code(code).name


@pytest.mark.parametrize(
    "text",
    ["", "Vietcombank", "STK", "momo", "STK 12345", "STK 09l2345678", "VCB 12345678901234567890"],
)
def test_no_account(text):
    assert parse_bank_account(text) is None


def test_the_key_ignores_the_bank():
    assert parse_bank_account("1027845566 VCB").key == parse_bank_account("STK 1027845566").key


@pytest.mark.parametrize(
    "text, code",
    [
        ("chuyển vào tk techcom", "TCB"),
        ("Ngân hàng TMCP Ngoại thương", "VCB"),
        ("mb-bank", "MB"),
        ("MBBank", "MB"),
        ("VPBank", "VPB"),
        ("vp bank", "VPB"),
        ("CAKE by VPBank", "CAKE"),
        ("BVBank", "VCCB"),  # Bản Việt, not Bảo Việt
        ("Bao Viet Bank", "BVB"),
        ("Ngân hàng Sài Gòn - Hà Nội", "SHB"),
        ("ngân hàng sài gòn công thương", "SGICB"),
        ("Ngân hàng Sài Gòn", "SCB"),
        ("nh quốc tế", "VIB"),
        ("OceanBank", "MBV"),
        ("ví Momo", "MOMO"),
        ("VNPAY", "VNP"),
        ("AirPay", "SPP"),
    ],
)
def test_find_bank(text, code):
    assert find_bank(text).code == code


@pytest.mark.parametrize(
    "text",
    ["sản phẩm nông nghiệp", "quốc tế", "hàng hải", "nam a", "5 MBs", "vcbx", "Sài Gòn - Hà Nội", "zalo"],
)
def test_generic_words_are_no_bank(text):
    assert find_bank(text) is None


def test_mentions_are_spans_in_the_original_text():
    text = "Chuyển vào Ngân hàng Ngoại Thương hoặc MB Bank, không phải ví ZaloPay"
    found = [(text[start:end], bank.code) for start, end, bank in bank_mentions(text)]
    assert found == [("Ngân hàng Ngoại Thương", "VCB"), ("MB Bank", "MB"), ("ZaloPay", "ZALOPAY")]


def test_registry():
    listed = all_banks()
    banks, wallets = [b for b in listed if not b.is_ewallet], [b for b in listed if b.is_ewallet]
    assert (len(banks), len(wallets)) == (59, 5)
    assert all(b.bin and len(b.bin) == 6 and b.bin.isdigit() for b in banks)
    assert all(b.bin is None for b in wallets)
    assert len({b.code.casefold() for b in listed}) == len(listed)
    assert bank_by_code("vcb").name == "Vietcombank"
    assert bank_by_code("momo").is_ewallet
    assert bank_by_code("nope") is None
    assert bank_by_bin("970422").code == "MB"


def test_every_alias_finds_its_own_bank():
    for bank in all_banks():
        for alias in (bank.name, *bank.aliases):
            assert find_bank(alias) == bank, alias


def test_fold_keeps_length_and_positions():
    text = "NGÂN HÀNG Đông Á, İstanbul, 한국"
    assert len(fold(text)) == len(text)
    assert fold("Ngoại Thương ĐÀ") == "ngoai thuong da"
