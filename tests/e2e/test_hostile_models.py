"""Hostile model files (hostile_files.py) on every command that loads a model: `layers`, `grid`,
`compare-models --model2` and the window (`view --model2`, under xvfb-run). Each must end in one
clean error naming the problem (exit 1, no signal, no hang, nothing read outside the file), and
the valid variants (float16 / float64 Keras weights, a complete Darknet file) must load right."""
import os
import shutil
import subprocess
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import hostile_files as hf  # noqa: E402
from helpers import BIN, VTEST, CliTest, address_space_limit, window_env  # noqa: E402

TIMEOUT = 30  # a FIFO as external storage used to hang forever


class HostileTest(CliTest):
    def fails_clean(self, args, *needles, gui=False, memory=None):
        """memory: an address-space limit in bytes (a file that makes cnnscope allocate what it
        declares then fails the run as it would on a smaller machine)."""
        cmd = [*address_space_limit(memory), BIN, *args]
        if gui:
            cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", *cmd]
        try:
            p = subprocess.run(cmd, env=window_env(self.env) if gui else self.env, cwd=self.tmp, capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail(f"cnnscope {' '.join(args)} hung (> {TIMEOUT} s)")
        self.assertEqual(p.returncode, 1, f"cnnscope {' '.join(args)}: exit {p.returncode}\n{p.stderr[-2000:]}")
        errors = [l for l in p.stderr.splitlines() if l.startswith("cnnscope: error:")]
        self.assertEqual(len(errors), 1, p.stderr)
        for n in needles:
            self.assertIn(n, errors[0])
        for internal in ("OpenCV(", ".cpp:", "Assertion", "H5", "(-215"):
            self.assertNotIn(internal, errors[0])
        return errors[0]

    def every_command(self, model, *needles, config=(), memory=None):
        """layers, grid, compare-models --model2 and view --model2 all refuse `model`."""
        m = ["--model", model, *config]
        self.fails_clean(["layers", *m, "-q"], *needles, memory=memory)
        out = self.path("grids")
        self.fails_clean(["grid", VTEST, *m, "--out", out, "--frame", "2"], *needles, memory=memory)
        self.assertFalse(os.path.exists(out) and os.listdir(out), "grid left files behind")
        if config:  # --model2 takes one file
            return
        self.fails_clean(["compare-models", VTEST, "--untrained", "--model2", model, "--layer", "block1_conv1",
                          "--out", self.path("c.png"), "--frame", "2"], "--model2", *needles, memory=memory)
        self.assertFalse(os.path.exists(self.path("c.png")))
        if shutil.which("xvfb-run"):
            self.fails_clean(["view", VTEST, "--untrained", "--model2", model, "--layer", "block1_conv1", "--grid",
                              "--frames", "2", "--screenshot", self.path("v.png")], "--model2", *needles, gui=True)


class KerasOutsideTheFileTest(HostileTest):
    """HDF5 ways to make a .h5 read other files: all refused before a byte of data is read."""
    INSIDE = "stored in the file itself"

    def test_external_raw_storage(self):
        fifo = self.path("fifo")
        os.mkfifo(fifo)
        targets = {"passwd": "/etc/passwd", "zero": "/dev/zero", "rel": "../../../etc/hostname", "fifo": fifo}
        for name, target in targets.items():
            with self.subTest(target=target):
                f = self.path(f"ext_{name}.h5")
                hf.keras_external_storage(f, target)
                self.fails_clean(["layers", "--model", f, "-q"], "external storage", self.INSIDE)
        self.every_command(self.path("ext_fifo.h5"), "external storage")

    def test_links_and_virtual_datasets(self):
        cases = {
            "elink.h5": (lambda f: hf.keras_external_link(f, self.path("other.h5")), "external link"),
            "elink_group.h5": (lambda f: hf.keras_external_link_group(f, self.path("other_group.h5")), "external link"),
            "soft.h5": (hf.keras_soft_link, "soft link"),
            "soft_dangling.h5": (hf.keras_dangling_soft_link, "soft link"),
            "virtual.h5": (lambda f: hf.keras_virtual(f, self.path("vsrc.h5")), "virtual dataset"),
        }
        for name, (write, needle) in cases.items():
            with self.subTest(file=name):
                write(self.path(name))
                self.fails_clean(["layers", "--model", self.path(name), "-q"], needle, self.INSIDE)
        self.fails_clean(["compare-models", VTEST, "--untrained", "--model2", self.path("elink_group.h5"), "--layer",
                          "block1_conv1", "--out", self.path("c.png"), "--frame", "2"], "--model2", "external link")

    def test_plugin_filters_and_non_float_data(self):
        hf.keras_unknown_filter(self.path("filter.h5"))
        self.fails_clean(["layers", "--model", self.path("filter.h5"), "-q"], "filter 32001", "not built into HDF5")
        hf.keras_int_kernel(self.path("int.h5"))
        hf.keras_string_kernel(self.path("str.h5"))
        for f in ("int.h5", "str.h5"):
            self.fails_clean(["layers", "--model", self.path(f), "-q"], "floating-point")


class KerasBoundsTest(HostileTest):
    """What a Keras file declares is bounded before it is read: a few MB of deflated zeros that
    declare 4 GiB of weights are refused (they made `layers` allocate until std::bad_alloc), and
    every weight a layer lists is used or the layer is refused (a third weight was dropped unseen)."""

    def test_deflate_bomb(self):
        hf.keras_deflate_bomb(self.path("bomb.h5"))
        self.assertLess(os.path.getsize(self.path("bomb.h5")), 64 << 20)
        self.every_command(self.path("bomb.h5"), "block1_conv1", "1024 MB", memory=6 << 30)

    def test_extra_weight(self):
        hf.keras_extra_weight(self.path("extra.h5"))
        self.fails_clean(["layers", "--model", self.path("extra.h5"), "-q"], "'block1_conv1/extra:0' (4,4)",
                         "neither its kernel nor its bias")


class KerasFloatTypesTest(CliTest):
    """float16 and float64 Keras weights are valid: they load, and give the maps of the same
    values stored as float32."""

    def dump(self, model):
        out = self.path(os.path.basename(model) + ".npy")
        self.run_cli("dump", VTEST, "--model", model, "--layer", "block1_conv2", "--frame", "3", "--out", out,
                     "--input-size", "64x48")
        return np.load(out)

    def test_float16_and_float64_weights(self):
        for dtype in (np.float16, np.float64):
            with self.subTest(dtype=dtype.__name__):
                odd, ref = self.path(f"w_{dtype.__name__}.h5"), self.path(f"ref_{dtype.__name__}.h5")
                hf.write_keras(odd, dtype=dtype)
                # the reference holds exactly the values the odd type stores, as float32
                import h5py
                with h5py.File(odd, "r") as f, h5py.File(ref, "w") as r:
                    for k, v in f.attrs.items():
                        r.attrs[k] = v
                    for name in f:
                        g = r.create_group(name)
                        for k, v in f[name].attrs.items():
                            g.attrs[k] = v
                        f[name].visititems(lambda p, o, g=g: g.__setitem__(p, o[()].astype(np.float32))
                                           if isinstance(o, h5py.Dataset) else None)
                a, b = self.dump(odd), self.dump(ref)
                self.assertEqual(a.shape, b.shape)
                self.assertGreater(np.abs(b).max(), 0)
                np.testing.assert_array_equal(a, b)


class OnnxMalformedTest(HostileTest):
    """ONNX tensors that lie about their size, weights that are not there, external data: one
    error naming the tensor or node, with and without a bias (without one, OpenCV 4.6 crashed)."""
    CASES = {
        hf.onnx_short_raw: "holds 8 bytes",
        hf.onnx_long_dims: "declares dims (64,3,3,3)",
        hf.onnx_huge_dims: "more values than any model holds",
        hf.onnx_overflow_dims: "more values than any model holds",
        hf.onnx_negative_dims: "negative dimension",
        hf.onnx_external: "external file",
        hf.onnx_missing_weight: "not from an initializer",
        hf.onnx_weight_as_input: "not from an initializer",
        hf.onnx_conv_one_input: "needs 2",
        hf.onnx_float_data_short: "holds 10",
        hf.onnx_no_data: "holds no data",
        hf.onnx_weight_rank1: "3 to 5 dims",
        hf.onnx_unshaped_input: "graph input 'X' has no shape",
    }

    def test_each_lie(self):
        for mutate, needle in self.CASES.items():
            # with a bias OpenCV 4.6 mostly throws, without one it crashes: both for the first three
            for bias in ((True, False) if mutate in (hf.onnx_short_raw, hf.onnx_missing_weight, hf.onnx_external) else (False,)):
                with self.subTest(case=mutate.__name__, bias=bias):
                    f = self.path(f"{mutate.__name__}_{int(bias)}.onnx")
                    hf.onnx_conv(f, mutate, bias=bias)
                    err = self.fails_clean(["layers", "--model", f, "-q"], needle)
                    self.assertTrue("'W'" in err or "'conv1'" in err or "'X'" in err, err)

    def test_every_command_on_the_crashers(self):
        for mutate in (hf.onnx_external, hf.onnx_short_raw):
            with self.subTest(case=mutate.__name__):
                f = self.path(f"{mutate.__name__}.onnx")
                hf.onnx_conv(f, mutate, bias=False)
                self.fails_clean(["compare-models", VTEST, "--untrained", "--model2", f, "--layer", "block1_conv1",
                                  "--out", self.path("c.png"), "--frame", "2"], "--model2", self.CASES[mutate])
        f = self.path("missing_weight.onnx")
        hf.onnx_conv(f, hf.onnx_missing_weight, bias=False)
        self.every_command(f, self.CASES[hf.onnx_missing_weight])

    def test_types_opencv_cannot_read_and_truncation(self):
        hf.onnx_conv(self.path("f16.onnx"), weight_dtype=np.float16)
        self.fails_clean(["layers", "--model", self.path("f16.onnx"), "-q"], "float16", "float32")
        hf.onnx_truncated_file(self.path("cut.onnx"))
        self.fails_clean(["layers", "--model", self.path("cut.onnx"), "-q"], "truncated")
        hf.onnx_conv(self.path("ok.onnx"), bias=False)
        self.run_cli("layers", "--model", self.path("ok.onnx"), "-q")


class OnnxAttributesTest(HostileTest):
    """Conv and pool attributes OpenCV divides by or sizes with are checked before it reads them
    (group 0 was a SIGFPE, a kernel_shape other than the weight's loaded and read past the weights),
    and what OpenCV's shape inference refuses is said in the user's terms, not as its assertion."""

    def test_attributes(self):
        for mutate, needles in ((hf.onnx_group0, ("group (0)", "1 to 65536")),
                                (hf.onnx_kernel_shape_lie, ("kernel_shape (5,5)", "(4,3,3,3) has kernel (3,3)"))):
            with self.subTest(case=mutate.__name__):
                f = self.path(mutate.__name__ + ".onnx")
                hf.onnx_conv(f, mutate)
                self.fails_clean(["layers", "--model", f, "-q"], "'conv1' (Conv)", *needles)
        f = self.path("group0.onnx")
        hf.onnx_conv(f, hf.onnx_group0, bias=False)
        self.every_command(f, "group (0)")

    def test_normalisation_sizes(self):
        f = self.path("bn.onnx")
        hf.onnx_conv(f, hf.onnx_bn_short)
        self.every_command(f, "'bn1' (BatchNormalization)", "3 values in 's' for the 4 channels")

    def test_shape_inference(self):
        f = self.path("pool.onnx")
        hf.onnx_conv(f, hf.onnx_pool_too_big)
        err = self.fails_clean(["layers", "--model", f, "-q"], "cannot run at input size 224x224", "--input-size")
        self.assertNotIn("OpenCV: ", err)
        self.fails_clean(["grid", VTEST, "--model", f, "--out", self.path("g"), "--frame", "2"], "cannot run at input size")


class BlobCountTest(HostileTest):
    """A blob of more than 2^31 - 1 values wraps OpenCV's int count ('total(os[i]) > 0'): a wide
    conv at a large --input-size is refused in plain words, whatever the memory budget allows."""

    def test_wide_conv_at_a_large_input(self):
        import onnx
        from onnx import TensorProto, helper, numpy_helper
        w, b = np.zeros((256, 3, 3, 3), np.float32), np.zeros(256, np.float32)
        graph = helper.make_graph(
            [helper.make_node("Conv", ["input", "w", "b"], ["wide"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="wide")], "g",
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 64, 64])],
            [helper.make_tensor_value_info("wide", TensorProto.FLOAT, [1, 256, 64, 64])],
            [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
        f = self.path("wide.onnx")
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)]), f)
        self.env["CNNSCOPE_MAX_MEMORY_MB"] = "100000000"
        err = self.fails_clean(["layers", "--model", f, "--input-size", "4096x4096", "-q"],
                               "input size 4096x4096 is too large", "2^31 - 1", "--input-size")
        self.assertNotIn("total(", err)
        self.run_cli("layers", "--model", f, "--input-size", "300x200", "-q")


class NamesFromTheFileTest(HostileTest):
    """Names read from a model file reach the terminal escaped: a layer or node name holding a
    terminal escape or bytes that are not UTF-8 is printed as \\xNN, never raw."""
    EVIL = b"\x1b[2J\x1b]0;pwned\x07\xff\xfe"

    def raw_error(self, model):
        p = subprocess.run([BIN, "layers", "--model", model, "-q"], env=self.env, cwd=self.tmp, capture_output=True,
                           timeout=TIMEOUT)
        self.assertEqual(p.returncode, 1, p.stderr[-2000:])
        err = p.stderr
        self.assertNotIn(b"\x1b", err)
        self.assertNotIn(b"\x07", err)
        err.decode("utf-8")  # valid UTF-8 throughout
        self.assertIn(b"\\x1b[2J", err)
        return err

    def test_keras_layer_name(self):
        import h5py
        f = self.path("evil.h5")
        hf.write_keras(f)
        with h5py.File(f, "a") as h:
            h.attrs["layer_names"] = np.array([self.EVIL, b"block1_conv1"])
        self.raw_error(f)

    def test_onnx_node_name(self):
        def evil(m):
            hf.onnx_group0(m)
            m.graph.node[0].name = self.EVIL.decode("latin-1")  # ESC, BEL and two bytes as UTF-8 would not be
        f = self.path("evil.onnx")
        hf.onnx_conv(f, evil)
        self.raw_error(f)


class DarknetTruncatedTest(HostileTest):
    """A Darknet weights file with fewer floats than its .cfg's layers take is an error (it
    loaded as all-zero maps); the complete file loads."""

    def test_cut_weights(self):
        cfg, full = self.path("net.cfg"), self.path("net.weights")
        size = hf.darknet(cfg, full)
        self.run_cli("layers", "--model", full, "--config", cfg, "-q")
        for keep in (20, size // 2, size - 4):
            with self.subTest(keep=keep):
                f = self.path(f"cut{keep}.weights")
                hf.darknet(cfg, f, keep=keep)
                self.fails_clean(["layers", "--model", f, "--config", cfg, "-q"], "truncated", "needs 272")
        self.every_command(self.path("cut20.weights"), "truncated", config=("--config", cfg))


class CaffeAndWeightTypesTest(HostileTest):
    """A Caffe blob cut short, a conv layer the .caffemodel has no blobs for, a cut file; a
    TensorFlow Const whose tensor_content does not fill its shape; a Torch7 style network cut
    short; ONNX conv weights OpenCV cannot run (int8/int64): one error each instead of OpenCV's
    assertions."""

    def test_caffe(self):
        proto = self.path("net.prototxt")
        hf.caffe(proto, self.path("ok.caffemodel"))
        self.run_cli("layers", "--model", self.path("ok.caffemodel"), "--config", proto, "-q")
        hf.caffe(proto, self.path("none.caffemodel"), blobs="none")
        self.fails_clean(["layers", "--model", self.path("none.caffemodel"), "--config", proto, "-q"], "'conv1'", "no weights")
        hf.caffe(proto, self.path("short.caffemodel"), short=50)
        self.fails_clean(["layers", "--model", self.path("short.caffemodel"), "--config", proto, "-q"],
                         "'conv1'", "(4,3,3,3) = 108 values but holds 58")
        data = hf._read(self.path("ok.caffemodel"))
        hf._write(self.path("cut.caffemodel"), data[: len(data) * 2 // 3], "wb")
        self.fails_clean(["layers", "--model", self.path("cut.caffemodel"), "--config", proto, "-q"], "truncated")
        self.every_command(self.path("none.caffemodel"), "no weights", config=("--config", proto))

    def test_tensorflow_const_cut_short(self):
        hf.tensorflow(self.path("ok.pb"))
        self.run_cli("layers", "--model", self.path("ok.pb"), "-q")
        for name, kw in (("short", {"keep": 16}), ("grown", {"dims": (3, 3, 3, 400)}), ("huge", {"dims": (3, 3, 3, 1 << 40)})):
            with self.subTest(case=name):
                hf.tensorflow(self.path(f"{name}.pb"), **kw)
                self.fails_clean(["layers", "--model", self.path(f"{name}.pb"), "-q"], "node 'w'", "holds")

    def test_torch7_style_network_cut_short(self):
        import style_nets
        style_nets.write_t7(self.path("ok.t7"), style_nets.test_weights())
        data = hf._read(self.path("ok.t7"))
        img = os.path.join(os.path.dirname(VTEST), "messi5.jpg")
        for frac in (0.3, 0.9):
            with self.subTest(frac=frac):
                hf._write(self.path("cut.t7"), data[: int(len(data) * frac)], "wb")
                self.fails_clean(["stylize", img, "--style", self.path("cut.t7"), "--out", self.path("s.png")],
                                 "style network", "truncated")
                self.assertFalse(os.path.exists(self.path("s.png")))

    def test_integer_conv_weights(self):
        from onnx import TensorProto
        for name, dtype, np_type in (("int8", TensorProto.INT8, np.int8), ("int64", TensorProto.INT64, np.int64)):
            def to_int(m, dtype=dtype, np_type=np_type):
                for t in m.graph.initializer:
                    a = np.frombuffer(t.raw_data, dtype=np.float32)
                    t.data_type, t.raw_data = dtype, (a * 100).astype(np_type).tobytes()
            with self.subTest(dtype=name):
                f = self.path(f"{name}.onnx")
                hf.onnx_conv(f, to_int)
                self.fails_clean(["dump", VTEST, "--model", f, "--layer", "conv1", "--out", self.path("d.npy")],
                                 "'conv1'", "float32")


class LayerLookupAndOptionsTest(CliTest):
    """One layer lookup for every command; no silent choices between conflicting options."""

    def test_backprop_takes_the_names_layers_lists(self):
        f = self.path("net.onnx")
        hf.onnx_conv(f)
        names = [l.split()[0] for l in self.run_cli("layers", "--model", f, "-q").stdout.splitlines() if l.split()]
        self.assertIn("conv1", names)
        img = os.path.join(os.path.dirname(VTEST), "messi5.jpg")
        outs = []
        for layer in ("conv1", "onnx_node!conv1"):
            outs.append(self.path(f"bp{len(outs)}.png"))
            self.run_cli("backprop", img, "--model", f, "--layer", layer, "--channel", "1", "--out", outs[-1], "-q")
        self.assertEqual(hf._read(outs[0]), hf._read(outs[1]))

    def test_grid_without_conv_layers_refuses(self):
        import onnx
        from onnx import helper, TensorProto
        nodes = [helper.make_node("Relu", ["X"], ["r"], name="relu1"),
                 helper.make_node("MaxPool", ["r"], ["Y"], name="pool1", kernel_shape=[2, 2], strides=[2, 2])]
        g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 3, 32, 32])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [1, 3, 16, 16])])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)])
        m.ir_version = 6
        onnx.save(m, self.path("noconv.onnx"))
        out = self.path("grids")
        p = self.run_cli("grid", VTEST, "--model", self.path("noconv.onnx"), "--out", out, expect=1)
        self.assert_clean_failure(p, "no convolution layers", "--layer")
        self.assertFalse(os.path.exists(out) and os.listdir(out), "grid wrote files")
        self.run_cli("grid", VTEST, "--model", self.path("noconv.onnx"), "--layer", "pool1", "--out", out, "-q")
        self.assertEqual(os.listdir(out), ["pool1.png"])

    def test_untrained_with_model_refuses(self):
        f = self.path("net.onnx")
        hf.onnx_conv(f)
        for cmd in (["layers"], ["dump", VTEST, "--layer", "block1_conv1", "--out", self.path("d.npy")]):
            p = self.run_cli(*cmd, "--untrained", "--model", f, expect=1)
            self.assert_clean_failure(p, "--untrained", "--model", "give one of them")
        self.assertFalse(os.path.exists(self.path("d.npy")))


if __name__ == "__main__":
    unittest.main()
