"""Figures through the client: a run's PNG images in RunResult.figures (decoded bytes) and as `figure`
events, against the real server. The marker line the sandbox's matplotlib backend writes
(\\x1eAGENTRUN-FIGURE:<base64 PNG>) is written here by the program itself, so no matplotlib is needed."""

import base64
import struct
import unittest
import zlib

import helper


def png(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x10\x80\xf0" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


IMAGE = png(7, 5)
CODE = ("import sys\nsys.stdout.write('before\\n')\nsys.stdout.write('\\x1eAGENTRUN-FIGURE:%s\\n')\n"
        "sys.stdout.write('after\\n')\n" % base64.b64encode(IMAGE).decode())


class FiguresTest(unittest.TestCase):
    def test_result_has_the_figure(self):
        result = helper.client().run(CODE)
        self.assertEqual(result.status, "ok", result.output)
        self.assertEqual(len(result.figures), 1, "the server took no figure out of stdout: does it have "
                         "figures (RunResult.figures, issue 17)? stdout was %r" % result.stdout[:200])
        figure = result.figures[0]
        self.assertEqual(figure.data, IMAGE)
        self.assertEqual((figure.mime, figure.width, figure.height), ("image/png", 7, 5))
        self.assertEqual(figure.size, len(IMAGE))
        self.assertEqual(result.stdout, "before\nafter\n")
        self.assertEqual(figure.stdout_offset, len("before\n"))

    def test_streamed_figure_event(self):
        events = list(helper.client().stream(CODE))
        figures = [e.figure for e in events if e.kind == "figure"]
        self.assertEqual(len(figures), 1, [e.kind for e in events])
        self.assertEqual(figures[0].data, IMAGE)
        self.assertEqual(events[-1].result.figures[0].data, IMAGE)


if __name__ == "__main__":
    unittest.main()
