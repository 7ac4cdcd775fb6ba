"""Uploads: photos lose their metadata (GPS!) and keep their orientation, pictures over the pixel
limit are refused, PDFs are parsed rather than trusted by their first bytes."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from marketplace.domain.core import uploads
from marketplace.domain.core.errors import ValidationError
from marketplace.domain.tender import bids

GPS_IFD, ORIENTATION, MAKE = 0x8825, 0x0112, 0x010F


def _jpeg_with_gps(orientation: int = 6) -> bytes:
    image = Image.new("RGB", (40, 20), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, 10, 20))  # a blue band on the left
    exif = Image.Exif()
    exif[MAKE] = "PhoneCam"
    exif[ORIENTATION] = orientation  # 6: the camera was turned; viewers rotate 90° clockwise
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (36.0, 9.0, 30.0), 3: "E", 4: (120.0, 25.0, 50.0)})
    out = BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def test_a_photo_loses_its_gps_and_camera_and_keeps_its_orientation(app):
    raw = _jpeg_with_gps()
    with Image.open(BytesIO(raw)) as original:
        assert original.getexif().get_ifd(GPS_IFD)  # the position is really there
    cleaned, content_type, ext = uploads.clean_image(raw)
    assert (content_type, ext) == ("image/jpeg", "jpg")
    assert b"PhoneCam" not in cleaned and b"taken at home" not in cleaned and b"Exif" not in cleaned
    with Image.open(BytesIO(cleaned)) as photo:
        assert dict(photo.getexif()) == {} and "comment" not in photo.info
        assert photo.size == (20, 40)  # turned upright, as the camera meant it
        assert photo.getpixel((10, 2))[2] > 150  # the blue band is now at the top


def test_png_text_chunks_are_dropped():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Location", "36.15N 120.43E 李村街道某小区3号楼")
    out = BytesIO()
    Image.new("RGBA", (8, 8), (0, 128, 0, 128)).save(out, "PNG", pnginfo=info)
    cleaned, content_type, _ext = uploads.clean_image(out.getvalue())
    assert content_type == "image/png" and b"Location" not in cleaned
    with Image.open(BytesIO(cleaned)) as photo:
        assert photo.mode == "RGBA" and photo.getpixel((1, 1)) == (0, 128, 0, 128)


def test_a_picture_over_the_pixel_limit_is_refused_before_decoding(app):
    out = BytesIO()
    Image.new("1", (7000, 6000)).save(out, "PNG")  # 42 MP, a few kilobytes: a decompression bomb in small
    assert len(out.getvalue()) < 200_000
    with pytest.raises(uploads.TooManyPixels) as refused:
        uploads.clean_image(out.getvalue())
    assert "40" in str(refused.value.message)
    with pytest.raises(uploads.TooManyPixels):  # as a bid attachment too, with the same clear message
        bids.check_attachment(out.getvalue())


def _pdf() -> bytes:
    out = BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Service plan")
    page.save()
    return out.getvalue()


@pytest.mark.parametrize("data", [b"%PDF-1.7\nnot really a pdf", b"%PDF-", b"%PDF-1.4\n" + b"\x00" * 2000])
def test_a_file_that_only_starts_like_a_pdf_is_refused(app, data):
    with pytest.raises(ValidationError):
        bids.check_attachment(data)


def test_a_real_pdf_is_accepted_unchanged(app):
    pdf = _pdf()
    assert bids.check_attachment(pdf) == (pdf, "application/pdf", "pdf")


def test_a_password_protected_pdf_is_refused(app):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(BytesIO(_pdf())))
    writer.encrypt("secret")
    out = BytesIO()
    writer.write(out)
    with pytest.raises(ValidationError):
        bids.check_attachment(out.getvalue())


def test_an_image_attachment_is_cleaned_too(app):
    data, content_type, _ext = bids.check_attachment(_jpeg_with_gps())
    assert content_type == "image/jpeg" and b"PhoneCam" not in data
