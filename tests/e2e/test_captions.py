"""`--caption none|short|full` on atlas, backprop, compare, compare-models and stylize, one
behaviour for all: none is the bare picture (atlas, backprop and stylize: pixel for pixel what they
wrote before; compare and compare-models: the figure without its caption strip, the panels and
their titles intact), short adds a strip below without changing a pixel above it, full adds a
second strip below short's; the default is what each wrote before; a .npy refuses a caption.
And `record --colorbar` on a grid: with per-channel normalisation the bar says so in words (its
labels the same in every frame, where channel 0's numbers changed), with --normalize layer it
gives the layer's numbers."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from helpers import DATA, VTEST, CliTest, read_png_bgr  # noqa: E402
import style_nets  # noqa: E402

BABOON = os.path.join(DATA, "baboon.jpg")
FAST = ["--untrained", "--input-size", "48x48"]


class CaptionTest(CliTest):
    def outputs(self, name, args, default):
        """The command's PNG with each --caption and without one."""
        got = {}
        for cap in ("none", "short", "full", None):
            out = self.path(f"{name}_{cap}.png")
            self.run_cli(*args, "--out", out, "-q", *(["--caption", cap] if cap else []))
            got[cap] = read_png_bgr(out)
        n, s, f = got["none"], got["short"], got["full"]
        self.assertEqual(n.shape[1], s.shape[1], name)
        self.assertEqual(s.shape[1], f.shape[1], name)
        self.assertLess(n.shape[0], s.shape[0], name)  # short adds a strip
        self.assertLess(s.shape[0], f.shape[0], name)  # full one more
        self.assertTrue((s[:n.shape[0]] == n).all(), name)  # ... below, the picture untouched
        self.assertTrue((f[:s.shape[0]] == s).all(), name)
        self.assertTrue((got[None] == got[default]).all(), f"{name}: the default is --caption {default}")
        return got

    def test_backprop(self):
        got = self.outputs("backprop", ["backprop", BABOON, *FAST, "--layer", "block2_conv1", "--channel", "3"], "none")
        h, w = got["none"].shape[:2]
        self.assertEqual((w, h), (512, 512))  # the bare back-projection at the frame's size
        p = self.run_cli("backprop", BABOON, *FAST, "--layer", "block2_conv1", "--out", self.path("g.npy"), "--caption", "short",
                         expect=1)
        self.assert_clean_failure(p, "--caption")
        self.assertFalse(os.path.exists(self.path("g.npy")))

    def test_atlas(self):
        self.outputs("atlas", ["atlas", BABOON, *FAST, "--tile-size", "8"], "none")

    def test_compare_models(self):
        self.outputs("cm", ["compare-models", BABOON, *FAST, "--model2", "untrained", "--layer", "block1_conv2", "--tiles", "2"],
                     "short")

    def test_compare_and_stylize(self):
        t7 = self.path("net.t7")
        style_nets.write_t7(t7, style_nets.test_weights())
        self.outputs("compare", ["compare", BABOON, *FAST, "--style", t7, "--layer", "block1_conv2", "--tiles", "2"], "short")
        got = self.outputs("stylize", ["stylize", BABOON, "--style", t7], "none")
        self.assertEqual(got["none"].shape[:2], (512, 512))

    def test_record_colorbar_on_a_grid_tells_the_truth(self):
        def strips(norm):
            out = self.path(f"rec_{norm}")
            self.run_cli("record", VTEST, *FAST, "--layer", "block1_conv1", "--grid", "--tiles", "2", "--frames", "4", "--size",
                         "160x120", "--caption", "none", "--colorbar", "--normalize", norm, "--out", out, "-q")
            frames = [read_png_bgr(os.path.join(out, f)) for f in sorted(os.listdir(out)) if f.endswith(".png")]
            self.assertEqual(len(frames), 4)
            for f in frames:
                self.assertEqual(f.shape[:2], (120, 160 + 84))  # the maps, then the bar's strip
            return [f[:, 160 + 8 + 16:] for f in frames]  # right of the bar: the labels

        # Per channel: words, the same in every frame (channel 0's numbers used to change here).
        per = strips("channel")
        for s in per[1:]:
            self.assertTrue((s == per[0]).all())
        # Layer: one range for all tiles, its numbers, which change with the frames.
        layer = strips("layer")
        self.assertTrue(any((s != layer[0]).any() for s in layer[1:]))
        self.assertFalse((layer[0] == per[0]).all())


if __name__ == "__main__":
    unittest.main()
