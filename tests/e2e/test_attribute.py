"""`cnnscope attribute` and `--ablate` end to end, against torch autograd on the small with-top
Keras-layout net test_classify.py writes: per-channel gradient x activation summed over
positions, its ranking; channels of the layer zeroed in torch's forward, the top 5 and the
attribution after, and `cam --ablate`'s map; bad input."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import CliTest, read_json  # noqa: E402
from test_cam import definition  # noqa: E402
from test_classify import IMAGENET, read_lines, save_crop, small_with_top, softmax, write_with_top_h5  # noqa: E402
from why_nets import keras_autograd  # noqa: E402


def zero_channels(channels):
    def edit(x):
        keep = np.ones(x.shape[1])
        keep[channels] = 0
        import torch
        return x * torch.from_numpy(keep)[None, :, None, None]
    return edit


def with_top_fixture(test):
    """The small with-top net (seed 25) written as TEST.model, the crop as TEST.image with its
    blob, and ImageNet's labels; shared with test_gui_why."""
    test.convs, test.dense = small_with_top(np.random.default_rng(25))
    test.model = test.path("with_top.h5")
    write_with_top_h5(test.model, test.convs, test.dense)
    test.image = test.path("crop.png")
    test.blob = save_crop(test.image)
    test.labels = read_lines(IMAGENET)


class AttributeTest(CliTest):
    def setUp(self):
        super().setUp()
        with_top_fixture(self)

    def check_part(self, part, A, G, k, z):
        want = (A * G).sum(axis=(1, 2))
        got = {c["channel"]: c["attribution"] for c in part["channels"]}
        self.assertEqual(len(got), min(10, len(want)))
        self.assertEqual(list(got), np.argsort(-want, kind="stable")[:len(got)].tolist())
        for c, v in got.items():
            self.assertLess(abs(v - want[c]), 1e-4 * np.abs(want).max())
        self.assertEqual(part["class"]["index"], k)
        self.assertAlmostEqual(part["class"]["probability"], softmax(z)[k], delta=1e-5)
        self.assertEqual([t["index"] for t in part["top"]], np.argsort(-z, kind="stable")[:5].tolist())
        self.assertEqual(part["top"][0]["label"], self.labels[int(np.argmax(z))])

    def test_attribution_and_ablation_match_torch(self):
        for layer, cls, ablate, channels in (("block2_conv1", None, "1,4", [1, 4]), ("block1_pool", 9, "0-2", [0, 1, 2])):
            js = self.path("a.json")
            args = ["--class", str(cls)] if cls is not None else []
            p = self.run_cli("attribute", self.image, "--model", self.model, "--input-size", "32x32", "--layer", layer, "--ablate", ablate,
                             "--json", js, *args)
            doc = read_json(js)
            A, G, k, z = keras_autograd(self.blob, self.convs, self.dense, layer, cls)
            self.check_part(doc["intact"], A, G, k, z)
            self.assertEqual(doc["ablated_channels"], channels)
            A2, G2, _, z2 = keras_autograd(self.blob, self.convs, self.dense, layer, k, zero_channels(channels))
            self.check_part(doc["ablated"], A2, G2, k, z2)
            self.assertGreater(np.abs(z2 - z).max(), 1e-2 * np.abs(z).max())  # the ablation changes the scores
            self.assertIn(f"channel {doc['intact']['channels'][0]['channel']}", p.stdout)
            # cam --ablate: the ablated network's map for the same class, and its top 5.
            npy, cj = self.path("m.npy"), self.path("cam.json")
            self.run_cli("cam", self.image, "--model", self.model, "--input-size", "32x32", "--layer", layer, "--method", "gradcam++",
                         "--ablate", ablate, "--out", npy, "--json", cj, "-q", *args)
            want = definition("gradcam++", A2, G2)
            got = np.load(npy)
            self.assertLess(np.abs(got - want).max(), 1e-3 * want.max())
            self.assertGreater(np.abs(definition("gradcam++", A, G) - want).max(), 1e-2 * want.max())
            f = read_json(cj)["frames"][0]
            self.assertEqual([t["index"] for t in f["top"]], np.argsort(-z, kind="stable")[:5].tolist())
            self.assertEqual([t["index"] for t in f["ablated_top"]], np.argsort(-z2, kind="stable")[:5].tolist())
            self.assertEqual(read_json(cj)["ablated"], channels)

    def test_bad_input(self):
        base = ["attribute", self.image, "--model", self.model, "--input-size", "32x32"]
        for args, needles in ((["--layer", "block2_conv1", "--ablate", "6"], ["--ablate", "channel 6", "0..5"]),
                              (["--layer", "block2_conv1", "--ablate", "x,1"], ["--ablate", "'x'"]),
                              (["--layer", "fc1"], ["fc1", "block2_conv1"]),
                              (["--class", "1000"], ["--class 1000", "0..999"])):
            out = self.path("never.json")
            p = self.run_cli(*base, *args, "--json", out, expect=1)
            self.assert_clean_failure(p, *needles)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
