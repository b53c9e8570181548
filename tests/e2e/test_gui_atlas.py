"""End-to-end tests of the window's atlas view under Xvfb: the shader's atlas on screen against
`cnnscope atlas` (the CPU twin) and against dumped activations box-downsampled in numpy."""
import json
import os
import subprocess
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, VTEST, CliTest, colour_with_matplotlib, read_png_bgr, run_group  # noqa: E402
from test_atlas import box_downsample, colour_tile  # noqa: E402
from test_gui import shader_resize  # noqa: E402


class GuiAtlasTest(CliTest):
    def view(self, *args, frames=5):
        shot, stats = self.path("shot.png"), self.path("stats.json")
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", BIN, "view", *args, "--frames", str(frames),
               "--screenshot", shot, "--stats", stats, "--size", "1280x720"]
        p = run_group(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(stats) as f:
            return read_png_bgr(shot), json.load(f)

    def screen_to_canvas(self, a):
        """Canvas point of every pixel of the atlas rect, the shader's rule: floor(offset + (p + 0.5) / zoom)."""
        r = a["rect"]
        xs = np.floor(a["offset"][0] + (np.arange(r["width"]) + 0.5) / a["zoom"]).astype(np.int64)
        ys = np.floor(a["offset"][1] + (np.arange(r["height"]) + 0.5) / a["zoom"]).astype(np.int64)
        return xs, ys

    def test_atlas_on_screen_matches_the_cpu_atlas_and_dumped_maps(self):
        # Paused once the stream runs (space), then idle: the atlas on screen is of frame K.
        shot, st = self.view(VTEST, "--untrained", "--atlas", "--keys", "space,idle")
        a = st["atlas"]
        K = a["frame_index"]
        ref_png, layout_json = self.path("atlas.png"), self.path("atlas.json")
        self.run_cli("atlas", VTEST, "--untrained", "--frame", str(K), "--out", ref_png, "--layout", layout_json)
        ref = read_png_bgr(ref_png)
        with open(layout_json) as f:
            L = json.load(f)
        self.assertTrue(a["shown"])
        self.assertEqual(a["tiles"], 5504)
        self.assertEqual(a["canvas"], L["canvas"])
        self.assertGreaterEqual(a["frames"], 1)
        r = a["rect"]
        xs, ys = self.screen_to_canvas(a)
        view = shot[r["y"]:r["y"] + r["height"], r["x"]:r["x"] + r["width"]]
        # Where the view shows a tile, the shader's colour is the CPU twin's (the label text aside).
        g, lh = L["gutter"], L["label_height"]
        owner = -np.ones((L["canvas"][1], L["canvas"][0]), np.int64)  # canvas pixel -> band index
        for i, b in enumerate(L["bands"]):
            ch, cw = b["cell"]
            for c in range(b["channels"]):
                x = g + (c % b["columns"]) * (cw + g)
                y = b["top"] + lh + g + (c // b["columns"]) * (ch + g)
                owner[y:y + ch, x:x + cw] = i
        inside = (xs[None, :] < L["canvas"][0]) & (ys[:, None] < L["canvas"][1])
        cx, cy = np.minimum(xs, L["canvas"][0] - 1), np.minimum(ys, L["canvas"][1] - 1)
        tiles = inside & (owner[cy[:, None], cx[None, :]] >= 0)
        self.assertGreater(tiles.mean(), 0.5)
        want = ref[cy[:, None], cx[None, :]]
        close = np.all(np.abs(view - want) <= 2, axis=2)
        self.assertGreaterEqual(close[tiles].mean(), 0.99)
        # Independently: two visible bands against dumped activations, downsampled and coloured in numpy.
        checked = 0
        for b in L["bands"]:
            ch, cw = b["cell"]
            dh, dw = b["data"]
            last_row_y = b["top"] + lh + g + (b["rows"] - 1) * (ch + g) + ch
            if last_row_y > ys[-1] or checked == 2:
                continue
            npy = self.path(b["name"] + ".npy")
            self.run_cli("dump", VTEST, "--untrained", "--frame", str(K), "--layer", b["name"], "--out", npy)
            act = np.load(npy)[0]
            for c in (1, b["channels"] // 2 + 3, b["channels"] - 1):
                x0 = g + (c % b["columns"]) * (cw + g)
                y0 = b["top"] + lh + g + (c // b["columns"]) * (ch + g)
                plane = act[c]
                cell = colour_tile(box_downsample(plane, dh, dw), float(plane.min()), float(plane.max()), ch, cw)
                sel_x = np.nonzero((xs >= x0) & (xs < x0 + cw))[0]
                sel_y = np.nonzero((ys >= y0) & (ys < y0 + ch))[0]
                self.assertGreater(len(sel_x) * len(sel_y), 0)
                got = view[sel_y][:, sel_x]
                exp = cell[(ys[sel_y] - y0)[:, None], (xs[sel_x] - x0)[None, :]]
                ok = np.all(np.abs(got - exp) <= 2, axis=2).mean()
                self.assertGreaterEqual(ok, 0.97, f"{b['name']} channel {c}")
            checked += 1
        self.assertEqual(checked, 2)

    def test_key_a_opens_the_atlas_and_the_stats_say_its_cost(self):
        _, st = self.view(VTEST, "--untrained", "--keys", "a", frames=3)
        a = st["atlas"]
        self.assertTrue(a["shown"])
        self.assertGreater(a["ms"]["p50"], 0)
        self.assertEqual(a["upload_bytes"], a["packed"][0] * a["packed"][1] * 4 + a["tiles"] * 8)
        _, st = self.view(VTEST, "--untrained", "--keys", "a,a", frames=3)
        self.assertFalse(st["atlas"]["shown"])

    def test_history_step_back_shows_the_decoders_frame(self):
        # Five new frames into the history, then two steps back: the maps on screen are of the
        # kept frame K, compared with `dump --frame K` (the decoder's frame K) coloured in numpy.
        shot, st = self.view(VTEST, "--untrained", "--layer", "block1_conv1", "--channel", "3", "--history-mb", "64",
                             "--keys", "frame,frame,frame,frame,frame,comma,comma", frames=3)
        h = st["history"]
        self.assertGreaterEqual(h["frames"], 5)
        self.assertEqual(h["budget"], 64 << 20)
        self.assertEqual(h["position"], h["frames"] - 3)
        K = h["shown_index"]
        self.assertGreaterEqual(K, 0)
        self.assertLess(K, h["last_index"])
        npy = self.path("k.npy")
        self.run_cli("dump", VTEST, "--untrained", "--frame", str(K), "--layer", "block1_conv1", "--out", npy)
        plane = np.load(npy)[0][3]
        r = st["maps_rect"]
        got = shot[r["y"]:r["y"] + r["height"], r["x"]:r["x"] + r["width"]]
        want = shader_resize(colour_with_matplotlib(plane), r["width"], r["height"])
        close = np.all(np.abs(got - want) <= 2, axis=2).mean()
        self.assertGreaterEqual(close, 0.98)
        # A neighbouring frame's map is not what is shown (the test can tell frames apart).
        self.run_cli("dump", VTEST, "--untrained", "--frame", str(K + 2), "--layer", "block1_conv1", "--out", npy)
        other = shader_resize(colour_with_matplotlib(np.load(npy)[0][3]), r["width"], r["height"])
        self.assertLess(np.all(np.abs(got - other) <= 2, axis=2).mean(), close - 0.05)


if __name__ == "__main__":
    unittest.main()
