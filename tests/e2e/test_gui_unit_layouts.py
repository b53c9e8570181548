"""Issue 13's gaps, scripted under Xvfb: the back-projection view in the compare layout (of the
stylised frame, the one whose maps, hover and clicks the compare view follows) and in the overlay
layout, on screen and in offscreen screenshots; and the back-projection following the panel's
model and input size (--keys input=WxH, model=FILE) instead of the copy it loaded first. Each is
checked against `cnnscope backprop --out F.png` of the same image and settings."""
import glob
import json
import os
import subprocess
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import backward_ref as ref  # noqa: E402
import style_nets  # noqa: E402
from helpers import BIN, DATA, CliTest, read_png_bgr, run_group  # noqa: E402
from test_gui_unit import linear_resize  # noqa: E402

BABOON = os.path.join(DATA, "baboon.jpg")
GRAF = os.path.join(DATA, "graf1.png")
LAYER, CHANNEL = "block2_conv2", 3


class GuiUnitLayoutsTest(CliTest):
    def view(self, source, *args, frames=5, layer=LAYER):
        shot, stats = self.path("shot.png"), self.path("stats.json")
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", BIN, "view", source, "--layer", layer, "--channel",
               str(CHANNEL), *args, "--frames", str(frames), "--screenshot", shot, "--stats", stats, "--size", "1280x720"]
        p = run_group(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=400)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(stats) as f:
            return read_png_bgr(shot), json.load(f)

    def backprop_png(self, source, *args, mode="guided", layer=LAYER):
        out = self.path(f"bp{len(os.listdir(self.tmp))}.png")
        self.run_cli("backprop", source, "--layer", layer, "--channel", str(CHANNEL), "--mode", mode, "--out", out, "-q",
                     *args)
        return read_png_bgr(out)

    def region_diffs(self, shot, r, refs):
        self.assertGreater(r["width"], 50, r)
        shown = shot[r["y"]:r["y"] + r["height"], r["x"]:r["x"] + r["width"]].astype(np.float64)
        return {name: np.mean(np.abs(shown - linear_resize(img, r["width"], r["height"]))) for name, img in refs.items()}

    def assert_best(self, diffs, name, limit=1.5):
        self.assertLess(diffs[name], limit, diffs)
        for other, d in diffs.items():
            if other != name:
                self.assertGreater(d, 2 * diffs[name] + 0.5, f"{other} matches as well: {diffs}")

    def test_compare_layout_shows_the_stylised_frames_back_projection(self):
        net = self.path("net.t7")
        style_nets.write_t7(net, style_nets.test_weights())
        styled = self.path("styled.png")
        self.run_cli("stylize", GRAF, "--style", net, "--out", styled)
        refs = {"stylised": self.backprop_png(styled, "--untrained"), "original": self.backprop_png(GRAF, "--untrained")}
        # 'idle' waits for the back-projection; then 's' saves the offscreen screenshot.
        shot, st = self.view(GRAF, "--untrained", "--style", net, "--compare", "--backprop", "guided", "--keys", "idle,s")
        self.assertTrue(st["compare"])
        u = st["unit"]
        self.assert_best(self.region_diffs(shot, u["backprop_rect"], refs), "stylised")
        # Left of both compare columns.
        self.assertLess(u["backprop_rect"]["x"] + u["backprop_rect"]["width"], st["compare_rects"][0]["frame"]["x"])
        files = glob.glob(self.path("cnnscope-2*.png"))
        self.assertEqual(len(files), 1, os.listdir(self.tmp))
        self.assert_best(self.region_diffs(read_png_bgr(files[0]), u["backprop_rect_offscreen"], refs), "stylised")

    def test_overlay_layout_shows_the_back_projection(self):
        refs = {"guided": self.backprop_png(BABOON, "--untrained"), "grad": self.backprop_png(BABOON, "--untrained", mode="grad")}
        shot, st = self.view(BABOON, "--untrained", "--backprop", "guided", "--keys", "o,idle")
        self.assertEqual(st["view"], "overlay")
        self.assert_best(self.region_diffs(shot, st["unit"]["backprop_rect"], refs), "guided")

    def test_back_projection_follows_the_panels_input_size(self):
        refs = {"224": self.backprop_png(BABOON, "--untrained"),
                "320x240": self.backprop_png(BABOON, "--untrained", "--input-size", "320x240")}
        shot, st = self.view(BABOON, "--untrained", "--backprop", "guided", "--keys", "input=320x240,idle")
        u = st["unit"]
        self.assertEqual(u["backprop_input"], [320, 240])
        self.assertEqual(u["backprop_generation"], u["generation"])
        self.assertGreaterEqual(u["generation"], 1)
        self.assert_best(self.region_diffs(shot, u["backprop_rect"], refs), "320x240")

    def test_back_projection_follows_the_panels_model(self):
        rng = np.random.default_rng(7)
        layers = ref.vgg_layers([("block1_conv1", 3, 4), ("block1_conv2", 4, 5), ("block1_pool",), ("block2_conv1", 5, 6),
                                 ("block2_conv2", 6, 5)], rng)
        model = self.path("small.h5")
        ref.write_keras_h5(model, layers)
        refs = {"small": self.backprop_png(BABOON, "--model", model), "vgg19": self.backprop_png(BABOON, "--untrained")}
        shot, st = self.view(BABOON, "--untrained", "--backprop", "guided", "--keys", f"model={model},idle")
        self.assertFalse(st["untrained"])
        self.assertEqual(st["channels"], 5)
        self.assert_best(self.region_diffs(shot, st["unit"]["backprop_rect"], refs), "small")

    def test_back_projection_follows_the_scrubbed_history_frame(self):
        # Issue 14: every view shows the kept frame while scrubbing, the back-projection included.
        vtest = os.path.join(DATA, "vtest.avi")
        shot, st = self.view(vtest, "--untrained", "--backprop", "guided", "--history-mb", "64", "--keys",
                             "frame,frame,frame,frame,frame,comma,comma,comma,idle", layer="block1_conv1")
        h, u = st["history"], st["unit"]
        K = h["shown_index"]
        self.assertEqual(h["position"], h["frames"] - 4)
        self.assertEqual(u["backprop_frame_id"], u["shown_frame_id"])
        refs = {k: self.backprop_png(vtest, "--untrained", "--frame", str(k), layer="block1_conv1")
                for k in (K, h["last_index"])}
        diffs = self.region_diffs(shot, u["backprop_rect"], refs)
        print(f"history frame {K}: {diffs}", file=sys.stderr)
        # Neighbouring vtest frames differ only where people walk: a closer bound than assert_best.
        self.assertLess(diffs[K], 0.5, diffs)
        self.assertGreater(diffs[h["last_index"]], 3 * diffs[K], diffs)


if __name__ == "__main__":
    unittest.main()
