"""What a unit wants to see, in the window (issue 26): scripted runs under Xvfb of `view --featvis`
on the small Keras-layout net test_featvis.py writes (zero-mean filters, so units prefer patterns).
The window's images are the `featvis` command's, pixel for pixel (same seed, same steps); each
excites its unit (mean activation computed by torch on the test's own weights) 3x more than the
best of the frame and 20 other real pictures; the stats JSON's activation is torch's and its frame
activation the dumped maps'; the whole-layer sheet fills with every unit; a second look comes from
the disk cache without a step; the tile the pointer rests on gets the card; a newer unit cancels
the one that runs (nothing half-made is cached); the card on screen is the image; bad options fail
before any window opens."""
import glob
import itertools
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, CliTest, read_json, read_png_bgr, run_group  # noqa: E402
import backward_ref as ref  # noqa: E402
from test_featvis import LAYER, OTHERS, natural, tiny_net, torch_means  # noqa: E402
from test_gui_layout import intersects  # noqa: E402

SIZE = 40    # the working size of the images
STEPS = 400
PHOTO = os.path.join(DATA, "baboon.jpg")


class GuiFeatvisTest(CliTest):
    def setUp(self):
        super().setUp()
        self.layers = tiny_net()
        self.model = self.path("tiny.h5")
        ref.write_keras_h5(self.model, self.layers)
        # The window's default cache: under the (test's own) HOME.
        self.cache = os.path.join(self.env["HOME"], ".cache", "cnnscope", "featvis")

    def view(self, *args, frames=3, expect=0):
        shot, stats = self.path("shot.png"), self.path("stats.json")
        for f in (shot, stats):
            if os.path.exists(f):
                os.remove(f)
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", BIN, "view", PHOTO, "--model", self.model, "--input-size", "64x64",
               "--layer", LAYER, "--grid", *args, "--frames", str(frames), "--screenshot", shot, "--stats", stats, "--size", "1280x720"]
        p = run_group(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=300)
        if expect != 0:
            self.assertNotEqual(p.returncode, 0)
            return p
        self.assertEqual(p.returncode, 0, p.stderr)
        return read_json(stats), read_png_bgr(shot)

    def cached(self, channel, steps=STEPS):
        return glob.glob(os.path.join(self.cache, "*", LAYER.replace("_", "__"), f"c{channel}_{SIZE}x{SIZE}_i{steps}_s0.png"))

    def test_the_sheet_is_the_featvis_commands_images_and_they_excite_their_units(self):
        st, shot = self.view("--featvis", "--featvis-size", str(SIZE), "--featvis-iterations", str(STEPS), "--featvis-sheet")
        fv = st["featvis"]
        self.assertEqual(fv["error"], "")
        self.assertTrue(fv["on"] and fv["done"] and not fv["cached"], fv)
        self.assertEqual((fv["layer"], fv["channel"], fv["step"], fv["iterations"], fv["size"]), (LAYER, 0, STEPS, STEPS, SIZE))
        self.assertEqual((fv["sheet_done"], fv["sheet_total"]), (8, 8))
        self.assertEqual(fv["cache_file"], self.cached(0)[0])
        # The headless command with the same settings makes the same images, pixel for pixel.
        out = self.path("cli") + "/"
        self.run_cli("featvis", "--model", self.model, "--layer", LAYER, "--size", str(SIZE), "--iterations", str(STEPS),
                     "--channels", "all", "--out", out, "-q")
        images = []
        for c in range(8):
            files = self.cached(c)
            self.assertEqual(len(files), 1, f"channel {c} not cached")
            mine, cli = read_png_bgr(files[0]), read_png_bgr(os.path.join(out, f"channel_{c:04d}.png"))
            self.assertEqual(mine.shape, (SIZE, SIZE, 3))
            self.assertTrue(np.array_equal(mine, cli), f"channel {c}: the window's image is not featvis's")
            images.append(ref.preprocess(files[0]))
        # Each excites its unit: torch on the written weights, against the frame and 20 other pictures.
        got = torch_means(self.layers, images)
        others = [os.path.join(DATA, f) for f in OTHERS if os.path.exists(os.path.join(DATA, f))][:20]
        self.assertEqual(len(others), 20)
        nat = torch_means(self.layers, [natural(f, SIZE) for f in [PHOTO] + others])
        for c in range(8):
            best = nat[:, c].max()
            self.assertGreater(best, 0)
            self.assertGreaterEqual(got[c, c], 3 * best, f"channel {c}: synthesised {got[c, c]:.4g}, best real picture {best:.4g}")
        self.assertAlmostEqual(fv["activation"], got[0, 0], delta=1e-4 * abs(got[0, 0]))
        # The frame's activation beside it is the mean of the maps on screen (as `dump` writes them).
        dump = self.path("maps.npy")
        self.run_cli("dump", PHOTO, "--model", self.model, "--input-size", "64x64", "--layer", LAYER, "--out", dump)
        self.assertAlmostEqual(fv["frame_activation"], float(np.load(dump)[0, 0].mean()), delta=1e-4 * abs(fv["frame_activation"]))
        # On screen: the card is the image (enlarged), titled, and nothing overlaps it.
        r = fv["card_rect"]
        self.assertGreaterEqual(r["width"], 96)
        card = shot[r["y"]:r["y"] + r["height"], r["x"]:r["x"] + r["width"]].astype(np.float64)
        from PIL import Image
        small = np.asarray(Image.fromarray(card.astype(np.uint8)).resize((SIZE, SIZE), Image.BOX), dtype=np.float64)
        want = read_png_bgr(self.cached(0)[0]).astype(np.float64)
        self.assertGreater(np.corrcoef(small.ravel(), want.ravel())[0, 1], 0.9)
        panes = {p["name"]: p["title"] for p in st["panes"]}
        self.assertEqual(panes["featvis"], "ch 0 wants")
        self.assertEqual(panes["featvis_sheet"], "layer: 8/8")
        els = st["layout"]["elements"]
        for a, b in itertools.combinations(els, 2):
            self.assertFalse(intersects(a, b), f"{a['name']} {a} overlaps {b['name']} {b}")
        self.assertTrue({"featvis", "featvis_title", "featvis_sheet", "maps"} <= {e["name"] for e in els})

    def test_a_second_look_is_cached_and_the_pointer_picks_the_unit(self):
        args = ["--featvis", "--featvis-size", str(SIZE), "--featvis-iterations", str(STEPS)]
        st, _ = self.view(*args)
        self.assertFalse(st["featvis"]["cached"])
        first = self.cached(0)[0]
        stamp = os.stat(first).st_mtime_ns
        self.assertEqual([c for c in range(8) if self.cached(c)], [0])  # the card's unit alone, without the sheet
        st, _ = self.view(*args)
        fv = st["featvis"]
        self.assertTrue(fv["done"] and fv["cached"], fv)
        self.assertEqual(fv["ms_per_step"], 0)  # not one step
        self.assertEqual(os.stat(first).st_mtime_ns, stamp)
        self.assertEqual(st["panes"][0]["title"], "ch 0 wants (cached)")
        # The pointer on tile 5: its unit on the card.
        g, r = st["grid"], st["maps_rect"]
        c = 5
        hx = r["x"] + g["origin_x"] + g["gutter"] + (c % g["cols"]) * g["pitch_x"] + g["tile_width"] // 2
        hy = r["y"] + g["origin_y"] + g["gutter"] + g["label_height"] + (c // g["cols"]) * g["pitch_y"] + g["tile_height"] // 2
        st, _ = self.view(*args, "--hover", f"{hx},{hy}")
        fv = st["featvis"]
        self.assertEqual((fv["channel"], fv["done"], fv["cached"]), (5, True, False), fv)
        self.assertEqual(len(self.cached(5)), 1)
        # The sheet asked on the command line, the card on another unit than the last one made:
        # the card's result is not lost among the sheet's (latest-wins), and the run ends.
        st, _ = self.view(*args, "--featvis-sheet", "--keys", "right,right,idle")
        fv = st["featvis"]
        self.assertEqual((fv["channel"], fv["done"], fv["sheet_done"]), (2, True, 8), fv)
        self.assertTrue(fv["activation"] > 0, fv)

    def test_links_planted_in_the_cache_are_not_followed(self):
        args = ["--featvis", "--featvis-size", str(SIZE), "--featvis-iterations", "20"]
        st, _ = self.view(*args)
        key_dir = os.path.dirname(os.path.dirname(st["featvis"]["cache_file"]))
        layer_dir = os.path.join(key_dir, LAYER.replace("_", "__"))
        self.assertEqual(os.path.dirname(st["featvis"]["cache_file"]), layer_dir)
        outside = self.path("outside")
        os.makedirs(outside)
        for f in os.listdir(layer_dir):
            os.remove(os.path.join(layer_dir, f))
        os.rmdir(layer_dir)
        os.symlink(outside, layer_dir)
        st, _ = self.view(*args)
        fv = st["featvis"]
        self.assertTrue(fv["done"] and not fv["cached"], fv)  # shown, not cached
        self.assertIn("is a link", fv["error"])
        self.assertIn("is a link", st["status_line"] if "status_line" in st else fv["error"])
        self.assertEqual(os.listdir(outside), [])
        # No cache at all (its folder is a file) and units faster than a UI frame: the sheet still
        # fills from the results alone, and the run ends.
        blocked = self.path("blocked")
        with open(blocked, "w") as f:
            f.write("not a folder")
        self.env["CNNSCOPE_CACHE_DIR"] = blocked
        st, _ = self.view("--featvis", "--featvis-size", str(SIZE), "--featvis-iterations", "1", "--featvis-sheet")
        fv = st["featvis"]
        self.assertEqual((fv["done"], fv["cached"], fv["sheet_done"], fv["sheet_total"]), (True, False, 8, 8), fv)
        self.assertIn("not cached", fv["error"])
        self.assertIn("CNNSCOPE_CACHE_DIR", fv["error"])

    def test_a_newer_unit_cancels_the_one_that_runs(self):
        # Long optimisations: channel 0's and 1's are replaced by the next key before they finish,
        # channel 2's runs to the end. Nothing half-made is cached.
        steps = 1500
        st, _ = self.view("--featvis", "--featvis-size", str(SIZE), "--featvis-iterations", str(steps), "--keys", "right,right,idle")
        fv = st["featvis"]
        self.assertEqual((fv["channel"], fv["step"], fv["done"]), (2, steps, True), fv)
        self.assertEqual([c for c in range(8) if self.cached(c, steps)], [2])

    def test_bad_options_fail_before_the_window(self):
        for args, words in ((["--featvis-sheet"], "need --featvis"), (["--featvis", "--featvis-size", "30x20"], "square"),
                            (["--featvis", "--featvis-size", "8"], "--featvis-size"),
                            (["--featvis", "--featvis-iterations", "0"], "--featvis-iterations")):
            with self.subTest(args=args):
                p = run_group([BIN, "view", PHOTO, "--model", self.model, *args], env=self.env, cwd=self.tmp, capture_output=True,
                              text=True, timeout=60)
                self.assertNotEqual(p.returncode, 0)
                self.assertIn(words, p.stderr)
                self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        # A scripted key with a bad value ends the scripted run with its one line.
        p = self.view("--keys", "featvis=often,idle", expect=1)
        self.assertIn("featvis=often: use on, off, sheet", p.stderr)


if __name__ == "__main__":
    unittest.main()
