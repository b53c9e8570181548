"""The window's Transfer section under Xvfb: `view IMAGE --transfer STYLE` on opencv-doc images (untrained VGG19)."""
import json
import os
import subprocess
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, CliTest, read_png_bgr, run_group  # noqa: E402

CONTENT = os.path.join(DATA, "fruits.jpg")
STYLE = os.path.join(DATA, "starry_night.jpg")


def shader_resize(img, w, h):
    H, W = img.shape[:2]
    xs = np.minimum(((np.arange(w) + 0.5) * W / w).astype(np.int64), W - 1)
    ys = np.minimum(((np.arange(h) + 0.5) * H / h).astype(np.int64), H - 1)
    return img[ys][:, xs]


class GuiTransferTest(CliTest):
    def view(self, *args, frames=5):
        shot, stats = self.path("shot.png"), self.path("stats.json")
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", BIN, "view", *args, "--frames", str(frames),
               "--screenshot", shot, "--stats", stats, "--size", "1280x720"]
        p = run_group(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=500)
        return p, shot, stats

    def test_loss_falls_and_the_image_changes_live(self):
        iters = 8
        p, shot, stats = self.view(CONTENT, "--untrained", "--layer", "block1_conv1", "--transfer", STYLE,
                                   "--transfer-iterations", str(iters), "--transfer-size", "128x96")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(stats) as f:
            st = json.load(f)
        t = st["transfer"]
        self.assertTrue(st["untrained"])
        self.assertEqual(t["error"], "")
        self.assertEqual(t["iterations"], iters)
        self.assertEqual(len(t["losses"]), iters)
        self.assertEqual(t["size"], [128, 96])
        self.assertLess(t["losses"][-1], 0.8 * t["losses"][0])   # the loss falls over the iterations
        self.assertTrue(all(b < a for a, b in zip(t["losses"], t["losses"][1:])), t["losses"])
        self.assertEqual(len(t["gram_distance"]), 5)
        self.assertGreater(t["forward_ms"], 0)
        self.assertGreater(t["backward_ms"], 0)
        # The UI kept drawing while the worker stepped: more frames a second than iterations.
        self.assertGreater(t["ui_fps"], t["iterations_per_second"])
        self.assertEqual(st["layer"], "block1_conv1")
        # The transfer image on screen differs from the content frame drawn the same way.
        r = t["frame_rect"]
        img = read_png_bgr(shot)
        region = img[r["y"]:r["y"] + r["height"], r["x"]:r["x"] + r["width"]].astype(np.float64)
        import PIL.Image
        content = np.asarray(PIL.Image.open(CONTENT).convert("RGB"))[:, :, ::-1]
        content = np.asarray(PIL.Image.fromarray(content[:, :, ::-1]).resize((128, 96), PIL.Image.BILINEAR))[:, :, ::-1]
        ref = shader_resize(content, r["width"], r["height"]).astype(np.float64)
        diff = np.mean(np.abs(region - ref))
        self.assertGreater(diff, 3.0, "the transfer image looks like the content frame")
        self.assertLess(diff, 80.0, "the region is not the image at all")

    def test_bad_style_image_is_one_error_line(self):
        p, shot, stats = self.view(CONTENT, "--untrained", "--transfer", self.path("missing.png"))
        self.assertNotEqual(p.returncode, 0)
        lines = [l for l in p.stderr.splitlines() if l.startswith("cnnscope: error:")]
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn("--transfer", lines[0])
        self.assertFalse(os.path.exists(shot))
        self.assertFalse(os.path.exists(stats))


if __name__ == "__main__":
    unittest.main()
