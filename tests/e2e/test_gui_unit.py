"""Understanding one unit in the window (issue 13), scripted runs under Xvfb: the back-projection
view against `cnnscope backprop --out F.png` of the same still image, and the receptive-field
outline of a hovered map pixel against the field traced independently here."""
import json
import os
import subprocess
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, CliTest, read_png_bgr, run_group  # noqa: E402

BABOON = os.path.join(DATA, "baboon.jpg")
LAYER, CHANNEL = "block2_conv2", 3
# VGG19 up to block2_conv2: (kind) per layer; conv 3x3 stride 1 pad 1, pool 2x2 stride 2.
STACK = ["conv", "conv", "pool", "conv", "conv"]




def linear_resize(img, w, h):
    """GL_LINEAR sampling without mipmaps (the frame texture): pixel x samples (x + 0.5) * W / w
    between the two nearest texel centres."""
    H, W = img.shape[:2]
    img = img.astype(np.float64)

    def axis(n_out, n_in):
        u = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        i0 = np.floor(u).astype(np.int64)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, u - i0

    x0, x1, fx = axis(w, W)
    y0, y1, fy = axis(h, H)
    rows = img[y0] * (1 - fy)[:, None, None] + img[y1] * fy[:, None, None]
    return rows[:, x0] * (1 - fx)[None, :, None] + rows[:, x1] * fx[None, :, None]


def field_1d(p, n_in, frame_n):
    """Rows of the frame that map position p depends on: traced back through STACK, clipped at
    every layer to its input, then blob pixel u -> frame [u * F / N, (u + 1) * F / N)."""
    sizes = [n_in]
    for kind in STACK:
        sizes.append(sizes[-1] // 2 if kind == "pool" else sizes[-1])
    a, b = p, p
    for i in reversed(range(len(STACK))):
        if STACK[i] == "pool":
            a, b = 2 * a, 2 * b + 1
        else:
            a, b = a - 1, b + 1
        a, b = max(a, 0), min(b, sizes[i] - 1)
    lo = int(np.floor(a * frame_n / n_in))
    hi = int(np.ceil((b + 1) * frame_n / n_in))
    return lo, min(hi, frame_n)


class GuiUnitTest(CliTest):
    def view(self, *args, frames=5):
        shot, stats = self.path("shot.png"), self.path("stats.json")
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", BIN, "view", BABOON, "--untrained", "--layer", LAYER,
               "--channel", str(CHANNEL), *args, "--frames", str(frames), "--screenshot", shot, "--stats", stats,
               "--size", "1280x720"]
        p = run_group(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(stats) as f:
            return read_png_bgr(shot), json.load(f)

    def backprop_png(self, mode):
        out = self.path(f"{mode}.png")
        self.run_cli("backprop", BABOON, "--untrained", "--layer", LAYER, "--channel", str(CHANNEL), "--mode", mode,
                     "--out", out)
        return read_png_bgr(out)

    def test_backprop_view_matches_the_headless_command(self):
        refs = {m: self.backprop_png(m) for m in ("guided", "grad")}
        for mode in ("guided", "grad"):
            shot, st = self.view("--backprop", mode)
            u = st["unit"]
            self.assertEqual(u["backprop"], mode)
            self.assertEqual(u["backprop_frame_id"], u["shown_frame_id"])
            r = u["backprop_rect"]
            self.assertGreater(r["width"], 100)
            shown = shot[r["y"]:r["y"] + r["height"], r["x"]:r["x"] + r["width"]]
            diffs = {m: np.mean(np.abs(shown - linear_resize(ref, r["width"], r["height"]))) for m, ref in refs.items()}
            self.assertLess(diffs[mode], 1.0, f"{mode}: mean difference {diffs}")
            other = "grad" if mode == "guided" else "guided"
            self.assertGreater(diffs[other], 2 * diffs[mode] + 0.5, f"{mode}: the other mode matches as well: {diffs}")

    def test_hover_outlines_the_receptive_field(self):
        shot0, st0 = self.view("--input")
        m = st0["maps_rect"]
        hx, hy = m["x"] + m["width"] * 2 // 5, m["y"] + m["height"] // 3
        shot, st = self.view("--input", "--hover", f"{hx},{hy}")
        u = st["unit"]
        H = W = 112  # block2_conv2 at 224x224
        tx = min(W - 1, int((hx - m["x"] + 0.5) * W / m["width"]))
        ty = min(H - 1, int((hy - m["y"] + 0.5) * H / m["height"]))
        self.assertEqual((u["hover"]["channel"], u["hover"]["x"], u["hover"]["y"]), (CHANNEL, tx, ty))
        x0, x1 = field_1d(tx, 224, 512)
        y0, y1 = field_1d(ty, 224, 512)
        self.assertEqual(u["hover"]["field"], [x0, y0, x1 - x0, y1 - y0])
        # The outline on screen: cyan (BGR 255, 255, 0) just outside the field's edges.
        f = u["frame_rect"]
        sx = lambda x: f["x"] + x * f["width"] / 512  # noqa: E731
        sy = lambda y: f["y"] + y * f["height"] / 512  # noqa: E731
        cyan = np.all(np.abs(shot - np.array([255, 255, 0])) < 40, axis=2)
        before = np.all(np.abs(shot0 - np.array([255, 255, 0])) < 40, axis=2)
        mid_y, mid_x = int((sy(y0) + sy(y1)) / 2), int((sx(x0) + sx(x1)) / 2)
        for name, edge, line in (("left", sx(x0), cyan[mid_y]), ("right", sx(x1), cyan[mid_y]),
                                 ("top", sy(y0), cyan[:, mid_x]), ("bottom", sy(y1), cyan[:, mid_x])):
            near = line[int(edge) - 3:int(edge) + 4]
            self.assertTrue(near.any(), f"no outline at the {name} edge ({edge:.1f})")
        self.assertGreater(cyan.sum(), before.sum() + 4 * 20, "the outline adds cyan pixels")
        inside = cyan[int(sy(y0)) + 4:int(sy(y1)) - 3, int(sx(x0)) + 4:int(sx(x1)) - 3]
        self.assertLess(inside.mean(), 0.05, "the outline is a frame, not a filled box")
        # The strongest position: the channel's argmax (first on ties) of the dumped activation.
        out = self.path("act.npy")
        self.run_cli("dump", BABOON, "--layer", LAYER, "--out", out, "--untrained")
        act = np.load(out)[0, CHANNEL]
        py, px = np.unravel_index(np.argmax(act), act.shape)
        self.assertEqual(u["hover"]["peak"], [int(px), int(py)])

    def test_top9_sheet_matches_the_headless_command(self):
        out = self.path("topk")
        # The window's sheet has the short caption (its title strip); `full`, topk's default, adds
        # a strip below naming the model.
        self.run_cli("topk", BABOON, "--untrained", "--layer", LAYER, "--out", out, "--caption", "short")
        ref = read_png_bgr(os.path.join(out, f"channel_{CHANNEL:04d}.png"))
        shot, st = self.view("--topk")
        u = st["unit"]
        self.assertGreaterEqual(u["topk_fed"], 1)
        r = u["topk_rect"]
        self.assertAlmostEqual(r["width"] / r["height"], ref.shape[1] / ref.shape[0], delta=0.02)
        shown = shot[r["y"]:r["y"] + r["height"], r["x"]:r["x"] + r["width"]].astype(np.float64)
        want = linear_resize(ref, r["width"], r["height"])
        skip = int(np.ceil(22 * r["height"] / ref.shape[0])) + 1  # the title strip names the run, not the patches
        diff = np.mean(np.abs(shown[skip:] - want[skip:]))
        self.assertLess(diff, 2.0, f"the sheet differs from the command's by {diff:.2f} on average")
        # Another channel's sheet would not match.
        other = linear_resize(read_png_bgr(os.path.join(out, f"channel_{CHANNEL + 1:04d}.png")), r["width"], r["height"])
        self.assertGreater(np.mean(np.abs(shown[skip:] - other[skip:])), diff + 1.0)

    def test_bad_options(self):
        for args, word in ((["--backprop", "sideways"], "--backprop"), (["--hover", "12"], "--hover")):
            p = run_group(["xvfb-run", "-a", BIN, "view", BABOON, "--untrained", *args, "--frames", "2"],
                               env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=120)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn(word, p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)


if __name__ == "__main__":
    unittest.main()
