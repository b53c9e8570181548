"""`cnnscope cam` end to end: each method's .npy against a torch-autograd computation of
pytorch-grad-cam's definition (target: the class logit before the softmax) on the small with-top
Keras-layout net test_classify.py writes, through the dense head, Keras's flatten, max pools,
ReLUs and convs; Grad-CAM on a torch-exported ONNX net (Flatten, Gemm, Dropout); the PNG
overlay; bad input."""
import json
import os
import re
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import VTEST, CliTest, read_json, read_png_bgr  # noqa: E402
from test_classify import save_crop, small_with_top, write_with_top_h5  # noqa: E402
from why_nets import keras_autograd, keras_forward, residual_onnx, scorecam, vgglike_onnx  # noqa: E402

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


def splitmix64(seed, n):
    """The first n values of a splitmix64 stream seeded with SEED (numpy, uint64 wrap-around)."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (np.arange(1, n + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def gaussian_blur(blob, sigma):
    """Each plane blurred by a normalised Gaussian of 2 ceil(3 sigma) + 1 taps, edges mirrored
    without repeating the edge pixel (numpy's 'reflect')."""
    r = int(np.ceil(3 * sigma))
    g = np.exp(-np.arange(-r, r + 1) ** 2 / (2 * sigma * sigma))
    g /= g.sum()
    out = np.empty_like(blob)
    for c in range(blob.shape[0]):
        p = np.pad(blob[c], r, mode="reflect")
        rows = np.stack([np.convolve(row, g, mode="valid") for row in p])
        out[c] = np.stack([np.convolve(col, g, mode="valid") for col in rows.T]).T
    return out


class CamTest(CliTest):
    def assert_map(self, got, want, what):
        self.assertEqual(got.dtype, np.float32, what)
        self.assertEqual(got.shape, want.shape, what)
        self.assertGreater(want.max(), 0, what)
        self.assertLess(np.abs(got - want).max(), 1e-3 * want.max(), what)

    def small_net(self, seed=25):
        """The small with-top net as a Keras file and a crop: (convs, dense, model, image, blob)."""
        convs, dense = small_with_top(np.random.default_rng(seed))
        model = self.path("with_top.h5")
        write_with_top_h5(model, convs, dense)
        image = self.path("crop.png")
        return convs, dense, model, image, save_crop(image)

    def test_each_method_matches_torch_autograd(self):
        convs, dense, model, image, blob = self.small_net()
        for layer, cls in ((None, None), ("block1_pool", None), ("block2_conv1", 7)):
            A, G, k, _ = keras_autograd(blob, convs, dense, layer or "block2_conv1", cls)
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

    def test_repeat_times_the_same_map(self):
        convs, dense, model, image, blob = self.small_net()
        A, G, k, _ = keras_autograd(blob, convs, dense, "block2_conv1", None)
        out, js = self.path("rep.npy"), self.path("rep.json")
        self.run_cli("cam", image, "--model", model, "--input-size", "32x32", "--method", "gradcam", "--repeat", "5",
                     "--out", out, "--json", js, "-q")
        self.assert_map(np.load(out), definition("gradcam", A, G), "gradcam with --repeat 5")
        with open(js) as f:
            frame = json.load(f)["frames"][0]
        self.assertEqual(frame["class"]["index"], k)
        self.assertGreater(frame["forward_ms"], 0)
        self.assertGreater(frame["backward_ms"], 0)
        p = self.run_cli("cam", image, "--model", model, "--method", "gradcam", "--repeat", "0", "--out", out, expect=1)
        self.assertIn("--repeat", p.stderr)

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
        self.assertEqual(got.shape[1], 64 + 84)  # the frame and the colorbar's strip
        self.assertGreater(got.shape[0], 48)  # the frame and a caption strip
        for args, needles in (
                (["--method", "gradcam+"], ["gradcam+'", "gradcam++", "scorecam", "occlusion"]),
                (["--method", "gradcam", "--class", "1000"], ["--class 1000", "1000 classes", "0..999"]),
                (["--method", "gradcam", "--layer", "fc1"], ["fc1", "block2_conv1"]),
                (["--method", "gradcam", "--layer", "nope"], ["nope", "block1_pool"]),
                (["--method", "gradcam", "--input-size", "64x64"], ["--input-size 32x32"])):
            out = self.path("never.npy")
            cmd = ["cam", image, "--model", model, "--out", out] + (["--input-size", "32x32"] if "--input-size" not in args else []) + args
            p = self.run_cli(*cmd, expect=1)
            self.assert_clean_failure(p, *needles)
            self.assertFalse(os.path.exists(out))

    def keras_case(self, seed=25):
        convs, dense = small_with_top(np.random.default_rng(seed))
        model = self.path("with_top.h5")
        write_with_top_h5(model, convs, dense)
        image = self.path("crop.png")
        return convs, dense, model, image, save_crop(image)

    def test_scorecam_matches_torch_in_batches(self):
        import torch
        convs, dense, model, image, blob = self.keras_case()
        logits_of = lambda x: keras_forward(x, convs, dense)[0]  # noqa: E731
        for layer, cls, batch in (("block2_conv1", None, "4"), ("block1_pool", 7, "16"), ("block2_conv1", 3, "1")):
            A, G, k, _ = keras_autograd(blob, convs, dense, layer, cls)
            out = self.path("score.npy")
            args = ["--class", str(cls)] if cls is not None else []
            self.run_cli("cam", image, "--model", model, "--input-size", "32x32", "--method", "scorecam", "--layer", layer,
                         "--batch", batch, "--out", out, "-q", *args)
            with torch.no_grad():
                want = scorecam(blob, A, logits_of, k)
            self.assert_map(np.load(out), want, f"scorecam at {layer} class {k} batch {batch}")
        # Score-CAM is its own map here: not Grad-CAM's.
        self.assertGreater(np.abs(want / want.max() - definition("gradcam", A, G) / definition("gradcam", A, G).max()).max(), 1e-2)

    def test_occlusion_matches_torch(self):
        import torch
        convs, dense, model, image, blob = self.keras_case(11)
        for patch, stride, cls in ((8, 6, None), (16, 16, 5), (32, 4, None)):
            x = torch.from_numpy(blob[None].astype(np.float64))
            with torch.no_grad():
                base = keras_forward(x, convs, dense)[0][0]
                k = int(base.argmax()) if cls is None else cls
                n = (32 - patch) // stride + 1
                want = np.zeros((n, n))
                for i in range(n):
                    for j in range(n):
                        y = x.clone()
                        y[:, :, i * stride:i * stride + patch, j * stride:j * stride + patch] = 0
                        want[i, j] = float(base[k] - keras_forward(y, convs, dense)[0][0, k])
            out = self.path("occ.npy")
            args = ["--class", str(cls)] if cls is not None else []
            self.run_cli("cam", image, "--model", model, "--input-size", "32x32", "--method", "occlusion", "--patch", str(patch),
                         "--stride", str(stride), "--batch", "3", "--out", out, "-q", *args)
            got = np.load(out)
            self.assertEqual(got.dtype, np.float32)
            self.assertEqual(got.shape, want.shape)
            self.assertGreater(np.abs(want).max(), 0)
            self.assertLess(np.abs(got - want).max(), 1e-3 * np.abs(want).max(), f"patch {patch} stride {stride}")
        for args, needles in ((["--patch", "40"], ["--patch 40", "32x32", "1..32"]),
                              (["--layer", "block2_conv1"], ["--layer", "occlusion"]),
                              (["--patch", "0"], ["--patch", "1 to 4096"]),
                              (["--ablate", "1"], ["--ablate", "gradcam"])):
            p = self.run_cli("cam", image, "--model", model, "--input-size", "32x32", "--method", "occlusion", "--out", self.path("n.npy"),
                             *args, expect=None)
            self.assert_clean_failure(p, *needles)
            self.assertFalse(os.path.exists(self.path("n.npy")))

    def test_scorecam_on_a_torch_onnx_classifier(self):
        import torch
        model, labels = self.path("vgglike.onnx"), self.path("labels.txt")
        net = vgglike_onnx(model, 5, fc_scale=8.0, labels=labels)
        image = self.path("crop.png")
        blob = save_crop(image, src="baboon.jpg", left=100, top=100)
        net = net.double()
        with torch.no_grad():
            x = torch.from_numpy(blob[None].astype(np.float64))
            A = net[0][:5](x)[0].numpy()
            k = int(net(x)[0].argmax())
            want = scorecam(blob, A, net, k)
        out = self.path("score.npy")
        self.run_cli("cam", image, "--model", model, "--input-size", "32x32", "--labels", labels, "--method", "scorecam", "--layer", "0.4",
                     "--batch", "5", "--out", out, "-q")
        self.assert_map(np.load(out), want, "onnx scorecam")

    def test_forwards_only_methods_on_a_net_the_backward_cannot_take(self):
        import torch
        model, labels = self.path("residual.onnx"), self.path("labels.txt")
        net = residual_onnx(model, 3, labels=labels).double()
        image = self.path("crop.png")
        blob = save_crop(image, src="baboon.jpg", left=100, top=100)
        x = torch.from_numpy(blob[None].astype(np.float64))
        with torch.no_grad():
            A = net[1](net[0](x))[0].numpy()  # the block's output, after its ReLU: OpenCV's relu_1
            z = net(x)[0]
            k = int(z.argmax())
            want = scorecam(blob, A, net, k)
            occ = np.zeros((4, 4))
            for i in range(4):
                for j in range(4):
                    y = x.clone()
                    y[:, :, i * 8:i * 8 + 8, j * 8:j * 8 + 8] = 0
                    occ[i, j] = float(z[k] - net(y)[0, k])
        base = ["cam", image, "--model", model, "--input-size", "32x32", "--labels", labels]
        self.run_cli(*base, "--method", "scorecam", "--layer", "relu_1", "--out", self.path("s.npy"), "-q")
        self.assert_map(np.load(self.path("s.npy")), want, "scorecam through an Add")
        self.run_cli(*base, "--method", "occlusion", "--patch", "8", "--stride", "8", "--out", self.path("o.npy"), "-q")
        got = np.load(self.path("o.npy"))
        self.assertLess(np.abs(got - occ).max(), 1e-3 * np.abs(occ).max())
        p = self.run_cli(*base, "--method", "gradcam", "--layer", "relu_1", "--out", self.path("g.npy"), expect=1)
        self.assert_clean_failure(p, "Eltwise", "scorecam and occlusion")
        # A batch holds every layer's activations per input: one that does not fit the memory
        # budget is refused with the batch that does, which then runs.
        self.env["CNNSCOPE_MAX_MEMORY_MB"] = "1"
        p = self.run_cli(*base, "--method", "scorecam", "--layer", "relu_1", "--batch", "256", "--out", self.path("b.npy"), expect=1)
        self.assert_clean_failure(p, "--batch 256", "budget", "or less fits")
        self.assertFalse(os.path.exists(self.path("b.npy")))
        fits = re.search(r"--batch (\d+) or less fits", p.stderr).group(1)
        self.assertLess(int(fits), 256)
        self.run_cli(*base, "--method", "scorecam", "--layer", "relu_1", "--batch", fits, "--out", self.path("b.npy"), "-q")
        self.assert_map(np.load(self.path("b.npy")), want, f"scorecam in batches of {fits}")

    def test_overlay_outputs_gif_mp4_and_json(self):
        from PIL import Image
        convs, dense, model, image, _ = self.keras_case(4)
        save_crop(image, 64, 48)
        sizes = {}
        for caption in ("none", "short", "full"):
            png = self.path(f"cam_{caption}.png")
            self.run_cli("cam", image, "--model", model, "--input-size", "32x32", "--method", "gradcam", "--caption", caption, "--out", png, "-q")
            sizes[caption] = read_png_bgr(png).shape
        # the frame and a colorbar strip beside it; the caption strips below it
        self.assertEqual(sizes["none"][:2], (48, 64 + 84))
        self.assertGreater(sizes["short"][0], 48)
        self.assertGreater(sizes["full"][0], sizes["short"][0])
        self.assertEqual(sizes["short"][1], 64 + 84)
        bare = read_png_bgr(self.path("cam_none.png"))
        self.assertGreater(bare[:, 64 + 8:64 + 24].std(), 10)  # the colorbar's ramp
        # A video: one map per frame; the JSON's classes per frame are classify's top-1 of each frame.
        gif, js, cls = self.path("cam.gif"), self.path("cam.json"), self.path("classify.json")
        p = self.run_cli("cam", VTEST, "--model", model, "--input-size", "32x32", "--method", "layercam", "--frames", "3", "--out", gif,
                         "--json", js)
        self.assertIn("layercam at block2_conv1", p.stderr)
        with Image.open(gif) as im:
            self.assertEqual(im.n_frames, 3)
            self.assertEqual(im.size[0], 768 + 84)
        doc = read_json(js)
        self.assertEqual([f["frame"] for f in doc["frames"]], [0, 1, 2])
        self.assertEqual((doc["method"], doc["layer"]), ("layercam", "block2_conv1"))
        self.run_cli("classify", VTEST, "--model", model, "--input-size", "32x32", "--frames", "3", "--top", "5", "--json", cls, "-q")
        for f, c in zip(doc["frames"], read_json(cls)["frames"]):
            self.assertEqual(f["class"]["index"], c["top"][0]["index"])
            self.assertAlmostEqual(f["class"]["probability"], c["top"][0]["probability"], delta=1e-4)
            self.assertEqual([t["index"] for t in f["top"]], [t["index"] for t in c["top"]])
            self.assertEqual(f["map_shape"], [16, 16])
        mp4 = self.path("cam.mp4")
        self.run_cli("cam", VTEST, "--model", model, "--input-size", "32x32", "--method", "eigencam", "--frame", "5", "--frames", "4",
                     "--out", mp4, "-q")
        self.run_cli("dump", mp4, "--layer", "block1_conv1", "--frame", "3", "--model", model, "--input-size", "32x32", "--out",
                     self.path("f3.npy"), "-q")
        p = self.run_cli("dump", mp4, "--layer", "block1_conv1", "--frame", "4", "--model", model, "--input-size", "32x32", "--out",
                         self.path("f4.npy"), expect=None)
        self.assertNotEqual(p.returncode, 0)  # 4 frames, no fifth
        p = self.run_cli("cam", image, "--model", model, "--input-size", "32x32", "--method", "gradcam", "--frames", "3",
                         "--out", self.path("x.png"), expect=1)
        self.assert_clean_failure(p, "--frames 3", ".gif")

    def test_faithfulness_matches_numpy_and_torch(self):
        import torch
        convs, dense, model, image, blob = self.keras_case(25)
        npy, js = self.path("map.npy"), self.path("cam.json")
        for seed in (0, 12345):
            self.run_cli("cam", image, "--model", model, "--input-size", "32x32", "--method", "gradcam", "--seed", str(seed),
                         "--out", npy, "--json", js, "-q")
            f = read_json(js)["frames"][0]
            faith, k = f["faithfulness"], f["class"]["index"]
            self.assertEqual((faith["fraction"], faith["seed"], faith["blur_sigma"]), (0.2, seed, 2.0))
            up = torch.nn.functional.interpolate(torch.from_numpy(np.load(npy).astype(np.float64))[None, None], size=(32, 32),
                                                 mode="bilinear", align_corners=True)[0, 0].numpy()
            top = np.argsort(-up.ravel(), kind="stable")[:round(0.2 * 1024)]
            rnd = np.argsort(splitmix64(seed, 1024), kind="stable")[:round(0.2 * 1024)]
            blurred = gaussian_blur(blob, 2.0)
            probs, logits = [], []
            for pixels in (top, rnd):
                x = blob.reshape(3, -1).copy()
                x[:, pixels] = blurred.reshape(3, -1)[:, pixels]
                with torch.no_grad():
                    z = keras_forward(torch.from_numpy(x.reshape(1, 3, 32, 32)), convs, dense)[0][0].numpy()
                probs.append(np.exp(z[k] - z.max()) / np.exp(z - z.max()).sum())
                logits.append(z[k])
            self.assertLess(abs(faith["top_blurred_logit"] - logits[0]), 1e-4 * np.abs(z).max())
            self.assertLess(abs(faith["random_blurred_logit"] - logits[1]), 1e-4 * np.abs(z).max())
            self.assertAlmostEqual(faith["top_blurred_probability"], probs[0], delta=1e-4)
            self.assertAlmostEqual(faith["random_blurred_probability"], probs[1], delta=1e-4)
            self.assertAlmostEqual(faith["top_drop"], faith["probability"] - probs[0], delta=1e-4)
            self.assertAlmostEqual(faith["probability"], f["class"]["probability"], delta=1e-9)
            self.assertGreater(abs(logits[0] - logits[1]), 1e-2 * np.abs(z).max())  # two different figures

    def test_gradcam_on_a_torch_onnx_classifier(self):
        import torch
        model, labels = self.path("vgglike.onnx"), self.path("labels.txt")
        net = vgglike_onnx(model, 25, labels=labels)
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
