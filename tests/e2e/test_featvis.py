"""`cnnscope featvis` end to end on a small Keras-layout net the test writes with known weights:
the synthesised images excite their units (mean activation computed by torch on the test's own
weights) at least 3x more than the best of a photo and 20 other real images at the same size;
index.json's activations are torch's; shards merged equal the unsharded run byte for byte; a
single channel to F.png is the same image; merge refuses mixed, missing and duplicate shards;
bad input and Ctrl-C leave nothing behind."""
import os
import signal
import subprocess
import sys
import time
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, CliTest, assert_same_outputs, read_bytes, read_json  # noqa: E402
import backward_ref as ref  # noqa: E402


SIZE = 40
LAYER = "block2_conv1"
PHOTO = os.path.join(DATA, "baboon.jpg")
# Twenty other real pictures (Python here has no video decoder to read vtest.avi's frames
# independently; cnnscope's own --against vtest.avi is checked below as well).
OTHERS = ["fruits.jpg", "graf1.png", "home.jpg", "building.jpg", "butterfly.jpg", "aero1.jpg", "apple.jpg", "board.jpg",
          "HappyFish.jpg", "lena.jpg", "left01.jpg", "ml.png", "pic1.png", "smarties.png", "starry_night.jpg", "sudoku.png",
          "stuff.jpg", "messi5.jpg", "orange.jpg", "box_in_scene.png", "chicky_512.png", "blox.jpg", "basketball1.png",
          "aloeL.jpg", "Blender_Suzanne1.jpg"]


def tiny_net(seed=26):
    """Three conv layers whose filters have zero mean over each input channel (no response to flat
    colour, like a trained net's edge and texture detectors): a unit then prefers a pattern, which a
    real picture only partly has."""
    rng = np.random.default_rng(seed)
    layers = ref.vgg_layers([("block1_conv1", 3, 8), ("block1_conv2", 8, 8), ("block1_pool",), ("block2_conv1", 8, 8)], rng)
    for l in layers:
        if l["kind"] == "conv":
            w = l["w32"] - l["w32"].mean(axis=(2, 3), keepdims=True)
            l["w32"], l["w"] = w.astype(np.float32), w.astype(np.float64)
            l["b32"] = np.abs(l["b32"]).astype(np.float32)
            l["b"] = l["b32"].astype(np.float64)
    return layers


def torch_means(layers, images):
    """Mean activation of every channel of the last layer, by torch on the written weights, for
    (3,H,W) preprocessed float64 inputs."""
    return torch_maps(layers, images).mean(axis=(2, 3))


def torch_maps(layers, images):
    """The last layer's (N, C, H, W) activations, by torch on the written weights."""
    import torch
    torch.set_num_threads(2)
    x = torch.tensor(np.stack(images))
    with torch.no_grad():
        for l in layers:
            if l["kind"] == "conv":
                x = torch.nn.functional.conv2d(x, torch.tensor(l["w"]), torch.tensor(l["b"]), padding=1)
            elif l["kind"] == "relu":
                x = torch.relu(x)
            else:
                x = torch.nn.functional.max_pool2d(x, 2, 2)
    return x.numpy()


def gram_cosine(maps):
    """Mean Frobenius cosine of the Gram matrices of (C, H, W) maps over ordered pairs (numpy)."""
    grams = [m.reshape(m.shape[0], -1) @ m.reshape(m.shape[0], -1).T for m in maps]
    unit = [g / np.linalg.norm(g) for g in grams]
    pairs = [(i, j) for i in range(len(unit)) for j in range(len(unit)) if i != j]
    return sum(float((unit[i] * unit[j]).sum()) for i, j in pairs) / len(pairs)


def natural(path, size):
    """A real picture resized by PIL (area-like for shrinking) to size x size, preprocessed."""
    from PIL import Image
    im = Image.open(path).convert("RGB").resize((size, size), Image.BOX)
    bgr = np.asarray(im)[:, :, ::-1].astype(np.float64)
    return (bgr - ref.MEAN).transpose(2, 0, 1)


class FeatvisTest(CliTest):
    def setUp(self):
        super().setUp()
        self.layers = tiny_net()
        self.model = self.path("tiny.h5")
        ref.write_keras_h5(self.model, self.layers)

    def featvis(self, *args, expect=0):
        return self.run_cli("featvis", "--model", self.model, "--layer", LAYER, "--size", str(SIZE), *args, expect=expect)

    def test_synthesised_images_excite_their_units_3x_more_than_real_images(self):
        out = self.path("run") + "/"
        # The photo, at the working size as PIL resizes it: cnnscope's --against sees the same pixels.
        from PIL import Image
        photo = self.path("photo.png")
        Image.open(PHOTO).convert("RGB").resize((SIZE, SIZE), Image.BOX).save(photo)
        p = self.featvis("--channels", "all", "--iterations", "128", "--lr", "0.2", "--seed", "5", "--against", photo, "--out", out)
        self.assertIn("featvis: 8/8", p.stderr)  # progress per channel (not a terminal: one line each)
        index = read_json(os.path.join(out, "index.json"))
        self.assertEqual([u["channel"] for u in index["units"]], list(range(8)))
        self.assertEqual(index["size"], [SIZE, SIZE])
        synth = [ref.preprocess(os.path.join(out, u["file"])) for u in index["units"]]
        got = torch_means(self.layers, synth)
        others = [os.path.join(DATA, f) for f in OTHERS if os.path.exists(os.path.join(DATA, f))][:20]
        self.assertEqual(len(others), 20)
        nat = torch_means(self.layers, [ref.preprocess(photo)] + [natural(f, SIZE) for f in others])
        for u in index["units"]:
            c = u["channel"]
            mine, best = got[c, c], nat[:, c].max()
            # index.json's activation is the written image's, and its against_best the photo's.
            self.assertAlmostEqual(u["activation"], mine, delta=1e-4 * max(1.0, abs(mine)))
            self.assertAlmostEqual(u["against_best"], nat[0, c], delta=1e-4 * max(1.0, abs(nat[0, c])))
            self.assertGreater(best, 0, f"channel {c}")
            self.assertGreaterEqual(mine, 3 * best, f"channel {c}: synthesised {mine:.4g}, best real image {best:.4g}")
        from PIL import Image
        sheet = Image.open(os.path.join(out, "sheet.png"))
        self.assertGreaterEqual(sheet.size[0], 3 * SIZE * 2)  # 3 columns of tiles enlarged to >= 96 px

    def test_diversity_gives_different_images_that_each_excite_their_unit(self):
        out = self.path("div") + "/"
        common = ["--channels", "0-2", "--iterations", "128", "--lr", "0.2", "--seed", "5", "--diversity", "3", "-q"]
        self.featvis(*common, "--out", out)
        index = read_json(os.path.join(out, "index.json"))
        self.assertEqual(index["diversity"], 3)
        self.assertEqual([(u["channel"], u["index"]) for u in index["units"]], [(c, i) for c in range(3) for i in range(3)])
        self.assertEqual([u["file"] for u in index["units"]][:3], ["channel_0000_0.png", "channel_0000_1.png", "channel_0000_2.png"])
        # The same run without the diversity term: K images from K different starts only.
        plain = self.path("plain") + "/"
        self.featvis(*common, "--diversity-weight", "0", "--out", plain)
        plain_index = read_json(os.path.join(plain, "index.json"))
        others = [os.path.join(DATA, f) for f in OTHERS if os.path.exists(os.path.join(DATA, f))][:20]
        nat = torch_means(self.layers, [natural(f, SIZE) for f in others])
        for c in range(3):
            units = [u for u in index["units"] if u["channel"] == c]
            files = [os.path.join(out, u["file"]) for u in units]
            maps = torch_maps(self.layers, [ref.preprocess(f) for f in files])
            sim = gram_cosine(maps)
            sim_plain = gram_cosine(torch_maps(self.layers, [ref.preprocess(os.path.join(plain, u["file"]))
                                                             for u in plain_index["units"] if u["channel"] == c]))
            # index.json's similarity is the written images' (torch here), lower than without the term.
            for u in units:
                self.assertAlmostEqual(u["similarity"], sim, delta=1e-4)
            self.assertLess(sim, sim_plain - 0.02, f"channel {c}: Gram cosine {sim:.4f} with the term, {sim_plain:.4f} without")
            # Each still excites its unit, far more than any of the real pictures.
            for u, m in zip(units, maps):
                mine = float(m[c].mean())
                self.assertAlmostEqual(u["activation"], mine, delta=1e-4 * max(1.0, abs(mine)))
                self.assertGreaterEqual(mine, 3 * nat[:, c].max(), f"channel {c} image {u['index']}")
        from PIL import Image
        with Image.open(os.path.join(out, "sheet.png")) as sheet:
            self.assertGreaterEqual(sheet.size[0], 3 * 96)  # a row of 3 images per unit

    def test_diversity_is_shard_invariant_and_merges(self):
        common = ["--channels", "0-4", "--iterations", "10", "--seed", "3", "--diversity", "2", "-q"]
        whole = self.path("dwhole") + "/"
        self.featvis(*common, "--out", whole)
        dirs = []
        for i in range(2):
            dirs.append(self.path(f"dshard{i}"))
            self.featvis(*common, "--shard", f"{i}/2", "--out", dirs[-1] + "/")
        merged = self.path("dmerged")
        self.run_cli("featvis", "merge", dirs[1], dirs[0], "--out", merged, "-q")
        assert_same_outputs(self, whole, merged, 5 * 2 + 2)
        # A channel alone gives the same K images; a shard of another weight is refused.
        alone = self.path("alone") + "/"
        self.featvis("--channel", "3", "--iterations", "10", "--seed", "3", "--diversity", "2", "-q", "--out", alone)
        for i in range(2):
            self.assertEqual(read_bytes(os.path.join(alone, f"channel_0003_{i}.png")), read_bytes(os.path.join(whole, f"channel_0003_{i}.png")))
        other = self.path("dother")
        self.featvis(*common, "--diversity-weight", "7", "--shard", "1/2", "--out", other + "/")
        p = self.run_cli("featvis", "merge", dirs[0], other, "--out", self.path("dbad"), expect=1)
        self.assert_clean_failure(p, "--diversity-weight")
        p = self.featvis("--channel", "1", "--diversity", "2", "--out", "one.png", expect=1)
        self.assert_clean_failure(p, "give --out DIR/")
        self.assertFalse(os.path.exists(self.path("one.png")))

    def test_against_a_video_reads_its_frames(self):
        out = self.path("v") + "/"
        self.featvis("--channels", "0-1", "--iterations", "16", "--against", os.path.join(DATA, "vtest.avi"), "--against-frames",
                     "20", "--out", out, "-q")
        index = read_json(os.path.join(out, "index.json"))
        self.assertEqual(index["against_frames"], 20)
        for u in index["units"]:
            self.assertTrue(0 <= u["against_frame"] < 20)
            self.assertAlmostEqual(u["ratio"], u["activation"] / u["against_best"], places=5)

    def test_shards_merged_equal_the_unsharded_run_byte_for_byte(self):
        common = ["--channels", "1-7", "--iterations", "12", "--seed", "9", "-q"]
        whole = self.path("whole") + "/"
        self.featvis(*common, "--out", whole)
        dirs = []
        for i in range(3):
            d = self.path(f"shard{i}")
            self.featvis(*common, "--shard", f"{i}/3", "--out", d + "/")
            shard = read_json(os.path.join(d, "shard.json"))
            self.assertEqual([u["channel"] for u in shard["units"]], [c for c in range(1, 8) if c % 3 == i])
            dirs.append(d)
        merged = self.path("merged")
        self.run_cli("featvis", "merge", dirs[2], dirs[0], dirs[1], "--out", merged, "-q")
        assert_same_outputs(self, whole, merged, 7 + 2)
        # One channel to F.png: the same image as that channel in the folder.
        single = self.path("c4.png")
        self.featvis("--channel", "4", "--iterations", "12", "--seed", "9", "-q", "--out", single)
        self.assertEqual(read_bytes(single), read_bytes(os.path.join(whole, "channel_0004.png")))

        # Refusals, one clear line each, nothing written.
        other = self.path("other")
        self.featvis("--channels", "1-7", "--iterations", "13", "--seed", "9", "-q", "--shard", "1/3", "--out", other + "/")
        bad = self.path("bad")
        p = self.run_cli("featvis", "merge", dirs[0], other, dirs[2], "--out", bad, expect=1)
        self.assert_clean_failure(p, "--iterations")
        p = self.run_cli("featvis", "merge", dirs[0], dirs[2], "--out", bad, expect=1)
        self.assert_clean_failure(p, "shard 1/3 is missing")
        p = self.run_cli("featvis", "merge", dirs[0], dirs[1], dirs[1], dirs[2], "--out", bad, expect=1)
        self.assert_clean_failure(p, "given twice")
        p = self.run_cli("featvis", "merge", dirs[0], whole, "--out", bad, expect=1)
        self.assert_clean_failure(p, "no shard.json")
        self.assertFalse(os.path.exists(bad))

    def test_bad_input_is_one_clear_line(self):
        for args, needle in ((["--channels", "5-2", "--out", "d/"], "empty range"),
                             (["--channel", "8", "--out", "f.png"], "out of range"),
                             (["--channels", "0-1", "--out", "f.png"], "give a folder"),
                             (["--channel", "1", "--shard", "3/3", "--out", "d/"], "--shard"),
                             (["--channel", "1", "--channels", "all", "--out", "d/"], "exactly one"),
                             (["--channel", "1", "--shard", "0/2", "--out", "x.png"], "--shard")):
            p = self.featvis(*args, expect=1)
            self.assert_clean_failure(p, needle)
        p = self.run_cli("featvis", "--model", self.model, "--channel", "1", "--out", "f.png", expect=1)
        self.assert_clean_failure(p, "--layer")
        self.assertFalse(os.path.exists(self.path("d")))
        self.assertFalse(os.path.exists(self.path("f.png")))

    def test_ctrl_c_leaves_nothing_half_written(self):
        out = self.path("int")
        p = subprocess.Popen([BIN, "featvis", "--model", self.model, "--layer", LAYER, "--size", "64", "--channels", "all",
                              "--iterations", "100000", "--out", out + "/"], env=self.env, cwd=self.tmp,
                             stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while not os.path.exists(out) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("interrupted", err)
        self.assertFalse(os.path.exists(out), os.listdir(out) if os.path.exists(out) else "")
        self.assertEqual([f for f in os.listdir(self.tmp) if f.startswith(".cnnscope-partial")], [])


if __name__ == "__main__":
    unittest.main()
