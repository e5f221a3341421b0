"""OA webhook events as the core reads them."""

from bot.channels.zalo_oa import to_incoming
from tests.fakes.zalo_oa_api import FakeZaloOA


def test_events_become_text_pictures_or_kind_answers():
    oa = FakeZaloOA()
    text = to_incoming(oa.event("user_send_text", "u1", text="có phải lừa đảo không"))
    assert text.text == "có phải lừa đảo không" and text.chat_id == "u1" and not text.buttons and text.update_id
    link = to_incoming(oa.event("user_send_link", "u1", text="xem giúp",
                                attachments=[{"type": "link", "payload": {"url": "https://a.example/x"}}]))  # fmt: skip
    assert link.text == "xem giúp\nhttps://a.example/x"
    picture = [{"type": "image", "payload": {"url": "https://cdn.example/p.jpg"}}]
    photo = to_incoming(oa.event("user_send_image", "u1", attachments=picture))
    assert photo.photo.ref == "https://cdn.example/p.jpg" and photo.text is None
    assert to_incoming(oa.event("user_send_sticker", "u1")).unsupported == "sticker"
    assert to_incoming(oa.event("follow", "u1")) is None  # the channel handles it
    assert to_incoming({"event_name": "oa_send_text", "sender": {"id": "oa"}}) is None
    assert to_incoming({"event_name": "user_send_text", "sender": {}}) is None
