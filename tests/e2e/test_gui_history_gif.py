"""Issue 14: the timeline's "GIF mark..here" writes the view the user sees for each kept frame
(its maps recomputed, drawn offscreen, captioned), not the bare input frames. Scripted under Xvfb
(--keys frame,...,mark,...,historygif,idle); each GIF frame's maps are checked against
`cnnscope dump --frame K` of that history frame, coloured in numpy."""
import glob
import json
import os
import subprocess
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, VTEST, CliTest, colour_with_matplotlib, run_group  # noqa: E402
from test_gui import shader_resize  # noqa: E402

LAYER, CHANNEL = "block1_conv1", 3


class GuiHistoryGifTest(CliTest):
    def view(self, keys, frames=3):
        stats = self.path("stats.json")
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", BIN, "view", VTEST, "--untrained", "--layer", LAYER,
               "--channel", str(CHANNEL), "--history-mb", "64", "--keys", keys, "--frames", str(frames), "--stats",
               stats, "--size", "1280x720"]
        p = run_group(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=400)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(stats) as f:
            return json.load(f)

    def maps_of(self, index):
        npy = self.path(f"act{index}.npy")
        self.run_cli("dump", VTEST, "--untrained", "--frame", str(index), "--layer", LAYER, "--out", npy)
        return np.load(npy)[0][CHANNEL]

    def test_gif_holds_the_maps_view_of_each_frame_of_the_range(self):
        # Six frames kept; step back to the second newest, mark it, step back three more, export.
        st = self.view("frame,frame,frame,frame,frame,frame,space,comma,comma,mark,comma,comma,comma,historygif,idle")
        h = st["history"]
        e = h["export"]
        self.assertIsNotNone(e, h)
        self.assertEqual(e["error"], "")
        self.assertEqual(h["position"], h["frames"] - 6)
        # The range is here..mark: the four kept frames from the one on screen to the marked one,
        # oldest first.
        self.assertEqual(e["frames"], 4)
        self.assertEqual(len(e["indices"]), 4)
        self.assertEqual(e["indices"][0], h["shown_index"])
        self.assertEqual(e["indices"], sorted(set(e["indices"])))
        gifs = glob.glob(self.path("cnnscope-history-*.gif"))
        self.assertEqual(len(gifs), 1, os.listdir(self.tmp))
        from PIL import Image
        with Image.open(gifs[0]) as im:
            self.assertEqual(im.n_frames, e["frames"])
            self.assertEqual(im.size[0], 640)  # the panel's recording size, caption strip under it
            self.assertGreater(im.size[1], 480)
            shots = []
            for i in range(im.n_frames):
                im.seek(i)
                shots.append(np.asarray(im.convert("RGB"))[:, :, ::-1].astype(np.float64))
        r = e["maps_rect"]
        refs = {k: shader_resize(colour_with_matplotlib(self.maps_of(k)), r["width"], r["height"]) for k in e["indices"]}
        for shot, k in zip(shots, e["indices"]):
            got = shot[r["y"]:r["y"] + r["height"], r["x"]:r["x"] + r["width"]]
            diffs = {j: np.abs(got - ref).mean() for j, ref in refs.items()}
            print(f"frame {k}: " + ", ".join(f"{j}: {d:.2f}" for j, d in diffs.items()), file=sys.stderr)
            # GIF frames carry a 256-colour palette: close, not exact.
            self.assertLess(diffs[k], 0.5, f"frame {k}: {diffs}")
            others = [d for j, d in diffs.items() if j != k]
            self.assertLess(diffs[k], min(others) - 0.5, f"frame {k} matches another frame's maps as well: {diffs}")
            # Not the bare input frame: the maps view (hot colormap: no blue where red is low).
            self.assertLess(np.mean(got[:, :, 0] > got[:, :, 2] + 30), 0.01)

    def test_key_names_with_values_are_checked(self):
        p = run_group(["xvfb-run", "-a", BIN, "view", VTEST, "--untrained", "--keys", "input=", "--frames", "2"],
                           env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=120)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("input=", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)


if __name__ == "__main__":
    unittest.main()
