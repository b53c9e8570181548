"""End-to-end: `cnnscope compare-models` on vtest.avi. Networks written here with known weights: a
Keras .h5 with VGG19's block1 (h5py) and the same weights as ONNX (torch.onnx.export). The
difference view and the --diff array are checked against numpy on activations from `dump`."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import VTEST, CliTest, hot_lut_bgr8, read_png_bgr  # noqa: E402

GAP, HEADER = 8, 22  # src/core/model/model_diff.hpp: kComparisonGap, kComparisonHeader


def rdbu_lut_bgr8():
    import matplotlib
    matplotlib.use("Agg")
    rgb = matplotlib.colormaps["RdBu_r"](np.arange(256))[:, :3]
    return np.rint(rgb[:, ::-1] * 255).astype(np.int16)


def sample(plane, dh, dw):
    H, W = plane.shape
    ys = np.minimum(((np.arange(dh) + 0.5) * H / dh).astype(int), H - 1)
    xs = np.minimum(((np.arange(dw) + 0.5) * W / dw).astype(int), W - 1)
    return plane[ys][:, xs]


def colour(t, lut):
    return lut[np.minimum((np.clip(t, 0, 1) * 256).astype(np.int64), 255)]


def write_block1(path_h5, path_onnx, seed=5):
    import h5py
    rng = np.random.default_rng(seed)
    shapes = [("block1_conv1", 3, 64), ("block1_conv2", 64, 64)]
    weights = {}
    with h5py.File(path_h5, "w") as f:
        names = ["input_1"] + [s[0] for s in shapes] + ["block1_pool"]
        f.attrs["layer_names"] = np.array([n.encode() for n in names])
        f.create_group("input_1").attrs["weight_names"] = np.array([], dtype=np.float64)
        for name, cin, cout in shapes:
            k = rng.normal(0, np.sqrt(2 / (9 * cin)), (3, 3, cin, cout)).astype(np.float32)
            b = rng.uniform(-0.1, 0.1, cout).astype(np.float32)
            weights[name] = (k, b)
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()])
            g[f"{name}/kernel:0"] = k
            g[f"{name}/bias:0"] = b
        f.create_group("block1_pool").attrs["weight_names"] = np.array([], dtype=np.float64)
    if path_onnx:
        import torch
        layers = []
        for name, cin, cout in shapes:
            conv = torch.nn.Conv2d(cin, cout, 3, padding=1)
            k, b = weights[name]
            conv.weight.data = torch.from_numpy(k.transpose(3, 2, 0, 1).copy())  # Keras (kh,kw,in,out) -> (out,in,kh,kw)
            conv.bias.data = torch.from_numpy(b)
            layers += [conv, torch.nn.ReLU()]
        layers.append(torch.nn.MaxPool2d(2))
        torch.onnx.export(torch.nn.Sequential(*layers).eval(), torch.zeros(1, 3, 224, 224), path_onnx, opset_version=11)


class CompareModelsTest(CliTest):
    def setUp(self):
        super().setUp()
        self.h5, self.onnx = self.path("block1.h5"), self.path("block1.onnx")
        write_block1(self.h5, self.onnx)

    def dump(self, layer, *model):
        out = self.path(f"dump{len(os.listdir(self.tmp))}.npy")
        self.run_cli("dump", VTEST, "--frame", "4", "--layer", layer, "--out", out, *model)
        return np.load(out)

    def test_untrained_vgg19_against_keras_h5_difference_against_numpy(self):
        out, diff = self.path("u_h5.png"), self.path("d.npy")
        p = self.run_cli("compare-models", VTEST, "--untrained", "--model2", self.h5, "--layer", "block1_conv2", "--channel", "3",
                         "--frame", "4", "--out", out, "--diff", diff)
        self.assertIn("matched by name", p.stderr)
        a = self.dump("block1_conv2", "--untrained")
        b = self.dump("block1_conv2", "--model", self.h5)
        d = np.load(diff)
        self.assertEqual(d.shape, a.shape)
        np.testing.assert_allclose(d, a - b, rtol=0, atol=1e-6 * np.abs(a).max())
        self.assertGreater(np.abs(d).max(), 0.1 * np.abs(a).max())  # different weights: a real difference
        img = read_png_bgr(out)
        col = 320
        panels = [img[HEADER:HEADER + col, GAP + i * (col + GAP):GAP + i * (col + GAP) + col] for i in range(3)]
        # A as the view colours it (channel min-max, hot).
        pa = sample(a[0, 3], col, col)
        lo, hi = float(a[0, 3].min()), float(a[0, 3].max())
        want_a = colour((pa - lo) / (hi - lo), hot_lut_bgr8())
        self.assertGreaterEqual(np.all(panels[0] == want_a, axis=2).mean(), 0.99)
        # A - B: symmetric around 0 per channel, t = (d + M) / 2M with M = max |d| of the channel, RdBu_r.
        dc = (a - b)[0, 3].astype(np.float64)
        M = np.abs(dc).max()
        want = colour((sample(dc, col, col) + M) / (2 * M), rdbu_lut_bgr8())
        got = panels[2]
        exact = np.all(got == want, axis=2)
        self.assertGreaterEqual(exact.mean(), 0.99)
        self.assertLessEqual(np.abs(got - want).max(), 8)  # the rest one LUT entry over at a boundary
        # Zero difference is the middle colour: the pixels where both maps are 0.
        zero = sample(dc, col, col) == 0
        self.assertTrue(zero.any())
        self.assertTrue(np.all(got[zero] == rdbu_lut_bgr8()[128]))

    def test_keras_h5_against_onnx_export_matched_by_position(self):
        out, diff = self.path("h5_onnx.png"), self.path("d.npy")
        p = self.run_cli("compare-models", VTEST, "--model", self.h5, "--model2", self.onnx, "--layer", "block1_conv2", "--frame", "4",
                         "--out", out, "--diff", diff)
        self.assertIn("matched by position", p.stderr)
        self.assertIn("conv layer 2", p.stderr)
        line = [l for l in p.stderr.splitlines() if "block1_conv2 ->" in l][0]
        b_layer = line.split("-> ")[1].split(":")[0]
        # The ONNX conv's separate ReLU, as Keras includes it.
        rows = {l.split()[0]: l.split() for l in self.run_cli("layers", "--model", self.onnx, "-q").stdout.splitlines() if l.split()}
        self.assertEqual(rows[b_layer][1], "ReLU", b_layer)
        a = self.dump("block1_conv2", "--model", self.h5)
        b = self.dump(b_layer, "--model", self.onnx)
        d = np.load(diff)
        np.testing.assert_allclose(d, a - b, rtol=0, atol=1e-6 * np.abs(a).max())
        self.assertLess(np.abs(d).max(), 1e-4 * np.abs(a).max())  # the same weights: the same maps
        self.assertEqual(read_png_bgr(out).shape[1], 3 * 320 + 4 * GAP)
        # Pooling layers match by position too.
        p = self.run_cli("compare-models", VTEST, "--model", self.h5, "--model2", self.onnx, "--layer", "block1_pool",
                         "--out", self.path("pool.png"))
        self.assertIn("pooling layer 1", p.stderr)

    def test_bad_input(self):
        bad = self.run_cli("compare-models", VTEST, "--untrained", "--model2", self.onnx, "--layer", "block2_conv1",
                           "--out", self.path("x.png"), expect=1)
        self.assert_clean_failure(bad, "only 2 conv layers")
        bad = self.run_cli("compare-models", VTEST, "--untrained", "--model2", self.path("missing.onnx"), "--out", self.path("y.png"),
                           expect=1)
        self.assert_clean_failure(bad, "--model2")
        bad = self.run_cli("compare-models", VTEST, "--untrained", "--model2", "untrained", "--input-size", "64x64",
                           "--layer", "nope", "--out", self.path("z.png"), expect=1)
        self.assert_clean_failure(bad, "nope")
        for f in ("x.png", "y.png", "z.png"):
            self.assertFalse(os.path.exists(self.path(f)))


if __name__ == "__main__":
    unittest.main()
