"""The sample queue ticket built with python-escpos 3.1 (the peer for the printer benchmark).

Same content and layout as printer::TicketSlip::sample() on an 80 mm Epson profile:
  raster : Vietnamese lines rendered with Pillow and the same Noto Sans font, trimmed, sent with
           python-escpos' image(impl="bitImageRaster"); ASCII lines as text; native QR; cut.
  cp1258 : Vietnamese converted to WPC1258 base + combining tone bytes (python-escpos cannot encode
           "ấ" etc. itself), sent after ESC t 52; native QR; cut.
Prints one JSON line: microseconds per ticket and bytes per ticket for each variant.

Usage: python3 python_escpos_ticket.py [--iterations N] [--font PATH]
"""
import argparse
import contextlib
import io
import json
import os
import sys
import time
import unicodedata

from escpos.printer import Dummy
from PIL import Image, ImageDraw, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
FONT_DIR = os.path.join(HERE, "..", "..", "assets", "fonts")

AGENCY = "UBND PHƯỜNG BẾN THÀNH"
OFFICE = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"
TITLE = "PHIẾU SỐ THỨ TỰ"
NUMBER = "A025"
PRIORITY = "ƯU TIÊN: Người cao tuổi"
SERVICE = "Đăng ký khai sinh"
FIELD = "Lĩnh vực: Hộ tịch"
LINES = [
    "Quầy phục vụ: 1, 3",
    "Số người chờ trước bạn: 7",
    "Thời gian chờ dự kiến: khoảng 21 phút",
    "Giờ lấy số: 09:41 10/03/2026 (Buổi sáng)",
]
QR = "https://motcua.example.invalid/q/A025?d=20260310"
FOOTER = "Vui lòng giữ phiếu và chờ gọi số. Xin cảm ơn!"

TONES = {"\u0300": 0xCC, "\u0301": 0xEC, "\u0309": 0xD2, "\u0303": 0xDE, "\u0323": 0xF2}


def to_cp1258(text):
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base, tones = parts[0], []
        for m in parts[1:]:
            if m in TONES:
                tones.append(TONES[m])
            else:
                base = unicodedata.normalize("NFC", base + m)
        try:
            out += base.encode("cp1258") + bytes(tones)
        except UnicodeEncodeError:
            out += b"?"
    return bytes(out)


class Fonts:
    def __init__(self, font_dir):
        self.cache = {}
        self.dir = font_dir

    def get(self, bold, px):
        key = (bold, px)
        if key not in self.cache:
            name = "NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf"
            self.cache[key] = ImageFont.truetype(os.path.join(self.dir, name), px)
        return self.cache[key]


def raster_line(p, fonts, text, bold=False, px=22, center=False):
    font = fonts.get(bold, px)
    left, top, right, bottom = font.getbbox(text)
    im = Image.new("1", (right - left + 2, bottom - top + 2), 1)
    ImageDraw.Draw(im).text((1 - left, 1 - top), text, font=font, fill=0)
    p.set(align="center" if center else "left")
    p.image(im, impl="bitImageRaster", center=False)


def ticket_raster(fonts):
    p = Dummy()
    p.hw("INIT")
    raster_line(p, fonts, AGENCY, center=True)
    raster_line(p, fonts, OFFICE, bold=True, center=True)
    p.set(align="left", bold=False, normal_textsize=True)
    p.text("-" * 48 + "\n")
    raster_line(p, fonts, TITLE, bold=True, px=36, center=True)
    p.set(align="center", bold=True, custom_size=True, width=4, height=4)
    p.text(NUMBER + "\n")
    raster_line(p, fonts, PRIORITY, bold=True, center=True)
    raster_line(p, fonts, SERVICE, bold=True, center=True)
    raster_line(p, fonts, FIELD, center=True)
    p.ln()
    for line in LINES:
        raster_line(p, fonts, line)
    p.ln()
    p.set(align="center")
    p.qr(QR, native=True, size=5, ec=1)
    p.ln()
    raster_line(p, fonts, FOOTER, center=True)
    p.cut()
    return p.output


def ticket_cp1258():
    p = Dummy()
    p.hw("INIT")
    p._raw(b"\x1bt\x34")

    def line(text, align="left", bold=False, w=1, h=1):
        if w == 1 and h == 1:
            p.set(align=align, bold=bold, normal_textsize=True)
        else:
            p.set(align=align, bold=bold, custom_size=True, width=w, height=h)
        p._raw(to_cp1258(text) + b"\n")

    line(AGENCY, "center")
    line(OFFICE, "center", True)
    line("-" * 48)
    line(TITLE, "center", True, 1, 2)
    line(NUMBER, "center", True, 4, 4)
    line(PRIORITY, "center", True)
    line(SERVICE, "center", True)
    line(FIELD, "center")
    p.ln()
    for text in LINES:
        line(text)
    p.ln()
    p.set(align="center")
    p.qr(QR, native=True, size=5, ec=1)
    p.ln()
    line(FOOTER, "center")
    p.cut()
    return p.output


def measure(fn, iterations):
    fn()  # warm caches (fonts)
    best = None
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(iterations):
            fn()
        per = (time.perf_counter() - t) / iterations
        best = per if best is None else min(best, per)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--font-dir", default=FONT_DIR)
    args = ap.parse_args()
    fonts = Fonts(args.font_dir)
    with contextlib.redirect_stdout(io.StringIO()):
        r_us = measure(lambda: ticket_raster(fonts), args.iterations) * 1e6
        c_us = measure(ticket_cp1258, args.iterations) * 1e6
        r_bytes = len(ticket_raster(fonts))
        c_bytes = len(ticket_cp1258())
    import importlib.metadata as m

    print(json.dumps({
        "python": sys.version.split()[0],
        "python_escpos": m.version("python-escpos"),
        "pillow": m.version("pillow"),
        "raster_us": round(r_us, 1),
        "raster_bytes": r_bytes,
        "cp1258_us": round(c_us, 1),
        "cp1258_bytes": c_bytes,
    }))


if __name__ == "__main__":
    main()
