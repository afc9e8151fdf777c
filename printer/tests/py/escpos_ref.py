"""Reference bytes from python-escpos 3.1 (an independent implementation) for the golden tests.

Reads a JSON list of cases on stdin, prints a JSON list of hex strings (or {"error": ...}).
Case kinds:
  {"kind": "qr", "data": str, "size": int, "ec": 0..3}
  {"kind": "barcode", "type": "CODE128"|"EAN13", "data": str, "height": int, "width": int,
   "function_type": "A"|"B"}
  {"kind": "raster", "width": int, "height": int, "bits": [0/1 ...] row-major}
  {"kind": "cp1258", "hex": str}           -> decoded by Python's cp1258 codec, NFC-normalised
  {"kind": "tcvn3_table", "name": "TCVN-3-1"|"TCVN-3-2"}  -> the escpos-printer-db table
"""
import contextlib
import json
import sys
import unicodedata

import escpos
import escpos.printer as printer
from escpos import capabilities
from PIL import Image


def run(case):
    kind = case["kind"]
    if kind == "qr":
        p = printer.Dummy()
        p.qr(case["data"], ec=case["ec"], size=case["size"], native=True)
        return p.output.hex()
    if kind == "barcode":
        p = printer.Dummy()
        p.barcode(
            case["data"],
            case["type"],
            height=case["height"],
            width=case["width"],
            pos="BELOW",
            font="A",
            align_ct=False,
            function_type=case["function_type"],
            check=False,
        )
        return p.output.hex()
    if kind == "raster":
        w, h = case["width"], case["height"]
        im = Image.new("1", (w, h), 1)
        for i, bit in enumerate(case["bits"]):
            if bit:
                im.putpixel((i % w, i // w), 0)
        p = printer.Dummy()
        p.image(im, impl="bitImageRaster", center=False, fragment_height=case.get("fragment", 960))
        return p.output.hex()
    if kind == "cp1258":
        return unicodedata.normalize("NFC", bytes.fromhex(case["hex"]).decode("cp1258"))
    if kind == "tcvn3_table":
        enc = capabilities.CAPABILITIES["encodings"][case["name"]]
        return "".join(enc["data"])
    if kind == "version":
        import importlib.metadata as m
        return m.version("python-escpos")
    raise ValueError(kind)


def main():
    cases = json.load(sys.stdin)
    out = []
    # python-escpos prints notices on stdout; keep stdout for the JSON answer only.
    with contextlib.redirect_stdout(sys.stderr):
        for c in cases:
            try:
                out.append(run(c))
            except Exception as e:  # reported per case
                out.append({"error": f"{type(e).__name__}: {e}"})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
