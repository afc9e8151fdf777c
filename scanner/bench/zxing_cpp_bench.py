#!/usr/bin/env python3
"""Peer side of the scanner benchmark: decodes the same gray frames with zxing-cpp.

Called by `cargo run --release -p scanner --example scanbench` with a manifest whose lines
are `ID<TAB>PGM-PATH<TAB>FORMATS` (FORMATS: comma-separated QRCode, Code128, EAN13, Code39,
ITF). Prints one JSON object per line: {"id", "texts", "ms"} where ms is the best of
--repeat runs of `zxingcpp.read_barcodes` (default options: try_rotate, try_downscale,
try_invert, LocalAverage binarizer). Needs only `pip install zxing-cpp` (no numpy).
"""
import argparse
import json
import sys
import time

import zxingcpp


def read_pgm(path):
    with open(path, "rb") as f:
        data = f.read()
    # P5\n<w> <h>\n255\n<bytes>
    parts = data.split(b"\n", 3)
    if parts[0] != b"P5":
        raise ValueError(f"{path}: not a binary PGM")
    w, h = (int(v) for v in parts[1].split())
    pixels = parts[3]
    return memoryview(pixels).cast("B", (h, w))


FORMATS = {
    "QRCode": zxingcpp.BarcodeFormat.QRCode,
    "Code128": zxingcpp.BarcodeFormat.Code128,
    "EAN13": zxingcpp.BarcodeFormat.EAN13,
    "Code39": zxingcpp.BarcodeFormat.Code39,
    "ITF": zxingcpp.BarcodeFormat.ITF,
}


def formats_of(spec):
    out = None
    for name in spec.split(","):
        f = FORMATS[name]
        out = f if out is None else out | f
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with open(args.manifest, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    out = sys.stdout
    for ident, path, spec in rows:
        img = read_pgm(path)
        fmts = formats_of(spec)
        best = None
        texts = []
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            results = zxingcpp.read_barcodes(img, formats=fmts)
            dt = (time.perf_counter() - t0) * 1e3
            best = dt if best is None else min(best, dt)
            texts = [r.text for r in results]
        out.write(json.dumps({"id": ident, "texts": texts, "ms": best}, ensure_ascii=False) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
