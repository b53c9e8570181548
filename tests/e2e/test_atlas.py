"""End-to-end: `cnnscope atlas` on vtest.avi, tile placement and colours against dumped activations
box-downsampled and coloured in numpy (the rule documented in src/core/render/atlas.hpp)."""
import json
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import VTEST, CliTest, hot_lut_bgr8, read_png_bgr  # noqa: E402


def box_downsample(plane, dh, dw):
    H, W = plane.shape
    out = np.zeros((dh, dw), np.float64)
    for y in range(dh):
        y0 = y * H // dh
        y1 = max(y0 + 1, (y + 1) * H // dh)
        for x in range(dw):
            x0 = x * W // dw
            x1 = max(x0 + 1, (x + 1) * W // dw)
            out[y, x] = plane[y0:y1, x0:x1].astype(np.float64).mean()
    return out


def colour_tile(data, lo, hi, cell_h, cell_w):
    """The shader's sampling (cell pixel x reads data texel floor((x+0.5)*dw/cw)), then 'hot'."""
    dh, dw = data.shape
    ys = np.minimum(((np.arange(cell_h) + 0.5) * dh / cell_h).astype(int), dh - 1)
    xs = np.minimum(((np.arange(cell_w) + 0.5) * dw / cell_w).astype(int), dw - 1)
    up = data[ys][:, xs]
    t = np.zeros_like(up) if hi <= lo else np.clip((up - lo) / (hi - lo), 0, 1)
    return hot_lut_bgr8()[np.minimum((t * 256).astype(np.int64), 255)]


class AtlasTest(CliTest):
    def test_vgg19_atlas_tiles_equal_dumped_maps(self):
        out, layout = self.path("atlas.png"), self.path("atlas.json")
        p = self.run_cli("atlas", VTEST, "--frame", "7", "--tile", "16", "--out", out, "--layout", layout)
        self.assertIn("5504 conv channels in 16 layers", p.stderr)
        with open(layout) as f:
            L = json.load(f)
        img = read_png_bgr(out)
        self.assertEqual(img.shape[:2], (L["canvas"][1], L["canvas"][0]))
        self.assertEqual(L["tiles"], 5504)
        self.assertEqual(sum(b["channels"] for b in L["bands"]), 5504)
        self.assertEqual(len(L["bands"]), 16)
        g, lh = L["gutter"], L["label_height"]
        hot = hot_lut_bgr8()
        for name in ("block1_conv1", "block3_conv2", "block5_conv4"):
            band = next(b for b in L["bands"] if b["name"] == name)
            npy = self.path(name + ".npy")
            self.run_cli("dump", VTEST, "--frame", "7", "--layer", name, "--out", npy)
            act = np.load(npy)[0]
            self.assertEqual(list(act.shape), [band["channels"], *band["map"]])
            ch, cw = band["cell"]
            dh, dw = band["data"]
            self.assertEqual(max(ch, cw), 16)
            C = act.shape[0]
            for c in sorted({0, 1, band["columns"] - 1, min(band["columns"], C - 1), C // 2 + 3, C - 1}):
                # Placement: the documented rule, independently of the program's own rects.
                x = g + (c % band["columns"]) * (cw + g)
                y = band["top"] + lh + g + (c // band["columns"]) * (ch + g)
                got = img[y:y + ch, x:x + cw]
                plane = act[c]
                want = colour_tile(box_downsample(plane, dh, dw), float(plane.min()), float(plane.max()), ch, cw)
                exact = np.all(got == want, axis=2)
                # Float summation order may put a value at a LUT boundary one entry over.
                near = np.array([[np.any(np.all(np.abs(hot - got[i, j]) <= 1, axis=1)) for j in range(cw)] for i in range(ch)])
                self.assertGreaterEqual(exact.mean(), 0.98, f"{name} channel {c}")
                self.assertTrue(near.all(), f"{name} channel {c}: colours not in the LUT")
                # Off by at most one LUT entry where not exact.
                if not exact.all():
                    diff = np.abs(got.astype(int) - want.astype(int)).max()
                    self.assertLessEqual(diff, 12, f"{name} channel {c}")
            # The gutter right of the band's first tile is background, not a tile.
            self.assertTrue(np.all(img[band["top"] + lh + g + 1, g + cw] == img[band["top"] + lh + g + 1, g + cw][0]))

    def test_kinds_and_bad_input(self):
        out = self.path("pool.png")
        p = self.run_cli("atlas", VTEST, "--kind", "pool", "--tile", "8", "--out", out, "--layout", self.path("p.json"))
        with open(self.path("p.json")) as f:
            L = json.load(f)
        self.assertEqual([b["name"] for b in L["bands"]], [f"block{i}_pool" for i in range(1, 6)])
        self.assertIn("conv", self.run_cli("atlas", VTEST, "--kind", "relu", "--out", self.path("r.png"), expect=1).stderr)
        self.assert_clean_failure(self.run_cli("atlas", VTEST, "--tile", "0", "--out", self.path("t.png"), expect=1), "--tile")
        self.assert_clean_failure(self.run_cli("atlas", VTEST, "--kind", "dense", "--out", self.path("k.png"), expect=1), "dense")
        self.assert_clean_failure(self.run_cli("atlas", VTEST, "--out", self.path("a.jpg"), expect=1), ".png")
        self.assert_clean_failure(self.run_cli("atlas", VTEST, "--frame", "5000", "--out", self.path("f.png"), expect=1))
        for f in ("r.png", "t.png", "k.png", "a.jpg", "f.png"):
            self.assertFalse(os.path.exists(self.path(f)))


if __name__ == "__main__":
    unittest.main()
