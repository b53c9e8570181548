"""Layer names people know: a torch.onnx.export'ed net is listed and addressed by its module
paths ("features.3"), not OpenCV's "onnx_node!/features/features.3/Conv" (still accepted)."""
import os
import unittest

import numpy as np

from helpers import CliTest


class NamesTest(CliTest):
    def export(self):
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                              nn.Conv2d(8, 16, 3, padding=1), nn.ReLU())
                self.head = nn.Conv2d(16, 4, 1)

            def forward(self, x):
                return self.head(self.features(x))

        torch.manual_seed(15)
        net = Net().eval()
        path = self.path("small.onnx")
        torch.onnx.export(net, torch.zeros(1, 3, 32, 32), path, input_names=["input"], output_names=["out"], opset_version=11)
        return net, path

    def test_torch_export_reads_like_its_source(self):
        import torch
        from PIL import Image
        net, model = self.export()
        p = self.run_cli("layers", "--model", model, "--input-size", "32x32")
        self.assertNotIn("onnx_node", p.stdout)
        names = [line.split()[0] for line in p.stdout.splitlines() if line.split() and line.split()[0] in
                 ("features.0", "features.1", "features.2", "features.3", "features.4", "head")]
        self.assertEqual(names, ["features.0", "features.1", "features.2", "features.3", "features.4", "head"])

        # An image at the input size (no resize), run to features.3 by cnnscope and by torch itself.
        rgb = np.random.default_rng(3).integers(0, 256, (32, 32, 3), dtype=np.uint8)
        image = self.path("in.png")
        Image.fromarray(rgb).save(image)
        out, old = self.path("a.npy"), self.path("b.npy")
        self.run_cli("dump", image, "--model", model, "--input-size", "32x32", "--layer", "features.3", "--out", out)
        got = np.load(out)
        blob = rgb[:, :, ::-1].astype(np.float32) - np.array([103.939, 116.779, 123.68], np.float32)  # default: BGR - mean
        with torch.no_grad():
            ref = net.features[:4](torch.from_numpy(blob.transpose(2, 0, 1)[None].copy())).numpy()
        self.assertEqual(got.shape, ref.shape)
        self.assertLess(np.abs(got - ref).max() / np.abs(ref).max(), 1e-4)

        # OpenCV's own name, with or without the prefix, is the same layer.
        for name in ("onnx_node!/features/features.3/Conv", "/features/features.3/Conv"):
            self.run_cli("dump", image, "--model", model, "--input-size", "32x32", "--layer", name, "--out", old)
            np.testing.assert_array_equal(np.load(old), got)

        # An unknown layer lists the readable names; a grid file is named after one.
        p = self.run_cli("dump", image, "--model", model, "--layer", "nope", "--out", out, expect=1)
        self.assert_clean_failure(p, "features.3", "head")
        self.assertNotIn("onnx_node", p.stderr)
        grids = self.path("grids")
        self.run_cli("grid", image, "--model", model, "--input-size", "32x32", "--out", grids, "--layer", "features.0")
        self.assertEqual(os.listdir(grids), ["features.0.png"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
