"""Two networks side by side in the window (issue 14), scripted runs under Xvfb on opencv-doc's
baboon.jpg: A | B | A - B with the untrained VGG19 as A and a Keras .h5 written here as B. The panes'
pixels are checked against numpy on activations from `cnnscope dump` of each model (A and B
through matplotlib's 'hot', A - B through RdBu_r with t = (d + M) / 2M, M = max |d| of the
channel); a Keras file against its ONNX export matches layers by position; a bad --model2 fails
with one line before any window opens."""
import json
import os
import subprocess
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, CliTest, colour_with_matplotlib, hot_lut_bgr8, read_png_bgr, run_group  # noqa: E402
from test_compare_models import rdbu_lut_bgr8, write_block1  # noqa: E402

LAYER, CHANNEL = "block1_conv2", 3
BABOON = os.path.join(DATA, "baboon.jpg")  # a still image: A and B see the same frame for good


def shader_resize(img, w, h):
    """Nearest sampling as the shader does it: pixel x samples texel floor((x + 0.5) * W / w)."""
    H, W = img.shape[:2]
    xs = np.minimum(((np.arange(w) + 0.5) * W / w).astype(np.int64), W - 1)
    ys = np.minimum(((np.arange(h) + 0.5) * H / h).astype(np.int64), H - 1)
    return img[ys][:, xs]


def rdbu(d, M):
    """A - B as the view colours it: t = (d + M) / 2M, matplotlib's int(t * 256) LUT index."""
    t = np.clip((d.astype(np.float64) + M) / (2 * M), 0, 1)
    return rdbu_lut_bgr8()[np.minimum((t * 256).astype(np.int64), 255)]


def crop(img, r):
    return img[r["y"]:r["y"] + r["height"], r["x"]:r["x"] + r["width"]]


def differing(a, b, tol=2):
    """Fraction of pixels where any colour channel differs by more than tol."""
    return float(np.mean(np.any(np.abs(a.astype(np.int16) - b.astype(np.int16)) > tol, axis=2)))


class GuiModel2Test(CliTest):
    def setUp(self):
        super().setUp()
        self.h5 = self.path("block1.h5")
        write_block1(self.h5, None)

    def view(self, *args, frames=3):
        shot, stats = self.path("shot.png"), self.path("stats.json")
        for f in (shot, stats):
            if os.path.exists(f):
                os.remove(f)
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", BIN, "view", BABOON, *args, "--frames", str(frames),
               "--screenshot", shot, "--stats", stats, "--size", "1280x720"]
        p = run_group(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(stats) as f:
            return read_png_bgr(shot), json.load(f)

    def dump(self, layer, *model):
        out = self.path(f"dump{len(os.listdir(self.tmp))}.npy")
        self.run_cli("dump", BABOON, "--layer", layer, "--out", out, *model)
        return np.load(out)[0]

    def test_single_channel_panes_against_numpy(self):
        shot, st = self.view("--untrained", "--model2", self.h5, "--layer", LAYER, "--channel", str(CHANNEL))
        m = st["model2"]
        self.assertTrue(m["loaded"] and m["shown"], m)
        self.assertEqual((m["layer_a"], m["layer_b"], m["matched_by"]), (LAYER, LAYER, "name"))
        self.assertEqual(m["frame_index"], 0)
        self.assertGreater(m["inference_ms"], 0)
        self.assertEqual(m["spec"], self.h5)
        a = self.dump(LAYER, "--untrained")[CHANNEL]
        b = self.dump(LAYER, "--model", self.h5)[CHANNEL]
        d = a - b
        M = float(np.abs(d).max())
        self.assertAlmostEqual(m["max_abs_diff"] / float(np.abs(self.dump(LAYER, "--untrained") - self.dump(LAYER, "--model", self.h5)).max()),
                               1.0, places=4)
        r = m["rects"]
        for pane in ("a", "b", "diff"):
            self.assertEqual((r[pane]["width"], r[pane]["height"]), (r["a"]["width"], r["a"]["height"]))
        self.assertEqual(r["a"], st["maps_rect"])  # hover and clicks follow A's pane
        w, h = r["diff"]["width"], r["diff"]["height"]
        # A - B: symmetric around 0 over the channel, RdBu_r.
        got = crop(shot, r["diff"])
        want = rdbu(shader_resize(d, w, h), M)
        self.assertLess(differing(got, want), 0.01, "the difference pane is not A - B on rdbu")
        zero = shader_resize(d, w, h) == 0  # both maps 0 there: the middle colour
        self.assertTrue(zero.any())
        self.assertTrue(np.all(np.abs(got[zero] - rdbu_lut_bgr8()[128]) <= 2))
        # The negated difference would not match: the test can tell A - B from B - A.
        self.assertGreater(differing(got, rdbu(shader_resize(-d, w, h), M)), 0.2)
        # A and B as the view colours them, each its own channel min-max on 'hot'.
        pa, pb = crop(shot, r["a"]), crop(shot, r["b"])
        self.assertLess(differing(pa, shader_resize(colour_with_matplotlib(a), w, h)), 0.01)
        self.assertLess(differing(pb, shader_resize(colour_with_matplotlib(b), w, h)), 0.01)
        # Where the models differ most, so do the A and B panes.
        strong = np.abs(shader_resize(d, w, h)) > 0.25 * M
        self.assertGreater(strong.sum(), 100)
        self.assertGreater(np.mean(np.any(np.abs(pa - pb) > 2, axis=2)[strong]), 0.9)

    def test_layer_normalisation_scales_the_difference_over_the_layer(self):
        shot, st = self.view("--untrained", "--model2", self.h5, "--layer", LAYER, "--channel", str(CHANNEL), "--normalize", "layer")
        a, b = self.dump(LAYER, "--untrained"), self.dump(LAYER, "--model", self.h5)
        r = st["model2"]["rects"]
        w, h = r["diff"]["width"], r["diff"]["height"]
        d = (a - b)[CHANNEL]
        M_layer, M_channel = float(np.abs(a - b).max()), float(np.abs(d).max())
        self.assertGreater(M_layer, 1.2 * M_channel)  # the two rules give different pictures here
        got = crop(shot, r["diff"])
        self.assertLess(differing(got, rdbu(shader_resize(d, w, h), M_layer)), 0.01)
        self.assertGreater(differing(got, rdbu(shader_resize(d, w, h), M_channel)), 0.2)
        # A and B: min-max over the whole layer of each.
        for pane, act in (("a", a), ("b", b)):
            lo, hi = float(act.min()), float(act.max())
            t = np.clip((shader_resize(act[CHANNEL], w, h) - lo) / (hi - lo), 0, 1)
            want = hot_lut_bgr8()[np.minimum((t * 256).astype(np.int64), 255)]
            self.assertLess(differing(crop(shot, r[pane]), want), 0.01, pane)

    def test_grid_and_recording_show_three_panes(self):
        rec = self.path("rec")
        shot, st = self.view("--untrained", "--model2", self.h5, "--layer", LAYER, "--grid", "--record", rec, frames=12)
        m, g = st["model2"], st["grid"]
        self.assertEqual(st["view"], "grid")
        a = self.dump(LAYER, "--untrained")
        b = self.dump(LAYER, "--model", self.h5)
        for c in (5, 42):  # tiles of the same channel in each pane: the grids sit at the same place in each
            ox = g["origin_x"] + g["gutter"] + (c % 8) * g["pitch_x"]
            oy = g["origin_y"] + g["gutter"] + g["label_height"] + (c // 8) * g["pitch_y"]
            tw, th = g["tile_width"], g["tile_height"]
            tile = lambda pane: shot[m["rects"][pane]["y"] + oy:m["rects"][pane]["y"] + oy + th,  # noqa: E731
                                     m["rects"][pane]["x"] + ox:m["rects"][pane]["x"] + ox + tw]
            d = a[c] - b[c]
            self.assertLess(differing(tile("diff"), rdbu(shader_resize(d, tw, th), float(np.abs(d).max()))), 0.01, f"channel {c}")
            self.assertLess(differing(tile("b"), shader_resize(colour_with_matplotlib(b[c]), tw, th)), 0.01, f"channel {c}")
        # The recording (offscreen render, 640x480 + caption) has the same three panes.
        frames = sorted(os.listdir(rec))
        self.assertGreaterEqual(len(frames), 1)  # recorded at 10 fps: how many depends on the UI's rate
        img = read_png_bgr(os.path.join(rec, frames[-1]))
        off = m["offscreen_rects"]
        self.assertEqual(off["diff"]["x"] + off["diff"]["width"] <= 640, True, off)

        def blue_share(pane):  # rdbu's negative half is blue; 'hot' has no blue-dominant colour
            p = crop(img, off[pane])
            return float(np.mean(p[:, :, 0].astype(int) > p[:, :, 2].astype(int) + 40))

        self.assertGreater(blue_share("diff"), 0.05)
        self.assertLess(blue_share("a"), 0.001)
        self.assertLess(blue_share("b"), 0.001)
        # Its labels are burnt in above the panes.
        label = crop(img, {"x": off["b"]["x"], "y": 0, "width": off["b"]["width"], "height": off["b"]["y"]})
        self.assertGreater(np.mean(label.sum(axis=2) > 500), 0.01)

    def test_keras_against_onnx_export_matched_by_position(self):
        onnx = self.path("block1.onnx")
        write_block1(self.path("same.h5"), onnx)
        _, st = self.view("--model", self.path("same.h5"), "--model2", onnx, "--layer", LAYER, "--channel", "0")
        m = st["model2"]
        self.assertEqual(m["matched_by"], "position")
        self.assertIn("conv layer 2", m["note"])
        self.assertNotEqual(m["layer_b"], LAYER)
        a = self.dump(LAYER, "--model", self.path("same.h5"))
        self.assertLess(m["max_abs_diff"], 1e-4 * float(np.abs(a).max()))  # the same weights: the same maps
        # The same untrained net twice: no difference at all, every pixel the middle colour.
        shot, st = self.view("--untrained", "--model2", "untrained", "--layer", "block1_conv1", "--channel", "2")
        self.assertEqual(st["model2"]["max_abs_diff"], 0)
        diff = crop(shot, st["model2"]["rects"]["diff"])
        self.assertTrue(np.all(np.abs(diff - rdbu_lut_bgr8()[128]) <= 2))

    def test_a_layer_b_cannot_match_is_said_and_the_window_goes_on(self):
        # block1.h5 has two conv layers: paging from block1_conv1 to block2_conv1 (A's third conv) leaves B without one.
        shot, st = self.view("--untrained", "--model2", self.h5, "--layer", "block1_conv1", "--channel", "0",
                             "--keys", "pagedown,pagedown,pagedown")
        self.assertEqual(st["layer"], "block2_conv1")
        m = st["model2"]
        self.assertIn("only 2 conv layers", m["error"])
        self.assertTrue(m["loaded"])
        # A's maps still show, in the first pane.
        a = self.dump("block2_conv1", "--untrained")[0]
        r = m["rects"]["a"]
        self.assertEqual(r, st["maps_rect"])
        self.assertLess(differing(crop(shot, r), shader_resize(colour_with_matplotlib(a), r["width"], r["height"])), 0.01)

    def test_bad_model2_fails_before_the_window_opens(self):
        env = dict(self.env)
        env.pop("DISPLAY", None)  # no display: a failure that got as far as the window would say so instead
        shot = self.path("never.png")
        for model2, needle in ((self.path("missing.onnx"), "--model2"), (self.h5, "only 2 conv layers")):
            p = subprocess.run([BIN, "view", BABOON, "--untrained", "--model2", model2, "--layer", "block2_conv1", "--frames", "2",
                                "--screenshot", shot], env=env, cwd=self.tmp, capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 1, p.stderr)
            errors = [l for l in p.stderr.splitlines() if l.startswith("cnnscope: error:")]
            self.assertEqual(len(errors), 1, p.stderr)
            self.assertIn("--model2", errors[0])
            self.assertIn(needle, errors[0])
            self.assertNotIn("DISPLAY", p.stderr)
            self.assertFalse(os.path.exists(shot))


if __name__ == "__main__":
    unittest.main()
