"""VietQR (NAPAS) payment codes: the EMVCo merchant-presented QR payload Vietnamese banks print.

A payload is a run of fields `ID LEN VALUE` (two digits of id, two of length). The ones we read:
- 38: the NAPAS account template: 00 = its GUID `A000000727`, 01 = the beneficiary (00 = the
  bank's 6-digit BIN, 01 = the account or card number), 02 = the service (`QRIBFTTA` to an account,
  `QRIBFTTC` to a card);
- 54: the amount, 53: the currency (704 is the dong), 59: the name, 62/08: the transfer message;
- 63: a CRC-16/CCITT-FALSE over the whole payload up to and including "6304".

A code with a wrong CRC was edited or misread: it is reported as such, never read as an account
(an edited code pointing elsewhere is exactly the trick to warn about, but we cannot say where).

Imports: identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.identifiers.banks import account_from_number, bank_by_bin
from bot.identifiers.model import BankAccount

NAPAS_GUID = "A000000727"
TO_CARD = "QRIBFTTC"
DONG = "704"


class NotVietQR(ValueError):
    """The text is not an EMVCo payload, or its checksum does not match."""


@dataclass(frozen=True)
class VietQR:
    bin: str
    account_number: str
    to_card: bool  # the number is a card's, not an account's
    amount: str | None  # as written in the code, e.g. "50000"; None when the payer types it
    currency: str | None  # ISO 4217 numeric code, "704" for the dong
    name: str | None  # the beneficiary's name as the code states it (not checked by anyone)
    message: str | None  # the transfer message ("purpose of transaction")
    dynamic: bool  # point of initiation 12: made for one payment

    @property
    def account(self) -> BankAccount | None:
        """The account to check; None when the BIN is no bank we know."""
        bank = bank_by_bin(self.bin)
        if bank is None or not self.account_number.isdigit():
            return None  # some banks allow letters in "nice" account aliases: nothing we can check
        return account_from_number(self.account_number, bank)


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF) as four upper-case hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def fields(payload: str) -> dict[str, str]:
    """The top-level (or a template's) fields; NotVietQR when the lengths do not add up."""
    out: dict[str, str] = {}
    i = 0
    while i < len(payload):
        tag, size = payload[i : i + 2], payload[i + 2 : i + 4]
        if len(size) < 2 or not tag.isdigit() or not size.isdigit():
            raise NotVietQR("malformed field header")
        end = i + 4 + int(size)
        if end > len(payload):
            raise NotVietQR("field runs past the end")
        out[tag] = payload[i + 4 : end]
        i = end
    return out


def looks_like_emvco(text: str) -> bool:
    """Starts like an EMVCo payload (payload format indicator 01); cheap, before parsing."""
    return text.startswith("000201")


def parse(payload: str) -> VietQR:
    """Read a VietQR payload; NotVietQR for anything else or a bad checksum."""
    payload = payload.strip()
    if not looks_like_emvco(payload):
        raise NotVietQR("not an EMVCo payload")
    top = fields(payload)
    crc = top.get("63")
    if crc is None or not payload.endswith("6304" + crc) or crc16(payload[:-4]) != crc.upper():
        raise NotVietQR("checksum does not match")
    napas = fields(top.get("38", ""))
    if napas.get("00", "").upper() != NAPAS_GUID:
        raise NotVietQR("not a NAPAS (VietQR) code")
    beneficiary = fields(napas.get("01", ""))
    bin_, number = beneficiary.get("00", ""), beneficiary.get("01", "")
    if not (len(bin_) == 6 and bin_.isdigit() and number):
        raise NotVietQR("no bank and account in the code")
    extra = fields(top.get("62", "")) if "62" in top else {}
    return VietQR(
        bin=bin_,
        account_number=number,
        to_card=napas.get("02") == TO_CARD,
        amount=top.get("54") or None,
        currency=top.get("53") or None,
        name=top.get("59") or None,
        message=extra.get("08") or None,
        dynamic=top.get("01") == "12",
    )


def build(
    bin_: str, number: str, amount: str | None = None, message: str | None = None, name: str | None = None
) -> str:
    """A VietQR payload, as a bank app makes one: for tests, the evaluation set and posters."""

    def field(tag: str, value: str) -> str:
        return f"{tag}{len(value):02d}{value}"

    beneficiary = field("00", bin_) + field("01", number)
    napas = field("00", NAPAS_GUID) + field("01", beneficiary) + field("02", "QRIBFTTA")
    body = field("00", "01") + field("01", "12" if amount else "11") + field("38", napas) + field("53", DONG)
    if amount:
        body += field("54", amount)
    body += field("58", "VN")
    if name:
        body += field("59", name)
    if message:
        body += field("62", field("08", message))
    body += "6304"
    return body + crc16(body)
