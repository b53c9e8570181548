"""Issue 16: a style transfer's recording shows what the window shows: the transfer image beside
its maps (offscreen render), checked against `cnnscope transfer` (the same run, headless) and the
maps `cnnscope dump` computes from that image, coloured in numpy."""
import glob
import json
import os
import subprocess
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, CliTest, colour_with_matplotlib, read_png_bgr, run_group  # noqa: E402
from test_gui import shader_resize  # noqa: E402
from test_gui_unit import linear_resize  # noqa: E402

CONTENT = os.path.join(DATA, "fruits.jpg")
STYLE = os.path.join(DATA, "starry_night.jpg")
W, H, ITERS, LAYER, CHANNEL = 128, 96, 8, "block1_conv1", 5
REC = (640, 480)  # the panel's default recording size


def fit_aspect(x, y, w, h, aw, ah):
    """gfx::fitAspect: the largest aw:ah rectangle centred in (x, y, w, h)."""
    s = min(w / aw, h / ah)
    fw, fh = max(1, int(aw * s)), max(1, int(ah * s))
    return x + (w - fw) // 2, y + (h - fh) // 2, fw, fh


def titled_pane(x, w, h, aw, ah):
    """A pane of gfx/screen_layout: an 18 px title strip, then the aw:ah content top-aligned under it."""
    t = min(18, h // 3)
    fx, _, fw, fh = fit_aspect(x, t, w, h - t, aw, ah)
    return fx, t, fw, fh


def crop(img, r):
    x, y, w, h = r
    return img[y:y + h, x:x + w].astype(np.float64)


class GuiTransferRecordTest(CliTest):
    def test_recording_shows_the_transfer_image_and_its_maps(self):
        rec, shot, stats = self.path("rec"), self.path("shot.png"), self.path("stats.json")
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", BIN, "view", CONTENT, "--untrained", "--layer", LAYER,
               "--channel", str(CHANNEL), "--transfer", STYLE, "--transfer-iterations", str(ITERS), "--transfer-size",
               f"{W}x{H}", "--frames", "3", "--record", rec, "--screenshot", shot, "--stats", stats, "--size", "1280x720"]
        p = run_group(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=500)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(stats) as f:
            st = json.load(f)
        self.assertEqual(st["transfer"]["iterations"], ITERS)
        frames = sorted(glob.glob(os.path.join(rec, "*.png")))
        self.assertGreaterEqual(len(frames), 1)
        got = read_png_bgr(frames[-1])
        self.assertEqual(got.shape[1], REC[0])
        # The same run headless: its PNG is the image with a caption strip under it.
        ref = self.path("transfer.png")
        self.run_cli("transfer", CONTENT, "--style-image", STYLE, "--iterations", str(ITERS), "--size", f"{W}x{H}",
                     "--untrained", "--out", ref, "-q")
        image = read_png_bgr(ref)[:H]
        # Left half: the transfer image (not the content frame); right half: its maps.
        # (the unit column: half the width less an 8 px gap, 4 px under each slot; the maps pane beside it)
        left = titled_pane(0, REC[0] // 2 - 8, REC[1] - 4, W, H)
        shown = crop(got, left)
        want = linear_resize(image, left[2], left[3])  # the frame texture samples linearly
        content = read_png_bgr(CONTENT)
        content_small = linear_resize(content, left[2], left[3])
        d_img, d_content = np.abs(shown - want).mean(), np.abs(shown - content_small).mean()
        print(f"transfer image: {d_img:.2f}, content: {d_content:.2f}", file=sys.stderr)
        self.assertLess(d_img, 2.0, f"the recording's left half is not the transfer image ({d_img:.2f})")
        self.assertGreater(d_content, d_img + 5.0, f"the left half looks like the content frame ({d_content:.2f})")
        # Its maps: dump of the transfer image at the working size, coloured like the shader.
        npy = self.path("act.npy")
        self.run_cli("dump", self.save(image), "--untrained", "--layer",
                     LAYER, "--input-size", f"{W}x{H}", "--out", npy)
        plane = np.load(npy)[0][CHANNEL]
        right = titled_pane(REC[0] // 2, REC[0] - REC[0] // 2, REC[1], W, H)  # frame-shaped beside the image
        maps = crop(got, right)
        want_maps = shader_resize(colour_with_matplotlib(plane), right[2], right[3]).astype(np.float64)
        self.run_cli("dump", CONTENT, "--untrained", "--layer", LAYER, "--input-size", f"{W}x{H}", "--out", npy)
        content_maps = shader_resize(colour_with_matplotlib(np.load(npy)[0][CHANNEL]), right[2], right[3])
        d_maps, d_cmaps = np.abs(maps - want_maps).mean(), np.abs(maps - content_maps).mean()
        print(f"maps: {d_maps:.2f}, content's maps: {d_cmaps:.2f}", file=sys.stderr)
        self.assertLess(d_maps, 2.0, f"the recording's maps are not the transfer image's ({d_maps:.2f})")
        self.assertGreater(d_cmaps, d_maps + 4.0, f"the maps look like the content frame's ({d_cmaps:.2f})")

    def save(self, bgr):
        from PIL import Image
        path = self.path("image.png")
        Image.fromarray(bgr[:, :, ::-1].astype(np.uint8)).save(path)
        return path


if __name__ == "__main__":
    unittest.main()
