"""Window defects a hostile review found, each checked end to end on the real binary under Xvfb:
the second model after an input-size change, captions while scrubbing the history, the scripted
'idle' waiting for a scrubbed frame, and --model2's own error messages."""
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, VTEST, CliTest, run_group  # noqa: E402

BABOON = os.path.join(DATA, "baboon.jpg")


class GuiReviewTest(CliTest):
    def view(self, *args, frames=5, expect=0):
        stats = self.path("stats.json")
        if os.path.exists(stats):
            os.remove(stats)
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", BIN, "view", *args, "--frames", str(frames), "--stats", stats,
               "--size", "1280x720"]
        p = run_group(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, expect, p.stderr)
        if expect != 0:
            return p
        with open(stats) as f:
            return json.load(f)

    def test_second_model_follows_an_input_size_change_on_a_still_image(self):
        st = self.view(BABOON, "--untrained", "--model2", "untrained", "--layer", "block1_conv2", "--channel", "3", "--keys",
                       "input=320x240,idle", frames=5)
        m2 = st["model2"]
        self.assertFalse(m2["error"], m2)
        self.assertEqual(m2["max_abs_diff"], 0.0)  # B is the same network at A's new size: A - B is zero
        for pane in ("a", "b", "diff"):  # every pane at A's new 4:3 shape
            r = m2["rects"][pane]
            self.assertAlmostEqual(r["width"] / r["height"], 320 / 240, delta=0.02)

    def test_second_model_with_other_channels_says_why_its_pane_is_empty(self):
        import h5py
        import numpy as np
        path = self.path("fewch.h5")  # Keras layout; B's block1_conv2 has 5 channels, A's 64
        rng = np.random.default_rng(1)
        with h5py.File(path, "w") as f:
            f.attrs["layer_names"] = np.array([b"input_1", b"block1_conv1", b"block1_conv2"])
            f.create_group("input_1").attrs["weight_names"] = np.array([], dtype=np.float64)
            for name, cin, cout in (("block1_conv1", 3, 64), ("block1_conv2", 64, 5)):
                g = f.create_group(name)
                g.attrs["weight_names"] = np.array([f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()])
                g[f"{name}/kernel:0"] = rng.normal(0, np.sqrt(2 / (9 * cin)), (3, 3, cin, cout)).astype(np.float32)
                g[f"{name}/bias:0"] = rng.uniform(-0.1, 0.1, cout).astype(np.float32)
        st = self.view(BABOON, "--untrained", "--model2", path, "--layer", "block1_conv2", "--channel", "10", frames=5)
        m2 = st["model2"]
        self.assertIn("differ in shape", m2["error"])
        self.assertEqual(m2["label_b"], m2["error"])  # B's pane says so, not "matched by name"
        st = self.view(BABOON, "--untrained", "--model2", "untrained", "--layer", "block1_conv2", frames=5)
        self.assertEqual(st["model2"]["label_b"], "block1_conv2 matched by name")

    def test_a_scripted_transfer_is_recorded_while_it_runs(self):
        from PIL import Image
        import numpy as np
        gif = self.path("transfer.gif")
        self.view(os.path.join(DATA, "fruits.jpg"), "--untrained", "--transfer", os.path.join(DATA, "starry_night.jpg"),
                  "--transfer-size", "160x120", "--transfer-iterations", "5", "--record", gif, frames=3)
        with Image.open(gif) as im:
            frames = []
            for i in range(im.n_frames):
                im.seek(i)
                frames.append(np.asarray(im.convert("RGB")).astype(np.float64))
        self.assertGreater(len(frames), 3)
        # Earlier frames show the image on its way, not only the result (which the last frames show).
        self.assertGreater(max(np.abs(f - frames[-1]).mean() for f in frames[:-3]), 1.0)

    def test_captions_while_scrubbing_name_the_frame_shown(self):
        st = self.view(VTEST, "--untrained", "--layer", "block1_conv1", "--channel", "3", "--keys",
                       "frame,frame,frame,frame,frame,frame,comma,comma,comma,idle", frames=3)
        shown = st["history"]["shown_index"]
        self.assertGreaterEqual(shown, 0, st["history"])
        self.assertLess(shown, st["history"]["last_index"])
        m = re.search(r"\| frame (\d+) \(([\d.]+) s\)$", st["caption"])
        self.assertIsNotNone(m, st["caption"])
        self.assertEqual(int(m.group(1)), shown)  # the kept frame on screen, not the live one
        self.assertAlmostEqual(float(m.group(2)), shown / 10.0, places=2)  # vtest.avi runs at 10 fps

    def test_model2_errors_name_model2(self):
        p = self.view(BABOON, "--untrained", "--model2", self.path("missing.h5"), expect=1)
        self.assertIn("--model2", p.stderr)
        self.assertNotIn("(--model)", p.stderr)
        p = subprocess.run([BIN, "view", BABOON, "--untrained", "--model2", ""], env=self.env, cwd=self.tmp, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--model2", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
