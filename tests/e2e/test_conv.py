"""--conv end to end: the real binary with each convolution kernel (oneDNN Winograd, oneDNN direct,
OpenCV's own) on an ONNX net and a Johnson style network the tests write, what `layers`,
`targets` and `bench` report, and bad values. Every layer's output is compared with OpenCV's own
layer (--conv opencv) within 1e-4 of the layer's largest value; the first conv also with numpy."""
import json
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import DATA, CliTest, read_png_bgr  # noqa: E402
import style_nets  # noqa: E402

BABOON = os.path.join(DATA, "baboon.jpg")
TOL = 1e-4
MEAN_BGR = np.array([103.939, 116.779, 123.68])


def onnx_net(path):
    """A small CNN in ONNX: plain 3x3 convs + ReLU (Winograd-able), a strided conv, a grouped one,
    a dilated one and one with asymmetric pads (OpenCV's importer turns those into a Padding layer)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(3)
    inits, nodes = [], []

    def conv(name, x, cin, cout, k=3, stride=1, pads=(1, 1, 1, 1), group=1, dilation=1, relu=True):
        w = rng.normal(0, np.sqrt(2.0 / (cin // group * k * k)), (cout, cin // group, k, k)).astype(np.float32)
        b = rng.normal(0, 0.1, cout).astype(np.float32)
        inits.extend([numpy_helper.from_array(w, name + "_w"), numpy_helper.from_array(b, name + "_b")])
        out = name if not relu else name + "_pre"
        nodes.append(helper.make_node("Conv", [x, name + "_w", name + "_b"], [out], kernel_shape=[k, k], strides=[stride, stride],
                                      pads=list(pads), group=group, dilations=[dilation, dilation], name=out))
        if relu:
            nodes.append(helper.make_node("Relu", [out], [name], name=name))
        return name, (w, b)

    weights = {}
    x, weights["c1"] = conv("c1", "input", 3, 16)
    x, _ = conv("c2", x, 16, 32)
    nodes.append(helper.make_node("MaxPool", [x], ["pool"], kernel_shape=[2, 2], strides=[2, 2], name="pool"))
    x, _ = conv("c3", "pool", 32, 32)
    x, _ = conv("strided", x, 32, 32, stride=2)
    x, _ = conv("grouped", x, 32, 32, group=4)
    x, _ = conv("dilated", x, 32, 32, pads=(2, 2, 2, 2), dilation=2)
    x, _ = conv("asym", x, 32, 16, pads=(0, 0, 1, 1), relu=False)
    graph = helper.make_graph(nodes, "convs", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 48, 64])],
                              [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 16, "h", "w"])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], producer_name="cnnscope-tests")
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return weights


class ConvTest(CliTest):
    _targets = None  # `targets` of this binary, read once (it probes OpenCL: seconds on a loaded machine)

    def targets_report(self):
        if ConvTest._targets is None:
            ConvTest._targets = self.run_cli("targets").stdout
        return ConvTest._targets

    def onednn(self):
        """Whether this binary has the oneDNN layer (CMake option CNNSCOPE_ONEDNN)."""
        return "built without oneDNN" not in self.targets_report()

    def winograd(self):
        """Whether oneDNN offers Winograd on this CPU (AVX-512 only): elsewhere a Winograd request runs direct."""
        return self.onednn() and "this CPU has no oneDNN Winograd" not in self.targets_report()

    def dump(self, model, layer, conv, source=BABOON, extra=()):
        out = self.path(f"{layer.replace('/', '_').replace('!', '_')}_{conv}.npy")
        self.run_cli("dump", source, "--model", model, "--layer", layer, "--out", out, "--conv", conv, "-q", *extra)
        return np.load(out)

    def assert_close(self, got, ref, what):
        err = np.abs(got.astype(np.float64) - ref).max() / max(np.abs(ref).max(), 1e-30)
        self.assertLess(err, TOL, f"{what}: relative error {err}")

    def test_onnx_every_layer_every_kernel_against_opencv(self):
        net = self.path("convs.onnx")
        weights = onnx_net(net)
        # OpenCV 4.6 names ONNX layers "onnx_node!NODE" (still accepted; listed without the prefix).
        layers = ["onnx_node!" + n for n in ("c1", "c2", "pool", "c3", "strided", "grouped", "dilated")] + ["asym"]
        common = ("--input-size", "64x48")
        for layer in layers:
            ref = self.dump(net, layer, "opencv", extra=common)
            for conv in ("winograd", "direct", "auto"):
                self.assert_close(self.dump(net, layer, conv, extra=common), ref, f"{layer} --conv {conv}")
        # c1 independently, at the image's own size (no resize): BGR minus the Caffe mean, conv + ReLU in numpy.
        from PIL import Image
        img = np.asarray(Image.open(BABOON).convert("RGB"))[:, :, ::-1].astype(np.float64)
        H, W = img.shape[:2]
        w, b = weights["c1"]
        x = np.pad((img - MEAN_BGR).transpose(2, 0, 1), ((0, 0), (1, 1), (1, 1)))
        ref = np.zeros((16, H, W))
        for o in range(16):
            acc = np.full((H, W), float(b[o]))
            for i in range(3):
                for dy in range(3):
                    for dx in range(3):
                        acc += float(w[o, i, dy, dx]) * x[i, dy:dy + H, dx:dx + W]
            ref[o] = np.maximum(acc, 0)
        for conv in ("winograd", "direct", "opencv"):
            got = self.dump(net, "onnx_node!c1", conv, extra=("--input-size", f"{W}x{H}"))[0]
            self.assert_close(got, ref, f"c1 --conv {conv} against numpy")

        p = self.run_cli("layers", "--model", net, "--input-size", "64x48", "--conv", "auto", "-q")
        rows = {l.split()[0]: l for l in p.stdout.splitlines() if l.split()}
        if not self.onednn():
            self.assertIn("opencv: built without oneDNN", rows["c2_pre"])
            return
        if self.winograd():
            self.assertIn("winograd", rows["c2_pre"])
        else:
            self.assertIn("direct (", rows["c2_pre"])
            self.assertIn("this CPU has no oneDNN Winograd (it needs AVX-512)", rows["c2_pre"])
        self.assertIn("direct", rows["c1_pre"])
        self.assertIn("direct", rows["strided_pre"])
        self.assertIn("opencv: groups", rows["grouped_pre"])
        self.assertIn("opencv: dilation", rows["dilated_pre"])
        self.assertIn("Convolutions: auto:", p.stdout)
        p = self.run_cli("layers", "--model", net, "--input-size", "64x48", "--conv", "opencv", "-q")
        self.assertIn("Convolutions: opencv: 0 winograd, 0 direct, 7 opencv", p.stdout)

    def test_style_network_every_kernel(self):
        # Johnson's generator: 9x9 convs, stride-2 convs, 3x3 128->128 residual convs, instance norm.
        t7 = self.path("johnson.t7")
        style_nets.write_johnson_t7(t7, seed=4)
        outs = {}
        for conv in ("opencv", "winograd", "direct"):
            out = self.path(f"styled_{conv}.png")
            self.run_cli("stylize", BABOON, "--style", t7, "--style-size", "96x96", "--out", out, "--conv", conv, "-q")
            outs[conv] = read_png_bgr(out)
        for conv in ("winograd", "direct"):
            self.assertLessEqual(np.abs(outs[conv] - outs["opencv"]).max(), 1, conv)
        p = self.run_cli("layers", "--model", t7, "--input-size", "96x96", "--conv", "auto", "-q")
        # The residual blocks' 3x3 convs: Winograd where this CPU has it, else direct (and says why).
        needle = "winograd (" if self.winograd() else "no oneDNN Winograd"
        kernels = [l for l in p.stdout.splitlines() if needle in l]
        self.assertGreaterEqual(len(kernels), 10 if self.onednn() else 0)

    def test_bench_times_every_kernel_in_one_run_and_reports_them(self):
        js = self.path("bench.json")
        p = self.run_cli("bench", "--untrained", "-q", "--input-size", "48x48", "--layer", "block2_conv2", "--frames", "1",
                         "--warmup", "0", "--conv", "opencv,direct,winograd", "--json", js)
        with open(js) as f:
            d = json.load(f)
        self.assertEqual([r["conv"] for r in d["results"]], ["opencv", "direct", "winograd"])
        onednn = d["machine"]["onednn"]
        for r in d["results"]:
            kernels = {k["layer"]: k["kernel"] for k in r["conv_layers"]}
            self.assertEqual(len(kernels), 16)
            want = r["conv"] if onednn else "opencv"
            if want == "winograd" and not self.winograd():
                want = "direct"  # no oneDNN Winograd on this CPU: it runs direct
            self.assertEqual(kernels["block2_conv2"], want, r)
            self.assertTrue(r["conv_summary"].startswith(r["conv"] + ":"))
            self.assertGreater(r["forward_ms"], 0)
        self.assertIn("winograd", p.stdout)

    def test_targets_and_bad_values(self):
        p = self.run_cli("targets", "--conv", "opencv")
        self.assertIn("cpu convolutions:", p.stdout)
        for args in (["layers", "--untrained"], ["dump", BABOON, "--untrained", "--layer", "block1_conv1", "--out", self.path("x.npy")],
                     ["targets"], ["bench", "--untrained", "--frames", "1"]):
            p = self.run_cli(*args, "--conv", "fft", expect=1)
            self.assert_clean_failure(p, "--conv", "auto, winograd, direct, opencv")
        self.assertFalse(os.path.exists(self.path("x.npy")))


if __name__ == "__main__":
    unittest.main()
