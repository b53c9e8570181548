"""`cnnscope classify` end to end: the classifier head of a with-top Keras-layout .h5 the test
writes (Keras's flatten order of block pooling output included) and of torch-exported ONNX nets
(Flatten/Gemm, with and without a trailing Softmax), top K, probabilities and logits against
torch on the same blob; the JSON; a video's frames against `dump` plus the head in numpy; and
bad input (no head, input size, --top, labels)."""
import json
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import DATA, VTEST, CliTest  # noqa: E402

MEAN = np.array([103.939, 116.779, 123.68])
IMAGENET = os.path.join(DATA, "dnn", "classification_classes_ILSVRC2012.txt")
CONVS = [("block1_conv1", 3, 4), ("block1_pool",), ("block2_conv1", 4, 6), ("block2_pool",)]
DENSE = [("fc1", 6 * 8 * 8, 32), ("fc2", 32, 32), ("predictions", 32, 1000)]


def small_with_top(rng):
    """Keras VGG-style weights: convs (kh, kw, in, out) and dense kernels (in, out), fc1 reading
    block2_pool (8x8x6 at 32x32) flattened in Keras's (h, w, c) order."""
    convs, dense = {}, []
    for s in CONVS:
        if len(s) == 3:
            name, cin, cout = s
            convs[name] = (rng.normal(0, np.sqrt(2 / (9 * cin)), (3, 3, cin, cout)).astype(np.float32),
                           rng.uniform(-0.05, 0.05, cout).astype(np.float32))
    for name, cin, cout in DENSE:
        scale = 6.0 if name == "predictions" else 1.0  # logits spread over a few units: probabilities far from uniform
        dense.append((name, (rng.normal(0, np.sqrt(2 / cin), (cin, cout)) * scale).astype(np.float32),
                      rng.uniform(-0.1, 0.1, cout).astype(np.float32)))
    return convs, dense


def write_with_top_h5(path, convs, dense, nested=False, layers=None):
    """The layout of vgg19_weights_tf_dim_ordering_tf_kernels.h5: layer_names with input, convs,
    pools, flatten, fc1, fc2, predictions; weight_names per layer ('NAME/kernel:0', 'NAME/bias:0').
    LAYERS: the conv and pool names in order (default the small net's, CONVS)."""
    import h5py
    names = ["input_1"] + (layers or [s[0] for s in CONVS]) + ["flatten"] + [d[0] for d in dense]
    weights = dict(convs)
    weights.update({n: (k, b) for n, k, b in dense})
    with h5py.File(path, "w") as f:
        root = f.create_group("model_weights") if nested else f
        root.attrs["layer_names"] = np.array([n.encode() for n in names])
        for n in names:
            g = root.create_group(n)
            if n in weights:
                g.attrs["weight_names"] = np.array([f"{n}/kernel:0".encode(), f"{n}/bias:0".encode()])
                g[f"{n}/kernel:0"], g[f"{n}/bias:0"] = weights[n]
            else:
                g.attrs["weight_names"] = np.array([], dtype=np.float64)


def torch_keras_logits(blob, convs, dense, keras_flatten=True):
    """The with-top net in torch (float64) on a (3, H, W) BGR-minus-mean blob; Keras flattens
    (h, w, c), so the map is permuted to channels-last before fc1 (keras_flatten=False: not)."""
    import torch
    from why_nets import keras_features
    torch.set_num_threads(2)
    x, _ = keras_features(torch.from_numpy(blob[None].astype(np.float64)), convs)
    return head_logits(x[0].numpy(), dense, keras_flatten)


def head_logits(features, dense, keras_flatten=True):
    """fc1, fc2 (ReLU) and predictions (no softmax: the logits) on a (C, H, W) map, in float64."""
    v = (features.transpose(1, 2, 0) if keras_flatten else features).reshape(-1)
    for i, (_, k, b) in enumerate(dense):
        v = v @ k.astype(np.float64) + b
        if i + 1 < len(dense):
            v = np.maximum(v, 0)
    return v


def read_text(path):
    with open(path) as f:
        return f.read()


def read_lines(path):
    return read_text(path).splitlines()


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def save_crop(dst, w=32, h=32, src="fruits.jpg", left=200, top=150):
    from PIL import Image
    Image.open(os.path.join(DATA, src)).convert("RGB").crop((left, top, left + w, top + h)).save(dst)
    rgb = np.asarray(Image.open(dst).convert("RGB")).astype(np.float64)
    return (rgb[:, :, ::-1] - MEAN).transpose(2, 0, 1)


class ClassifyTest(CliTest):
    def check_top(self, top, logits, labels, k):
        """cnnscope's top-k list against logits computed independently."""
        order = np.argsort(-logits, kind="stable")[:k]
        probs = softmax(logits)
        self.assertEqual([t["index"] for t in top], order.tolist())
        for t in top:
            self.assertAlmostEqual(t["probability"], probs[t["index"]], delta=1e-4)
            self.assertLess(abs(t["logit"] - logits[t["index"]]), 1e-4 * max(1.0, np.abs(logits).max()))
            self.assertEqual(t["label"], labels[t["index"]])
            self.assertEqual(set(t), {"label", "index", "probability", "logit"})

    def test_keras_with_top_matches_torch_in_keras_flatten_order(self):
        convs, dense = small_with_top(np.random.default_rng(25))
        imagenet = read_lines(IMAGENET)
        image = self.path("crop.png")
        blob = save_crop(image)
        want = torch_keras_logits(blob, convs, dense)
        # The flatten order matters for this net: channel-first rows would give other scores.
        wrong = torch_keras_logits(blob, convs, dense, keras_flatten=False)
        self.assertGreater(np.abs(softmax(want) - softmax(wrong)).max(), 1e-2)
        self.assertNotEqual(np.argsort(-want)[:5].tolist(), np.argsort(-wrong)[:5].tolist())
        self.assertGreater(softmax(want).max(), 0.05)  # not a flat distribution
        for nested in (False, True):
            model = self.path(f"with_top_{int(nested)}.h5")
            write_with_top_h5(model, convs, dense, nested)
            out = self.path(f"top_{int(nested)}.json")
            p = self.run_cli("classify", image, "--model", model, "--input-size", "32x32", "--top", "5", "--json", out)
            doc = json.loads(read_text(out))
            self.assertEqual(len(doc["frames"]), 1)
            self.assertEqual(doc["frames"][0]["frame"], 0)
            self.assertEqual(doc["classes"], 1000)
            self.assertEqual(len(doc["frames"][0]["top"]), 5)
            self.check_top(doc["frames"][0]["top"], want, imagenet, 5)
            # stdout names the same classes in the same order
            rows = [l.split() for l in p.stdout.splitlines() if l.strip()[:1].isdigit()]
            self.assertEqual([int(r[1]) for r in rows], [t["index"] for t in doc["frames"][0]["top"]])
            self.assertIn(imagenet[doc["frames"][0]["top"][0]["index"]], p.stdout)
        # The same file without the head asked for still loads as a conv stack (other commands).
        self.run_cli("dump", image, "--model", model, "--input-size", "32x32", "--layer", "block2_pool", "--out", self.path("p.npy"), "-q")
        self.assertEqual(np.load(self.path("p.npy")).shape, (1, 6, 8, 8))

    def test_video_frames_match_dump_and_the_head_in_numpy(self):
        convs, dense = small_with_top(np.random.default_rng(7))
        model = self.path("with_top.h5")
        write_with_top_h5(model, convs, dense)
        out = self.path("video.json")
        self.run_cli("classify", VTEST, "--model", model, "--input-size", "32x32", "--frames", "3", "--top", "3", "--json", out, "-q")
        doc = json.loads(read_text(out))
        self.assertEqual([f["frame"] for f in doc["frames"]], [0, 1, 2])
        imagenet = read_lines(IMAGENET)
        for f in doc["frames"]:
            npy = self.path(f"pool_{f['frame']}.npy")
            self.run_cli("dump", VTEST, "--model", model, "--input-size", "32x32", "--layer", "block2_pool", "--frame", str(f["frame"]),
                         "--out", npy, "-q")
            self.check_top(f["top"], head_logits(np.load(npy)[0].astype(np.float64), dense), imagenet, 3)

    def export_onnx(self, softmax_at_end):
        from why_nets import vgglike_onnx
        path = self.path(f"vgglike_{int(softmax_at_end)}.onnx")
        return vgglike_onnx(path, 25, fc_scale=8.0, softmax_at_end=softmax_at_end), path

    def test_torch_onnx_classifier_matches_torch(self):
        import torch
        labels = [f"thing {i}" for i in range(10)]
        labels_file = self.path("labels.txt")
        with open(labels_file, "w") as f:
            f.write("\n".join(labels) + "\n")
        image = self.path("crop.png")
        blob = save_crop(image, src="baboon.jpg", left=100, top=100)
        for softmax_at_end in (False, True):
            net, model = self.export_onnx(softmax_at_end)
            with torch.no_grad():
                want = net(torch.from_numpy(blob[None].astype(np.float32))).double().numpy()[0]
            self.assertGreater(softmax(want).max(), 0.2)
            out = self.path(f"onnx_{int(softmax_at_end)}.json")
            self.run_cli("classify", image, "--model", model, "--input-size", "32x32", "--labels", labels_file, "--top", "10",
                         "--json", out, "-q")
            doc = json.loads(read_text(out))
            self.check_top(doc["frames"][0]["top"], want, labels, 10)
        # Ten classes are not ImageNet's: without --labels, one line asking for them.
        p = self.run_cli("classify", image, "--model", model, "--input-size", "32x32", expect=1)
        self.assert_clean_failure(p, "10 classes", "--labels")

    def test_bad_input(self):
        convs, dense = small_with_top(np.random.default_rng(3))
        model = self.path("with_top.h5")
        write_with_top_h5(model, convs, dense)
        image = self.path("crop.png")
        save_crop(image)
        json_out = self.path("never.json")
        # A notop file: no head, and the way to get one.
        import h5py
        notop = self.path("notop.h5")
        with h5py.File(model, "r") as src, h5py.File(notop, "w") as dst:
            names = [n for n in src.attrs["layer_names"] if not n.decode().startswith(("flatten", "fc", "pred"))]
            dst.attrs["layer_names"] = np.array(names)
            for n in names:
                src.copy(src[n.decode()], dst, n.decode())
        p = self.run_cli("classify", image, "--model", notop, "--input-size", "32x32", "--json", json_out, expect=1)
        self.assert_clean_failure(p, "no classifier head", "cnnscope fetch vgg19_keras_top")
        # The head reads an 8x8 map: another input size is refused with the size that fits.
        p = self.run_cli("classify", image, "--model", model, "--input-size", "64x64", "--json", json_out, expect=1)
        self.assert_clean_failure(p, "--input-size 32x32", "block2_pool")
        p = self.run_cli("classify", image, "--model", model, "--input-size", "32x32", "--top", "1001", expect=1)
        self.assert_clean_failure(p, "--top 1001", "1000 classes")
        short = self.path("short.txt")
        with open(short, "w") as f:
            f.write("a\nb\n")
        p = self.run_cli("classify", image, "--model", model, "--input-size", "32x32", "--labels", short, expect=1)
        self.assert_clean_failure(p, "has 2 names", "1000 classes")
        p = self.run_cli("classify", image, "--model", model, "--input-size", "32x32", "--labels", self.path("none.txt"), expect=1)
        self.assert_clean_failure(p, "none.txt", "does not exist")
        self.env["CNNSCOPE_IMAGENET_LABELS"] = self.path("missing", "classes.txt")
        p = self.run_cli("classify", image, "--model", model, "--input-size", "32x32", expect=1)
        self.assert_clean_failure(p, "not found", "opencv-doc", "--labels")
        del self.env["CNNSCOPE_IMAGENET_LABELS"]
        # A conv net whose output is a map has no head.
        import torch
        import torch.nn as nn
        onnx_path = self.path("fcn.onnx")
        torch.onnx.export(nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU()).eval(), torch.zeros(1, 3, 32, 32), onnx_path,
                          input_names=["input"], output_names=["out"], opset_version=11)
        p = self.run_cli("classify", image, "--model", onnx_path, "--input-size", "32x32", expect=1)
        self.assert_clean_failure(p, "no classifier head", "vgg19_keras_top")
        self.assertFalse(os.path.exists(json_out))
        for line in p.stderr.splitlines():
            self.assertFalse(line.startswith("terminate"), p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
