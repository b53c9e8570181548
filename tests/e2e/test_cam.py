"""`cnnscope cam` end to end: each method's .npy against a torch-autograd computation of
pytorch-grad-cam's definition (target: the class logit before the softmax) on the small with-top
Keras-layout net test_classify.py writes, through the dense head, Keras's flatten, max pools,
ReLUs and convs; Grad-CAM on a torch-exported ONNX net (Flatten, Gemm, Dropout); the PNG
overlay; bad input."""
import json
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import CliTest, read_png_bgr  # noqa: E402
from test_classify import CONVS, save_crop, small_with_top, write_with_top_h5  # noqa: E402

METHODS = ("gradcam", "gradcam++", "layercam", "eigencam")


def definition(method, A, G):
    """pytorch-grad-cam's maps from activations A and gradients G (C, H, W), float64, then ReLU."""
    if method == "gradcam":
        cam = np.einsum("c,chw->hw", G.mean(axis=(1, 2)), A)
    elif method == "gradcam++":
        g2, g3 = G ** 2, G ** 3
        aij = g2 / (2 * g2 + A.sum(axis=(1, 2))[:, None, None] * g3 + 1e-6)
        aij = np.where(G != 0, aij, 0)
        cam = np.einsum("c,chw->hw", (np.maximum(G, 0) * aij).sum(axis=(1, 2)), A)
    elif method == "layercam":
        cam = (np.maximum(G, 0) * A).sum(axis=0)
    else:
        X = A.reshape(A.shape[0], -1).T
        X = X - X.mean(axis=0)
        v = np.linalg.svd(X, full_matrices=True)[2][0]
        v = v if v.sum() >= 0 else -v  # SVD's sign is arbitrary: the one whose loadings sum >= 0
        cam = (X @ v).reshape(A.shape[1:])
    return np.maximum(cam, 0)


def keras_autograd(blob, convs, dense, layer, cls=None):
    """Activations and d logit[cls] / d activations at LAYER of the with-top net, in torch (float64)."""
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(2)
    x = torch.from_numpy(blob[None].astype(np.float64)).requires_grad_(True)
    A = None
    for s in CONVS:
        if len(s) == 1:
            x = F.max_pool2d(x, 2)
        else:
            k, b = convs[s[0]]
            x = F.relu(F.conv2d(x, torch.from_numpy(k.astype(np.float64)).permute(3, 2, 0, 1), torch.from_numpy(b.astype(np.float64)), padding=1))
        if s[0] == layer:
            x.retain_grad()
            A = x
    v = x.permute(0, 2, 3, 1).reshape(1, -1)  # Keras's (h, w, c) flatten
    for i, (_, k, b) in enumerate(dense):
        v = v @ torch.from_numpy(k.astype(np.float64)) + torch.from_numpy(b.astype(np.float64))
        if i + 1 < len(dense):
            v = F.relu(v)
    cls = int(v[0].argmax()) if cls is None else cls
    v[0, cls].backward()
    return A[0].detach().numpy(), A.grad[0].numpy(), cls


class CamTest(CliTest):
    def assert_map(self, got, want, what):
        self.assertEqual(got.dtype, np.float32, what)
        self.assertEqual(got.shape, want.shape, what)
        self.assertGreater(want.max(), 0, what)
        self.assertLess(np.abs(got - want).max(), 1e-3 * want.max(), what)

    def test_each_method_matches_torch_autograd(self):
        convs, dense = small_with_top(np.random.default_rng(25))
        model = self.path("with_top.h5")
        write_with_top_h5(model, convs, dense)
        image = self.path("crop.png")
        blob = save_crop(image)
        for layer, cls in ((None, None), ("block1_pool", None), ("block2_conv1", 7)):
            A, G, k = keras_autograd(blob, convs, dense, layer or "block2_conv1", cls)
            for method in METHODS:
                out = self.path("map.npy")
                args = ["cam", image, "--model", model, "--input-size", "32x32", "--method", method, "--out", out, "-q"]
                args += ["--layer", layer] if layer else []
                args += ["--class", str(cls)] if cls is not None else []
                self.run_cli(*args)
                self.assert_map(np.load(out), definition(method, A, G), f"{method} at {layer} class {k}")
        # The methods differ from one another on this net (each test checks its own definition).
        maps = {m: definition(m, A, G) for m in METHODS}
        self.assertGreater(np.abs(maps["gradcam"] / maps["gradcam"].max() - maps["layercam"] / maps["layercam"].max()).max(), 1e-2)

    def test_png_overlay_and_bad_input(self):
        convs, dense = small_with_top(np.random.default_rng(4))
        model = self.path("with_top.h5")
        write_with_top_h5(model, convs, dense)
        image = self.path("crop.png")
        save_crop(image, 64, 48)
        png = self.path("cam.png")
        p = self.run_cli("cam", image, "--model", model, "--input-size", "32x32", "--method", "gradcam", "--out", png)
        self.assertIn("gradcam at block2_conv1", p.stderr)
        got = read_png_bgr(png)
        self.assertEqual(got.shape[1], 64)
        self.assertGreater(got.shape[0], 48)  # the frame and a caption strip
        for args, needles in (
                (["--method", "scorecam"], ["scorecam", "gradcam++", "layercam", "eigencam"]),
                (["--method", "gradcam", "--class", "1000"], ["--class 1000", "1000 classes", "0..999"]),
                (["--method", "gradcam", "--layer", "fc1"], ["fc1", "block2_conv1"]),
                (["--method", "gradcam", "--layer", "nope"], ["nope", "block1_pool"]),
                (["--method", "gradcam", "--input-size", "64x64"], ["--input-size 32x32"])):
            out = self.path("never.npy")
            cmd = ["cam", image, "--model", model, "--out", out] + (["--input-size", "32x32"] if "--input-size" not in args else []) + args
            p = self.run_cli(*cmd, expect=1)
            self.assert_clean_failure(p, *needles)
            self.assertFalse(os.path.exists(out))

    def test_gradcam_on_a_torch_onnx_classifier(self):
        import torch
        import torch.nn as nn
        torch.set_num_threads(2)
        torch.manual_seed(25)
        net = nn.Sequential(
            nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)),
            nn.Flatten(), nn.Sequential(nn.Linear(16 * 8 * 8, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 10))).eval()
        model = self.path("vgglike.onnx")
        torch.onnx.export(net, torch.zeros(1, 3, 32, 32), model, input_names=["input"], output_names=["out"], opset_version=11)
        labels = self.path("labels.txt")
        with open(labels, "w") as f:
            f.write("\n".join(f"c{i}" for i in range(10)) + "\n")
        image = self.path("crop.png")
        blob = save_crop(image)
        net = net.double()
        acts = {}
        def keep(module, inputs, output):
            output.retain_grad()
            acts["A"] = output

        net[0][4].register_forward_hook(keep)
        logits = net(torch.from_numpy(blob[None].astype(np.float64)))
        k = int(logits[0].argmax())
        logits[0, k].backward()
        A, G = acts["A"][0].detach().numpy(), acts["A"].grad[0].numpy()
        for method in ("gradcam", "layercam"):
            out = self.path(f"{method}.npy")
            self.run_cli("cam", image, "--model", model, "--input-size", "32x32", "--labels", labels, "--method", method, "--out", out, "-q")
            self.assert_map(np.load(out), definition(method, A, G), f"onnx {method}")
        # The convolution before that ReLU runs fused with it: one line naming the ReLU instead.
        p = self.run_cli("cam", image, "--model", model, "--input-size", "32x32", "--labels", labels, "--method", "gradcam",
                         "--layer", "0.3", "--out", self.path("x.npy"), expect=1)
        self.assert_clean_failure(p, "fused", "--layer 0.4")


if __name__ == "__main__":
    unittest.main(verbosity=2)
