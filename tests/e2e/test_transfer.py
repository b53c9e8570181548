"""`cnnscope transfer` end to end: the losses against the issue's definitions computed by numpy
(backward_ref.py) for a net with known weights; a run on opencv-doc images with the untrained
VGG19 where the loss falls and the output's Gram matrices approach the style image's; GIF, JSON,
Ctrl-C and bad input."""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, CliTest  # noqa: E402
import backward_ref as ref  # noqa: E402

GRAF = os.path.join(DATA, "graf1.png")
CONTENT = os.path.join(DATA, "messi5.jpg")
STYLE = os.path.join(DATA, "starry_night.jpg")


def load_json(path):
    with open(path) as f:
        return json.load(f)


def image_info(path):
    from PIL import Image
    with Image.open(path) as im:
        return im.size, getattr(im, "n_frames", 1)


class TransferTest(CliTest):
    def test_losses_match_numpy_for_known_weights(self):
        rng = np.random.default_rng(16)
        layers = ref.vgg_layers([("block1_conv1", 3, 4), ("block1_conv2", 4, 5), ("block1_pool",), ("block2_conv1", 5, 6)], rng)
        model = self.path("small.h5")
        ref.write_keras_h5(model, layers)
        w, h = 24, 20
        paths = {}
        for name, (left, top) in {"content": (100, 100), "style": (400, 300), "init": (250, 450)}.items():
            paths[name] = self.path(name + ".png")
            ref.save_crop(GRAF, paths[name], (left, top, left + w, top + h))
        alpha, beta, tv = 1.5, 200.0, 0.25
        styles = ["block1_conv1", "block1_conv2", "block2_conv1"]
        self.run_cli("transfer", paths["content"], "--style-image", paths["style"], "--init", paths["init"], "--model", model,
                     "--size", f"{w}x{h}", "--iterations", "1", "--content-layer", "block2_conv1", "--style-layers", ",".join(styles),
                     "--alpha", str(alpha), "--beta", str(beta), "--tv", str(tv), "--out", self.path("o.png"),
                     "--json", self.path("l.json"), "-q")
        doc = load_json(self.path("l.json"))
        got = doc["iterations"][0]
        self.assertEqual(got["iteration"], 0)
        self.assertEqual(doc["style_layers"], styles)
        names = [l["name"] for l in layers]
        x = ref.preprocess(paths["init"])
        outs_x, _ = ref.forward(layers, x)
        outs_p, _ = ref.forward(layers, ref.preprocess(paths["content"]))
        outs_s, _ = ref.forward(layers, ref.preprocess(paths["style"]))
        want = ref.gatys_losses(outs_x, outs_p, outs_s, names.index("block2_conv1"), [names.index(s) for s in styles], x, alpha, beta, tv)
        for key in ("content", "style", "tv", "total"):
            self.assertGreater(want[key], 0)
            self.assertLess(abs(got[key] - want[key]) / want[key], 1e-4, key)
        for g, wl in zip(got["style_layers"], want["style_layers"]):
            self.assertLess(abs(g - wl) / wl, 1e-4)
        for g, s in zip(got["gram_distance"], styles):
            G, A = ref.gram(outs_x[names.index(s)]), ref.gram(outs_s[names.index(s)])
            self.assertLess(abs(g - np.linalg.norm(G - A) / np.linalg.norm(A)), 1e-4)
        # The last entry is the image after the one step, and it is better.
        self.assertEqual(doc["iterations"][-1]["iteration"], 1)
        self.assertLess(doc["iterations"][-1]["total"], got["total"])

    def test_opencv_doc_photo_takes_the_style_of_starry_night(self):
        out, js = self.path("t.gif"), self.path("t.json")
        p = self.run_cli("transfer", CONTENT, "--style-image", STYLE, "--untrained", "--size", "64x48", "--iterations", "25",
                         "--every", "5", "--out", out, "--json", js)
        self.assertIn("UNTRAINED", p.stderr)
        doc = load_json(js)
        self.assertTrue(doc["untrained"])
        its = doc["iterations"]
        self.assertEqual([i["iteration"] for i in its], list(range(26)))
        self.assertEqual(its[0]["content"], 0)  # starts from the photo
        self.assertLess(its[-1]["total"], 0.3 * its[0]["total"])
        self.assertEqual(len(its[0]["gram_distance"]), 5)
        for first, last in zip(its[0]["gram_distance"], its[-1]["gram_distance"]):
            self.assertLess(last, 0.7 * first)
        size, frames = image_info(out)
        self.assertEqual(frames, 6)  # iterations 0, 5, ..., 20 and the result
        self.assertEqual(size[0], 64)
        self.assertGreater(size[1], 48)  # the caption strip
        # The PNG of the result: the same size as a GIF frame.
        self.run_cli("transfer", CONTENT, "--style-image", STYLE, "--untrained", "--size", "64x48", "--iterations", "2",
                     "--out", self.path("t.png"), "-q")
        self.assertEqual(image_info(self.path("t.png"))[0], size)

    def test_ctrl_c_finishes_the_gif(self):
        out = self.path("stop.gif")
        proc = subprocess.Popen([BIN, "transfer", CONTENT, "--style-image", STYLE, "--untrained", "--size", "64x48",
                                 "--iterations", "100000", "--every", "1", "--out", out, "--json", self.path("s.json")],
                                env=self.env, cwd=self.tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 120
        while time.time() < deadline and not any(f.startswith(".cnnscope-partial") or f.startswith("stop") for f in os.listdir(self.tmp)):
            time.sleep(0.2)
        time.sleep(2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 130, err)
        self.assertIn("stopped by signal", err)
        doc = load_json(self.path("s.json"))
        self.assertTrue(doc["stopped"])
        self.assertEqual(image_info(out)[1], len(doc["iterations"]))  # every iteration, plus the result

    def test_bad_input(self):
        base = ["transfer", CONTENT, "--untrained"]
        cases = [
            (["--style-image", self.path("none.png"), "--out", self.path("a.png")], "--style-image"),
            (["--style-image", STYLE, "--out", self.path("a.jpg")], ".png or .gif"),
            (["--style-image", STYLE, "--out", self.path("a.png"), "--content-layer", "nope"], "unknown layer"),
            (["--style-image", STYLE, "--out", self.path("a.png"), "--style-layers", "block1_conv1,block9_conv9"], "block9_conv9"),
            (["--style-image", STYLE, "--out", self.path("a.png"), "--iterations", "0"], "--iterations"),
            (["--style-image", STYLE, "--out", self.path("a.png"), "--lr", "0"], "--lr"),
            (["--style-image", STYLE, "--out", self.path("a.png"), "--size", "0x5"], "--size"),
            (["--style-image", STYLE, "--out", self.path("no/such/dir/a.png")], "a.png"),
        ]
        for extra, needle in cases:
            for opt, value in (("--iterations", "1"), ("--size", "32x32")):
                if opt not in extra:
                    extra = extra + [opt, value]
            p = self.run_cli(*base, *extra, expect=1)
            self.assert_clean_failure(p, needle)
        self.assertFalse(os.path.exists(self.path("a.png")))


if __name__ == "__main__":
    unittest.main()
