"""`cnnscope backprop` end to end: back-projection in each mode against an independent numpy
computation (backward_ref.py) for nets the tests write with known weights (a small Keras .h5,
VGG19's real shapes, an ONNX conv/relu/maxpool net with strides and overlapping pools), the PNG
rendering, and refusals of layers it cannot go through."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import DATA, CliTest, read_png_bgr  # noqa: E402
import backward_ref as ref  # noqa: E402

GRAF = os.path.join(DATA, "graf1.png")  # lossless
MODES = ("guided", "deconv", "grad")


def rel_err(got, want):
    return np.abs(got - want).max() / max(np.abs(want).max(), 1e-30)


class BackpropTest(CliTest):
    def crop(self, w, h, left=300, top=200):
        path = self.path(f"crop_{w}x{h}.png")
        ref.save_crop(GRAF, path, (left, top, left + w, top + h))
        return path

    def test_each_mode_matches_numpy_on_a_small_keras_net(self):
        rng = np.random.default_rng(13)
        layers = ref.vgg_layers([("block1_conv1", 3, 4), ("block1_conv2", 4, 5), ("block1_pool",), ("block2_conv1", 5, 6)], rng)
        model = self.path("small.h5")
        ref.write_keras_h5(model, layers)
        image = self.crop(37, 29)  # odd sizes: the pool floors 37x29 -> 18x14
        x = ref.preprocess(image)
        names = [l["name"] for l in layers]
        for layer, channel in (("block2_conv1", 4), ("block1_pool", 2), ("block1_conv1", 1)):
            for mode in MODES:
                out = self.path(f"{layer}_{mode}.npy")
                self.run_cli("backprop", image, "--model", model, "--input-size", "37x29", "--layer", layer, "--channel",
                             str(channel), "--mode", mode, "--out", out, "-q")
                got = np.load(out)
                want = ref.back_project(layers, x, names.index(layer), channel, mode)
                self.assertEqual(got.shape, (1, 3, 29, 37))
                self.assertGreater(np.abs(want).max(), 0)
                self.assertLess(rel_err(got[0], want), 1e-4, f"{layer} {mode}")
        # The modes really differ (deconv ignores the forward ReLU masks, guided also drops g < 0).
        g = {m: np.load(self.path(f"block2_conv1_{m}.npy")) for m in MODES}
        self.assertGreater(np.abs(g["guided"] - g["grad"]).max(), 1e-3 * np.abs(g["grad"]).max())
        self.assertGreater(np.abs(g["deconv"] - g["guided"]).max(), 1e-3 * np.abs(g["guided"]).max())

    def test_vgg19_shapes_to_block5_conv4(self):
        rng = np.random.default_rng(19)
        layers = ref.vgg_layers(ref.vgg19_specs(), rng)
        model = self.path("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")
        ref.write_keras_h5(model, layers)
        image = self.crop(48, 40)  # 48x40 -> block5 3x2 (floors on the way)
        x = ref.preprocess(image)
        names = [l["name"] for l in layers]
        for layer, channel, modes in (("block5_conv4", 7, MODES), ("block3_conv4", 100, ("guided",))):
            outs, _ = ref.forward(layers, x)
            channel = int(np.argmax(outs[names.index(layer)].reshape(outs[names.index(layer)].shape[0], -1).max(axis=1) > 0) + channel) % outs[names.index(layer)].shape[0]
            for mode in modes:
                out = self.path(f"vgg_{layer}_{mode}.npy")
                self.run_cli("backprop", image, "--model", model, "--input-size", "48x40", "--layer", layer, "--channel",
                             str(channel), "--mode", mode, "--out", out, "-q")
                got = np.load(out)
                want = ref.back_project(layers, x, names.index(layer), channel, mode)
                self.assertEqual(got.shape, (1, 3, 40, 48))
                if np.abs(want).max() == 0:
                    self.assertEqual(np.abs(got).max(), 0)
                else:
                    self.assertLess(rel_err(got[0], want), 1e-4, f"{layer} {mode}")

    def test_onnx_conv_relu_maxpool_with_strides_and_overlapping_pools(self):
        rng = np.random.default_rng(7)
        nodes, inits, layers = ref.onnx_chain(rng)
        model = self.path("chain.onnx")
        ref.write_onnx(model, nodes, inits, (1, 3, 27, 34), "r2")
        image = self.crop(34, 27)  # stride-2 conv: 34 wide needs the transposed conv's extra column
        x = ref.preprocess(image)
        # OpenCV names ONNX layers after their outputs and adds an Identity layer for the graph output.
        for layer, index in (("r2", 4), ("onnx_node_output_0!p1", 2), ("onnx_node_output_0!c2", 3)):
            for mode in MODES:
                out = self.path(f"onnx_{index}_{mode}.npy")
                self.run_cli("backprop", image, "--model", model, "--input-size", "34x27", "--layer", layer, "--channel", "1",
                             "--mode", mode, "--out", out, "-q")
                got = np.load(out)
                want = ref.back_project(layers, x, index, 1, mode)
                self.assertEqual(got.shape, (1, 3, 27, 34))
                self.assertGreater(np.abs(want).max(), 0)
                self.assertLess(rel_err(got[0], want), 1e-4, f"{layer} {mode}")

    def test_png_is_signed_rgb_at_frame_size(self):
        rng = np.random.default_rng(3)
        layers = ref.vgg_layers([("block1_conv1", 3, 4), ("block1_pool",), ("block2_conv1", 4, 6)], rng)
        model = self.path("png.h5")
        ref.write_keras_h5(model, layers)
        image = self.crop(64, 48)
        args = ["backprop", image, "--model", model, "--input-size", "64x48", "--layer", "block2_conv1", "--channel", "2", "-q"]
        self.run_cli(*args, "--out", self.path("g.npy"))
        self.run_cli(*args, "--out", self.path("g.png"))
        g = np.load(self.path("g.npy"))[0].astype(np.float64)
        want = np.clip(np.rint(g / np.abs(g).max() * 127.5 + 127.5), 0, 255).transpose(1, 2, 0)  # blob is BGR
        got = read_png_bgr(self.path("g.png"))
        self.assertEqual(got.shape, (48, 64, 3))
        self.assertLessEqual(np.abs(got - want).max(), 1)
        # At the frame's own size on a video frame.
        self.run_cli("backprop", os.path.join(DATA, "vtest.avi"), "--untrained", "--layer", "block2_conv2", "--channel", "5",
                     "--frame", "3", "--out", self.path("v.png"), "-q")
        self.assertEqual(read_png_bgr(self.path("v.png")).shape, (576, 768, 3))

    def test_refuses_layers_it_cannot_go_through(self):
        rng = np.random.default_rng(5)
        nodes, inits, _ = ref.onnx_chain(rng, mid="Sigmoid")
        model = self.path("sigmoid.onnx")
        ref.write_onnx(model, nodes, inits, (1, 3, 27, 34), "r2")
        image = self.crop(34, 27)
        p = self.run_cli("backprop", image, "--model", model, "--input-size", "34x27", "--layer", "r2", "--out",
                         self.path("x.npy"), expect=1)
        self.assert_clean_failure(p, "p1'", "Sigmoid", "supported: Convolution")
        self.assertFalse(os.path.exists(self.path("x.npy")))
        # Below the refused layer it works.
        self.run_cli("backprop", image, "--model", model, "--input-size", "34x27", "--layer", "onnx_node_output_0!r1", "--out", self.path("y.npy"), "-q")
        for args, needle in (((("--mode", "sideways")), "--mode"), (("--channel", "64"), "out of range"),
                             (("--layer", "nope"), "unknown layer")):
            base = ["backprop", image, "--untrained", "--layer", "block1_conv1", "--out", self.path("z.png"), "-q"]
            if args[0] == "--layer":
                base[base.index("block1_conv1")] = args[1]
                args = ()
            p = self.run_cli(*base, *args, expect=1)
            self.assert_clean_failure(p, needle)
        p = self.run_cli("backprop", image, "--untrained", "--layer", "block1_conv1", "--out", self.path("z.jpg"), expect=1)
        self.assert_clean_failure(p, ".npy or .png")


if __name__ == "__main__":
    unittest.main()
