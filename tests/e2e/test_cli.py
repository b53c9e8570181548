"""End-to-end tests of the headless commands on real footage (Debian's opencv-doc)."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import DATA, VTEST, CliTest, colour_with_matplotlib, hot_lut_bgr8, read_png_bgr, garbage  # noqa: E402


class LayersTest(CliTest):
    def test_vgg19_table_and_total(self):
        p = self.run_cli("layers", "--untrained")
        self.assertIn("Total params: 20,024,384", p.stdout)
        self.assertRegex(p.stdout, r"block5_conv4\s+Conv2D\s+\(None, 512, 14, 14\)\s+2,359,808\s+252\s+16")
        self.assertRegex(p.stdout, r"block1_pool\s+MaxPooling2D\s+\(None, 64, 112, 112\)")
        self.assertIn("untrained", p.stdout)

    def test_input_size_changes_shapes_with_floor_pooling(self):
        p = self.run_cli("layers", "--untrained", "--input-size", "640x480")
        self.assertRegex(p.stdout, r"block5_pool\s+MaxPooling2D\s+\(None, 512, 15, 20\)")
        p = self.run_cli("layers", "--untrained", "--input-size", "45x35")
        self.assertRegex(p.stdout, r"block5_pool\s+MaxPooling2D\s+\(None, 512, 1, 1\)")

    def test_untrained_fallback_warns(self):
        src_models = os.path.join(os.path.dirname(__file__), "../../models")
        if any(f.endswith((".h5", ".onnx", ".caffemodel")) for f in os.listdir(src_models)):
            self.skipTest("real weights present in models/: no fallback to test here")
        p = self.run_cli("layers")
        self.assertIn("UNTRAINED", p.stderr)
        self.assertIn("cnnscope fetch", p.stderr)


class DumpTest(CliTest):
    def test_dump_shape_and_values_on_vtest(self):
        out = self.path("a.npy")
        self.run_cli("dump", VTEST, "--layer", "block1_conv1", "--frame", "3", "--out", out, "--untrained")
        a = np.load(out)
        self.assertEqual(a.shape, (1, 64, 224, 224))
        self.assertEqual(a.dtype, np.float32)
        self.assertGreaterEqual(a.min(), 0.0)  # post-ReLU like Keras
        self.assertGreater(a.max(), 0.0)
        b = self.path("b.npy")
        self.run_cli("dump", VTEST, "--layer", "block5_conv4", "--frame", "3", "--out", b, "--untrained")
        self.assertEqual(np.load(b).shape, (1, 512, 14, 14))
        self.assertEqual(sorted(os.listdir(self.tmp)), ["a.npy", "b.npy", "home"])

    def test_gstreamer_pipeline_and_closed_stream(self):
        out = self.path("gst.npy")
        self.run_cli("dump", "videotestsrc num-buffers=5 ! videoconvert ! appsink sync=false", "--layer", "block2_conv1",
                     "--frame", "2", "--out", out, "--untrained")
        self.assertEqual(np.load(out).shape, (1, 128, 112, 112))
        p = self.run_cli("dump", "rtsp://127.0.0.1:9/none", "--layer", "block1_conv1", "--out", self.path("u.npy"),
                         "--untrained", expect=1, timeout=60)
        self.assert_clean_failure(p, "could not be opened")
        self.assertFalse(os.path.exists(self.path("u.npy")))

    def test_keras_file_written_by_h5py_matches_numpy_reference(self):
        """An h5py-written Keras file (new-style names), checked against a numpy convolution."""
        import h5py
        from PIL import Image
        rng = np.random.default_rng(4)
        shapes = [("block1_conv1", 3, 4), ("block1_conv2", 4, 5)]
        weights = {}
        path = self.path("tiny_keras.h5")
        with h5py.File(path, "w") as f:
            names = ["input_1"] + [s[0] for s in shapes] + ["block1_pool"]
            f.attrs["layer_names"] = np.array([n.encode() for n in names])
            f.create_group("input_1").attrs["weight_names"] = np.array([], dtype=np.float64)
            for name, cin, cout in shapes:
                k = rng.normal(0, np.sqrt(2 / (9 * cin)), (3, 3, cin, cout)).astype(np.float32)
                b = rng.uniform(-0.1, 0.1, cout).astype(np.float32)
                weights[name] = (k, b)
                g = f.create_group(name)
                g.attrs["weight_names"] = np.array([f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()])
                g[f"{name}/kernel:0"] = k
                g[f"{name}/bias:0"] = b
            f.create_group("block1_pool").attrs["weight_names"] = np.array([], dtype=np.float64)
        image = os.path.join(DATA, "graf1.png")  # lossless: every decoder agrees on its pixels
        w, h = Image.open(image).size
        out = self.path("tiny.npy")
        self.run_cli("dump", image, "--layer", "block1_pool", "--model", path, "--input-size", f"{w}x{h}", "--out", out)
        got = np.load(out)

        bgr = np.asarray(Image.open(image).convert("RGB"))[:, :, ::-1].astype(np.float64)
        x = (bgr - np.array([103.939, 116.779, 123.68])).transpose(2, 0, 1)
        for name, _, _ in shapes:
            k, b = weights[name]
            xp = np.pad(x, ((0, 0), (1, 1), (1, 1)))
            y = np.zeros((k.shape[3], x.shape[1], x.shape[2]))
            for dy in range(3):
                for dx in range(3):
                    patch = xp[:, dy:dy + x.shape[1], dx:dx + x.shape[2]]
                    y += np.einsum("chw,co->ohw", patch, k[dy, dx].astype(np.float64))
            x = np.maximum(y + b[:, None, None], 0)
        H, W = x.shape[1] // 2, x.shape[2] // 2
        ref = x[:, :2 * H, :2 * W].reshape(x.shape[0], H, 2, W, 2).max(axis=(2, 4))
        self.assertEqual(got.shape, (1,) + ref.shape)
        self.assertLess(np.abs(got[0] - ref).max() / np.abs(ref).max(), 1e-4)


class GridTest(CliTest):
    def test_article_set_sizes_and_colours_match_matplotlib(self):
        out = self.path("grids")
        self.run_cli("grid", VTEST, "--out", out, "--frame", "3", "--untrained", "--no-labels")
        expected = ["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2", "block3_conv1", "block3_conv4",
                    "block4_conv1", "block4_conv4", "block5_conv1", "block5_conv4"]
        self.assertEqual(sorted(os.listdir(out)), sorted(n + ".png" for n in expected))
        # Tile side: the map's size enlarged by a whole factor to at least 112, gutters of 2.
        sizes = {"block1_conv1": 224, "block2_conv1": 112, "block3_conv1": 112, "block4_conv1": 112, "block5_conv4": 112}
        for name, tile in sizes.items():
            img = read_png_bgr(os.path.join(out, name + ".png"))
            self.assertEqual(img.shape[:2], (8 * tile + 18, 8 * tile + 18), name)

        # The block1_conv1 tiles are the maps at 1:1: compare with matplotlib's colouring of the dumped values.
        npy = self.path("b1.npy")
        self.run_cli("dump", VTEST, "--layer", "block1_conv1", "--frame", "3", "--out", npy, "--untrained")
        act = np.load(npy)[0]
        grid = read_png_bgr(os.path.join(out, "block1_conv1.png"))
        for c in (0, 9, 37, 63):
            r, col = divmod(c, 8)
            y0, x0 = 2 + r * 226, 2 + col * 226
            tile = grid[y0:y0 + 224, x0:x0 + 224]
            ref = colour_with_matplotlib(act[c])
            mismatch = np.mean(np.any(np.abs(tile - ref) > 1, axis=2))
            self.assertLess(mismatch, 0.001, f"channel {c}: {mismatch:.4%} of pixels differ from matplotlib")
        # Every tile pixel is a 'hot' colour.
        lut = {tuple(v) for v in hot_lut_bgr8()}
        sample = grid[2:2 + 224, 2:2 + 224].reshape(-1, 3)[::97]
        self.assertTrue(all(tuple(p) in lut for p in sample))

    def test_single_png_all_channels_and_caption(self):
        out = self.path("one.png")
        self.run_cli("grid", os.path.join(DATA, "baboon.jpg"), "--layer", "block5_conv4", "--all", "--tile-size", "28",
                     "--out", out, "--untrained", "--caption", "--colormap", "viridis")
        img = read_png_bgr(out)
        # 512 channels -> 23 columns x 23 rows of 28 px, gutter 2, plus a caption strip.
        self.assertEqual(img.shape[1], 23 * 28 + 24 * 2)
        self.assertGreater(img.shape[0], 23 * 28 + 24 * 2)


class SweepTest(CliTest):
    def test_gif_has_one_frame_per_channel(self):
        from PIL import Image
        out = self.path("sweep.gif")
        self.run_cli("sweep", VTEST, "--layer", "block1_conv1", "--out", out, "--untrained", "--delay-ms", "200",
                     "--display-size", "224x224")
        im = Image.open(out)
        self.assertEqual(im.format, "GIF")
        self.assertEqual(im.n_frames, 64)
        self.assertEqual(im.info.get("loop"), 0)
        self.assertEqual(im.info.get("duration"), 200)
        self.assertEqual(im.size[0], 224)
        self.assertEqual(sorted(os.listdir(self.tmp)), ["home", "sweep.gif"])


class BadInputTest(CliTest):
    def test_missing_and_unreadable_sources(self):
        out = self.path("x.npy")
        p = self.run_cli("dump", self.path("nope.avi"), "--layer", "block1_conv1", "--out", out, "--untrained", expect=1)
        self.assert_clean_failure(p, "does not exist")
        bad_video = self.path("garbage.avi")
        with open(bad_video, "wb") as f:
            f.write(garbage(20000, seed=1))
        p = self.run_cli("grid", bad_video, "--out", self.path("g"), "--untrained", expect=1)
        self.assert_clean_failure(p, "could not be opened")
        self.assertFalse(os.path.exists(out))
        self.assertFalse(os.path.exists(self.path("g", "block1_conv1.png")))

    def test_bad_h5_and_unknown_layer(self):
        bad = self.path("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")
        with open(bad, "wb") as f:
            f.write(b"\x89HDF\r\n\x1a\n" + garbage(5000, seed=2))
        p = self.run_cli("layers", "--model", bad, expect=1)
        self.assert_clean_failure(p, bad)
        p = self.run_cli("dump", VTEST, "--layer", "block9_conv9", "--out", self.path("x.npy"), "--untrained", expect=1)
        self.assert_clean_failure(p, "unknown layer 'block9_conv9'", "block1_conv1", "block5_conv4")
        self.assertFalse(os.path.exists(self.path("x.npy")))

    def test_bad_sizes_frames_and_outputs(self):
        p = self.run_cli("layers", "--untrained", "--input-size", "0x0", expect=1)
        self.assert_clean_failure(p, "--input-size")
        p = self.run_cli("layers", "--untrained", "--input-size", "12x", expect=1)
        self.assert_clean_failure(p, "WxH")
        p = self.run_cli("dump", os.path.join(DATA, "tree.avi"), "--layer", "block1_conv1", "--frame", "400",
                         "--out", self.path("x.npy"), "--untrained", expect=1)
        self.assert_clean_failure(p, "has only")
        p = self.run_cli("sweep", VTEST, "--layer", "block1_conv1", "--out", self.path("no", "dir", "s.gif"), "--untrained",
                         expect=1)
        self.assert_clean_failure(p, "does not exist")
        p = self.run_cli("grid", VTEST, "--out", self.path("x.png"), "--untrained", expect=1)
        self.assert_clean_failure(p, "give a directory")
        p = self.run_cli("grid", VTEST, "--out", self.path("g"), "--colormap", "nope", "--untrained", expect=1)
        self.assert_clean_failure(p, "unknown colormap")
        leftovers = [f for f in os.listdir(self.tmp) if f not in ("home",)]
        self.assertEqual(leftovers, [])


class RecordTest(CliTest):
    def test_gif_from_vtest_with_caption_loop_and_source_timing(self):
        from PIL import Image
        out = self.path("rec.gif")
        self.run_cli("record", VTEST, "--layer", "block1_conv1", "--out", out, "--frames", "12", "--untrained",
                     "--size", "320x240")
        im = Image.open(out)
        self.assertEqual(im.n_frames, 12)
        self.assertEqual(im.info.get("loop"), 0)
        self.assertEqual(im.info.get("duration"), 100)  # vtest.avi runs at 10 fps
        self.assertEqual(im.size[0], 320)
        self.assertGreater(im.size[1], 240)  # maps, then a caption strip
        rgb = np.asarray(im.convert("RGB")).astype(int)
        strip = rgb[242:]
        self.assertTrue((strip.sum(axis=2) > 600).mean() > 0.02, "caption text missing")
        self.assertTrue((strip.sum(axis=2) < 30).mean() > 0.5, "caption strip background missing")
        # The caption changes with the frame: frame numbers differ between the first and last frame.
        im.seek(11)
        last = np.asarray(im.convert("RGB")).astype(int)[242:]
        self.assertGreater(np.abs(last - strip).sum(), 0)
        self.assertEqual(sorted(os.listdir(self.tmp)), ["home", "rec.gif"])

    def test_mp4_and_png_folder(self):
        mp4 = self.path("rec.mp4")
        self.run_cli("record", VTEST, "--layer", "block2_conv1", "--channel", "3", "--out", mp4, "--frames", "10",
                     "--untrained", "--size", "320x240", "--colorbar")
        # Read it back through the decoder: exactly 10 frames.
        self.run_cli("dump", mp4, "--layer", "block1_conv1", "--frame", "9", "--out", self.path("f9.npy"), "--untrained")
        p = self.run_cli("dump", mp4, "--layer", "block1_conv1", "--frame", "10", "--out", self.path("f10.npy"),
                         "--untrained", expect=1)
        self.assertIn("has only 10 frame(s)", p.stderr)
        folder = self.path("pngs")
        self.run_cli("record", os.path.join(DATA, "baboon.jpg"), "--layer", "block3_conv1", "--grid", "--out", folder,
                     "--untrained")
        self.assertEqual(os.listdir(folder), ["frame_000000.png"])

    def test_sigint_leaves_a_complete_gif(self):
        import signal
        import subprocess
        import time
        from PIL import Image
        from helpers import BIN
        import re
        from helpers import StderrOnPty
        out = self.path("long.gif")
        # stderr on a terminal, where record shows its progress line ("record: N/795  9.8/s  1:20 left").
        run = StderrOnPty([BIN, "record", VTEST, "--layer", "block1_conv1", "--out", out, "--untrained",
                           "--size", "320x240"], env=self.env, cwd=self.tmp)
        p = run.proc
        # Wait for some frames, then interrupt like Ctrl-C.
        seen = ""
        while True:
            chunk = run.read_some()
            self.assertTrue(chunk, "record ended before 20 frames: " + seen)
            seen += chunk
            counts = [int(n) for n in re.findall(r"record: (\d+)/795", seen)]
            # The rate and time left show once half a second has passed (a fast build gets 20 frames sooner).
            if counts and counts[-1] >= 20 and re.search(r"record: \d+/795  [\d.]+/s", seen):
                break
        self.assertRegex(seen, r"record: \d+/795  [\d.]+/s  \d+:\d\d left")  # rate and time left
        p.send_signal(signal.SIGINT)
        rest = run.read_rest()
        rc = p.wait(timeout=60)
        self.assertEqual(rc, 130, rest)
        self.assertIn("the file is complete", rest)
        with Image.open(out) as im:
            self.assertGreaterEqual(im.n_frames, 20)
            im.seek(im.n_frames - 1)  # every frame decodes
        self.assertEqual(sorted(os.listdir(self.tmp)), ["home", "long.gif"])

    def test_bad_outputs_fail_cleanly(self):
        p = self.run_cli("record", VTEST, "--layer", "block1_conv1", "--out", self.path("missing", "x.gif"), "--frames", "3",
                         "--untrained", expect=1)
        self.assert_clean_failure(p, "does not exist")
        blocker = self.path("file.txt")
        open(blocker, "w").close()
        p = self.run_cli("record", VTEST, "--layer", "block1_conv1", "--out", os.path.join(blocker, "x.gif"), "--frames", "3",
                         "--untrained", expect=1)
        self.assert_clean_failure(p)
        os.makedirs(self.path("full"))
        open(self.path("full", "keep.txt"), "w").close()
        p = self.run_cli("record", VTEST, "--layer", "block1_conv1", "--out", self.path("full"), "--frames", "3",
                         "--untrained", expect=1)
        self.assert_clean_failure(p, "already exists")
        p = self.run_cli("record", VTEST, "--layer", "block1_conv1", "--channel", "64", "--out", self.path("c.gif"),
                         "--untrained", expect=1)
        self.assert_clean_failure(p, "out of range")
        self.assertEqual(sorted(os.listdir(self.tmp)), ["file.txt", "full", "home"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
