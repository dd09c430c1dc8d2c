#!/usr/bin/env python3
"""The sign-in link's QR code, read by an independent decoder (zxing-cpp, PyPI): for base URLs of
several lengths (QR versions 5 to 10), `dispatch technicians token T07 --qr` prints the link and
its code; the code, drawn as the terminal shows it, must decode to the link exactly.

  python3 Tests/browser/qr.py DISPATCH
"""
import sys
import numpy, zxingcpp
from harness import run, sample_day


def image(art):
    """The terminal's half blocks as a picture: light where drawn, dark where blank."""
    rows = []
    for line in art:
        rows.append([c in "█▀" for c in line])
        rows.append([c in "█▄" for c in line])
    scale = 6
    picture = numpy.zeros((len(rows) * scale, len(rows[0]) * scale), dtype=numpy.uint8)
    for y, row in enumerate(rows):
        for x, light in enumerate(row):
            if light:
                picture[y * scale:(y + 1) * scale, x * scale:(x + 1) * scale] = 255
    return picture


def main():
    d = sys.argv[1]
    _, db = sample_day(d, plan=False)
    decoded = 0
    for host in ["d.example", "dispatch.example.com", "field-dispatch.operator-example.com/" + "x" * 40,
                 "dispatch." + "long-" * 20 + "example.com"]:
        lines = run(d, "technicians", "token", "T07", "--qr", "--base-url", f"https://{host}", db).rstrip("\n").split("\n")
        link, art = lines[0], lines[1:]
        texts = [result.text for result in zxingcpp.read_barcodes(image(art))]
        assert texts == [link], f"{len(link)}-byte link decoded as {texts}"
        decoded += 1
    print(f"qr: {decoded} sign-in links of 100 to 200 bytes decoded exactly by zxing-cpp")


if __name__ == "__main__":
    main()
