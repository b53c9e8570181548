"""The style stage end to end: style networks the tests write in the real files' formats (Torch7
.t7 and ONNX) with known weights, run by the real binary on real footage, checked against numpy;
VGG19 seeing the stylised frame; the comparison figure and Gram matrices against numpy."""
import os
import shutil
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import DATA, VTEST, CliTest, read_png_bgr, garbage  # noqa: E402
import style_nets  # noqa: E402

GRAF = os.path.join(DATA, "graf1.png")  # 800x640, lossless: the numpy side reads the same pixels
MEAN = np.array([103.939, 116.779, 123.68])


def expected_torch(img, w):
    """Johnson's processing: BGR minus the ImageNet mean in, the mean added back to the output."""
    y = style_nets.forward_numpy((img - MEAN).transpose(2, 0, 1), w).transpose(1, 2, 0) + MEAN
    return np.clip(np.rint(y), 0, 255)


def expected_onnx(img, w):
    """ONNX model zoo processing: RGB 0..255 in and out."""
    y = style_nets.forward_numpy(img[:, :, ::-1].transpose(2, 0, 1), w).transpose(1, 2, 0)[:, :, ::-1]
    return np.clip(np.rint(y), 0, 255)


class StyleTest(CliTest):
    def setUp(self):
        super().setUp()
        self.w = style_nets.test_weights()
        self.t7 = self.path("net.t7")
        self.onnx = self.path("net.onnx")
        style_nets.write_t7(self.t7, self.w)
        style_nets.write_onnx(self.onnx, self.w)
        self.img = read_png_bgr(GRAF).astype(np.float64)

    def stylize(self, style, *extra, source=GRAF):
        out = self.path("styled.png")
        p = self.run_cli("stylize", source, "--style", style, "--out", out, *extra)
        return read_png_bgr(out).astype(np.float64), p

    def test_torch7_file_matches_numpy(self):
        got, p = self.stylize(self.t7, "--style-size", "800x640")
        self.assertIn("no models.yml entry", p.stderr)  # an unlisted file gets the Torch defaults, and says so
        diff = np.abs(got - expected_torch(self.img, self.w))
        self.assertLessEqual(diff.max(), 1.0)
        self.assertGreater(np.abs(got - self.img).mean(), 10)  # it really changed the picture

    def test_onnx_file_matches_numpy(self):
        got, _ = self.stylize(self.onnx, "--style-size", "800x640")
        self.assertLessEqual(np.abs(got - expected_onnx(self.img, self.w)).max(), 1.0)

    def test_default_work_size_and_output_size(self):
        got, p = self.stylize(self.t7)
        self.assertIn("at 320x256", p.stderr)  # 800x640 scaled to 320 wide
        self.assertEqual(got.shape, self.img.shape)
        # Run at 320x256 and scaled back: close to the full-size result, not equal to it.
        err = np.abs(got - expected_torch(self.img, self.w)).mean()
        self.assertLess(err, 20)

    def test_catalogue_names_use_the_real_file_names_and_processing(self):
        models = self.env["CNNSCOPE_MODELS_DIR"]
        os.makedirs(models)
        shutil.copy(self.t7, os.path.join(models, "starry_night.t7"))
        style_nets.write_onnx(os.path.join(models, "mosaic-9.onnx"), self.w, size=(224, 224))
        got, p = self.stylize("starry_night", "--style-size", "800x640")
        self.assertNotIn("no models.yml entry", p.stderr)
        self.assertIn("Starry Night", p.stderr)
        self.assertLessEqual(np.abs(got - expected_torch(self.img, self.w)).max(), 1.0)
        got, p = self.stylize("mosaic_onnx")
        self.assertIn("at 224x224", p.stderr)  # the zoo's fixed input size
        self.assertEqual(got.shape, self.img.shape)
        # A style network is never taken as the network to visualise.
        p = self.run_cli("layers", "--model", "starry_night", expect=1)
        self.assert_clean_failure(p, "is a style network", "--style")
        p = self.run_cli("layers")
        self.assertIn("UNTRAINED", p.stderr)

    def test_vgg_sees_the_stylised_frame_of_real_footage(self):
        styled = self.path("frame10.png")
        self.run_cli("stylize", VTEST, "--style", self.t7, "--frame", "10", "--out", styled)
        a, b = self.path("a.npy"), self.path("b.npy")
        self.run_cli("dump", VTEST, "--frame", "10", "--style", self.t7, "--layer", "block2_conv1", "--out", a, "--untrained")
        self.run_cli("dump", styled, "--layer", "block2_conv1", "--out", b, "--untrained")
        np.testing.assert_array_equal(np.load(a), np.load(b))
        plain = self.path("plain.npy")
        self.run_cli("dump", VTEST, "--frame", "10", "--layer", "block2_conv1", "--out", plain, "--untrained")
        self.assertGreater(np.abs(np.load(plain) - np.load(a)).mean(), 1e-3)

    def test_compare_figure_and_gram_matrices(self):
        fig, prefix = self.path("cmp.png"), self.path("g")
        p = self.run_cli("compare", VTEST, "--style", self.t7, "--layer", "block1_conv2", "--frame", "5", "--out", fig,
                         "--gram", prefix, "--untrained")
        self.assertIn("Gram distance", p.stderr)
        from PIL import Image
        with Image.open(fig) as im:
            self.assertGreater(im.size[0], 2 * 448)
            self.assertGreater(im.size[1], 448)
        # Independently: activations of both frames from `dump`, Gram matrices in numpy.
        styled = self.path("f5.png")
        self.run_cli("stylize", VTEST, "--style", self.t7, "--frame", "5", "--out", styled)
        for name, src, extra in (("original", VTEST, ["--frame", "5"]), ("stylised", styled, [])):
            act = self.path(name + ".npy")
            self.run_cli("dump", src, *extra, "--layer", "block1_conv2", "--out", act, "--untrained")
            F = np.load(act)[0].astype(np.float64)
            C = F.shape[0]
            F = F.reshape(C, -1)
            expect = F @ F.T / F.shape[1]
            got = np.load(f"{prefix}_{name}.npy")
            self.assertEqual(got.shape, (C, C))
            np.testing.assert_allclose(got, expect, rtol=2e-4, atol=1e-6 * np.abs(expect).max())
        go, gs = np.load(prefix + "_original.npy"), np.load(prefix + "_stylised.npy")
        distance = np.linalg.norm(gs - go) / np.linalg.norm(go)
        self.assertIn(f"Gram distance {distance:.4f}", p.stderr)

    def test_dump_gram(self):
        act, gram = self.path("a.npy"), self.path("g.npy")
        self.run_cli("dump", GRAF, "--layer", "block3_conv1", "--out", act, "--gram", gram, "--untrained")
        F = np.load(act)[0].astype(np.float64).reshape(256, -1)
        np.testing.assert_allclose(np.load(gram), F @ F.T / F.shape[1], rtol=2e-4, atol=1e-6 * np.abs(F).max() ** 2)

    def test_record_and_stylize_streams_of_real_footage(self):
        gif = self.path("rec.gif")
        p = self.run_cli("record", VTEST, "--style", self.t7, "--layer", "block1_conv1", "--channel", "3", "--frames", "4",
                         "--size", "160x120", "--out", gif, "--untrained")
        from PIL import Image
        with Image.open(gif) as im:
            self.assertEqual(im.n_frames, 4)
        mp4 = self.path("styled.gif")
        self.run_cli("stylize", VTEST, "--style", self.t7, "--frames", "3", "--out", mp4)
        with Image.open(mp4) as im:
            self.assertEqual(im.n_frames, 3)
            self.assertEqual(im.size, (768, 576))

    def test_bad_style_inputs(self):
        out = self.path("out")
        os.makedirs(out)
        target = os.path.join(out, "x.png")
        p = self.run_cli("stylize", GRAF, "--style", self.path("absent.t7"), "--out", target, expect=1)
        self.assert_clean_failure(p, "absent.t7", "does not exist")
        p = self.run_cli("stylize", GRAF, "--style", "starry_night", "--out", target, expect=1)
        self.assert_clean_failure(p, "cnnscope fetch starry_night")
        junk = self.path("junk.onnx")
        with open(junk, "wb") as f:
            f.write(garbage(2000, seed=1))
        p = self.run_cli("stylize", GRAF, "--style", junk, "--out", target, expect=1)
        self.assert_clean_failure(p, "cannot read style network")
        bad = self.path("five.onnx")
        self._write_five(bad)
        p = self.run_cli("stylize", GRAF, "--style", bad, "--out", target, expect=1)
        self.assert_clean_failure(p, "not an image")
        p = self.run_cli("dump", GRAF, "--layer", "block1_conv1", "--out", self.path("a.npy"), "--style-size", "64x64",
                         "--untrained", expect=1)
        self.assert_clean_failure(p, "--style-size needs --style")
        self.assert_no_files_left(out)

    def test_fetch_script_checks_style_checksums_and_leaves_nothing_on_mismatch(self):
        """models/fetch_models.sh (a wrapper of `cnnscope fetch`) against a local server that serves
        the wrong bytes: the catalogue's sha1/sha256 refuse them and nothing is left."""
        import subprocess
        from helpers import BIN
        from http_fixture import Server
        root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
        script = os.path.join(root, "models", "fetch_models.sh")
        env = {k: v for k, v in self.env.items() if "proxy" not in k.lower()}
        env.update(CNNSCOPE_BIN=BIN)
        env.pop("CNNSCOPE_MODELS_DIR")  # the real catalogue, from the source tree
        p = subprocess.run([script, "--list"], capture_output=True, text=True, check=True, env=env, cwd=self.tmp)
        self.assertIn("sha1:5b5e115253197b84d6c6ece1dafe6c15d7105ca6", p.stdout)  # starry_night.t7
        self.assertIn("sha256:fa646ded", p.stdout)  # mosaic-9.onnx
        dest = self.path("fetched")
        os.makedirs(dest)
        files = {n: b"not a model\n" for n in ("starry_night.t7", "feathers.t7", "mosaic-9.onnx")}
        with Server(files) as server:
            env.update(CNNSCOPE_MODEL_URL_BASE=server.base("ok"))
            p = subprocess.run([script, "--styles", "--dir", dest], capture_output=True, text=True, env=env, cwd=self.tmp)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("sha1 of the downloaded starry_night.t7 is", p.stderr)
        self.assertIn("sha256 of the downloaded mosaic-9.onnx is", p.stderr)
        self.assertEqual(os.listdir(dest), [])

    def _write_five(self, path):
        import onnx
        from onnx import TensorProto, helper, numpy_helper
        w = numpy_helper.from_array(np.ones((5, 3, 1, 1), np.float32), "w")
        g = helper.make_graph([helper.make_node("Conv", ["input1", "w"], ["out"], kernel_shape=[1, 1])], "five",
                              [helper.make_tensor_value_info("input1", TensorProto.FLOAT, [1, 3, "h", "w"])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 5, "h", "w"])], [w])
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 9)]), path)


if __name__ == "__main__":
    unittest.main(verbosity=2)
