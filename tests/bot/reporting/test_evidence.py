"""Evidence photos kept as files: only pictures, named by content, never a path out of the folder."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.images import NotAPicture, PictureTooLarge
from bot.images.picture import MAX_BYTES
from bot.reporting import evidence
from tests.images.pictures import jpeg


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "PNG")
    return out.getvalue()


def test_a_picture_is_kept_once_under_its_content_and_format(tmp_path):
    folder = evidence.folder_for(tmp_path / "canhgiac.db")
    photo = jpeg(Image.new("RGB", (60, 40), "white"))
    first, second = evidence.keep(folder, photo), evidence.keep(folder, photo)
    assert first == second and first.startswith("evidence/") and first.endswith(".jpg")
    assert evidence.keep(folder, png()).endswith(".png")
    assert len(list(folder.iterdir())) == 2  # no partial file left behind
    assert evidence.path_of(folder, first).read_bytes() == photo


@pytest.mark.parametrize(
    "data, error",
    [(b"", NotAPicture), (b"%PDF-1.7 not a photo", NotAPicture), (b"\xff\xd8" + b"\0" * MAX_BYTES, PictureTooLarge)],
)
def test_anything_but_a_picture_is_refused_and_nothing_is_written(tmp_path, data, error):
    with pytest.raises(error):
        evidence.keep(tmp_path / "evidence", data)
    assert not (tmp_path / "evidence").exists()


@pytest.mark.parametrize(
    "stored", ["AgACAgQ-file-id", "https://example.com/a.jpg", "evidence/../canhgiac.db", "evidence/.partial-x"]
)
def test_only_names_keep_wrote_lead_to_a_file(tmp_path, stored):
    assert evidence.is_kept(stored) == stored.startswith("evidence/")
    with pytest.raises(ValueError):
        evidence.path_of(tmp_path, stored)
