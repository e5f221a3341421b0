"""VietQR payloads: read per the EMVCo layout, checksum enforced, bank found by its BIN."""

from __future__ import annotations

import pytest

from bot.identifiers import vietqr

# Payloads as banks' apps and payment gateways print them (public examples; accounts invented by
# their authors): a static MB code, a 13-digit Agribank account, a payOS virtual account with an
# amount and a message.
MB_STATIC = "00020101021138540010A00000072701240006970422011009119673630208QRIBFTTA53037045802VN63046ad9"
AGRIBANK = "00020101021138570010A00000072701270006970405011322082054793800208QRIBFTTA53037045802VN630497A6"
PAYOS = (
    "00020101021238570010A000000727012700069704220113VQRQABRLS04480208QRIBFTTA5303704540420005802VN"
    "6224082018f8746b181045f0a2ce63040FC0"
)


def _resealed(payload: str) -> str:
    """`payload` with its checksum made right again (to test what lies behind the checksum)."""
    body = payload[:-4]
    return body + vietqr.crc16(body)


def test_crc_is_ccitt_false():
    assert vietqr.crc16("123456789") == "29B1"  # the algorithm's published check value


def test_real_payloads_are_read():
    mb = vietqr.parse(MB_STATIC)
    assert (mb.bin, mb.account_number, mb.amount, mb.dynamic) == ("970422", "0911967363", None, False)
    assert mb.account.bank_code == "MB" and mb.account.normalized == "0911967363"
    agri = vietqr.parse(AGRIBANK)
    assert agri.account.bank_code == "VBA" and agri.account.normalized == "2208205479380"
    payos = vietqr.parse(PAYOS)
    assert (payos.amount, payos.message, payos.dynamic) == ("2000", "18f8746b181045f0a2ce", True)
    assert payos.account is None  # a virtual account with letters: nothing the account check can look up


def test_built_payload_round_trips():
    payload = vietqr.build("970436", "0123456789", amount="50000", message="phi xac minh", name="NGUYEN VAN B")
    read = vietqr.parse(payload)
    assert (read.bin, read.account_number, read.amount, read.message, read.name) == (
        "970436", "0123456789", "50000", "phi xac minh", "NGUYEN VAN B",
    )  # fmt: skip
    assert read.currency == "704" and read.account.bank_name == "Vietcombank"


@pytest.mark.parametrize(
    "payload",
    [
        MB_STATIC[:-4] + "0000",  # checksum changed
        MB_STATIC.replace("0911967363", "0911967364"),  # account edited, checksum left
        "https://example.com",
        "000201010211",  # no checksum
        "00020101021138990010A000000727",  # a length running past the end
        _resealed(vietqr.build("970436", "0123456789").replace("A000000727", "A000000999")),  # not NAPAS
        _resealed(vietqr.build("97043", "0123456789")),  # a five-digit BIN
    ],
)
def test_anything_else_is_refused(payload):
    with pytest.raises(vietqr.NotVietQR):
        vietqr.parse(payload)
