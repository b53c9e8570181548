"""Issue 24, the window: nothing drawn over anything, legends that tell the truth. Scripted runs of
the real window under Xvfb at 1280x720 and 1600x900: the element rectangles of the stats JSON
(panel, caption, banners, canvas panes and their title strips, colorbar, status line, timeline)
never intersect and never leave the window (checked here from the rectangles, not from the
binary's own verdict); the colorbar's words and numbers match the maps (numpy on `cnnscope dump`,
a constant channel of a written model whose value is known by construction); the scripted
--hover read-out is on the status line and in the screenshot."""
import itertools
import json
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import backward_ref as ref  # noqa: E402
import helpers  # noqa: E402
from helpers import BIN, DATA, VTEST, CliTest, read_png_bgr, run_group  # noqa: E402

BABOON = os.path.join(DATA, "baboon.jpg")
GRAF = os.path.join(DATA, "graf1.png")
window_env = getattr(helpers, "window_env", lambda e: e)
SIZES = ("1280x720", "1600x900")


def intersects(a, b):
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and \
        b["y"] < a["y"] + a["height"]


class GuiLayoutTest(CliTest):
    def view(self, source, *args, size="1280x720", frames=3):
        shot, stats = self.path("shot.png"), self.path("stats.json")
        for f in (shot, stats):
            if os.path.exists(f):
                os.remove(f)
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x900x24", BIN, "view", source, *args, "--frames", str(frames),
               "--screenshot", shot, "--stats", stats, "--size", size]
        p = run_group(cmd, env=window_env(self.env), cwd=self.tmp, capture_output=True, text=True, timeout=400)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(stats) as f:
            return read_png_bgr(shot), json.load(f)

    def dump(self, source, layer, *args):
        out = self.path(f"{layer}.npy")
        self.run_cli("dump", source, "--layer", layer, "--out", out, *args)
        return np.load(out)[0]

    def assert_no_overlap(self, st, what, expect=()):
        W, H = st["window"]["width"], st["window"]["height"]
        els = st["layout"]["elements"]
        names = [e["name"] for e in els]
        for n in ("caption", "status", "timeline", *expect):
            self.assertIn(n, names, f"{what}: no {n} in the layout: {names}")
        for e in els:
            self.assertGreater(e["width"], 0, e)
            self.assertGreater(e["height"], 0, e)
            self.assertTrue(e["x"] >= 0 and e["y"] >= 0 and e["x"] + e["width"] <= W and e["y"] + e["height"] <= H,
                            f"{what}: {e['name']} leaves the {W}x{H} window: {e}")
        for a, b in itertools.combinations(els, 2):
            self.assertFalse(intersects(a, b), f"{what}: {a['name']} {a} overlaps {b['name']} {b}")

    def test_no_element_overlaps_another_at_either_size(self):
        views = {
            "grid with input, top-9 and guided back-projection": (
                VTEST, ["--untrained", "--layer", "block4_conv1", "--grid", "--input", "--topk", "--backprop", "guided"],
                ("colorbar", "maps", "input", "input_title", "backprop", "backprop_title", "topk", "topk_title")),
            "single channel beside a back-projection": (
                BABOON, ["--untrained", "--layer", "block2_conv2", "--channel", "3", "--backprop", "guided"],
                ("colorbar", "maps", "backprop", "backprop_title")),
            "overlay": (BABOON, ["--untrained", "--layer", "block1_conv2", "--channel", "5", "--keys", "o"], ("colorbar", "maps")),
        }
        for size in SIZES:
            for what, (source, args, expect) in views.items():
                with self.subTest(view=what, size=size):
                    shot, st = self.view(source, *args, size=size)
                    w, h = map(int, size.split("x"))
                    self.assertEqual(shot.shape[:2], (h, w))
                    self.assert_no_overlap(st, f"{what} at {size}", expect)
                    panes = {p["name"]: p["title"] for p in st["panes"]}
                    if "backprop" in panes:
                        self.assertIn("guided", panes["backprop"])
                        self.assertIn("grey = 0", panes["backprop"])
                    if st["view"] == "single" and st["unit"]["backprop_rect"]["width"] > 0:
                        # Frame-shaped beside the back-projection: the same aspect, not a square.
                        m, b = st["maps_rect"], st["unit"]["backprop_rect"]
                        self.assertAlmostEqual(m["width"] / m["height"], b["width"] / b["height"], delta=0.03)
                    # The colorbar's column really shows the bar: the colormap's top and bottom colours
                    # are in it, and no map pixel is (the maps end left of it).
                    cb = next(e for e in st["layout"]["elements"] if e["name"] == "colorbar")
                    strip = shot[cb["y"]:cb["y"] + cb["height"], cb["x"]:cb["x"] + cb["width"]]
                    self.assertTrue(np.any(np.all(np.abs(strip - [255, 255, 255]) <= 3, axis=2)), "no white top of the hot bar")

    def test_every_pane_has_the_title_drawn_above_it_in_compare_second_model_and_atlas(self):
        import style_nets
        from test_compare_models import write_block1
        net, h5 = self.path("style.t7"), self.path("block1.h5")
        style_nets.write_t7(net, style_nets.test_weights())
        write_block1(h5, None)
        views = {
            "compare": ([GRAF, "--untrained", "--layer", "block1_conv2", "--grid", "--style", net, "--compare"],
                        {"original_frame": "original", "original_maps": "block1_conv2", "original_gram": "Gram 64x64",
                         "stylised_frame": "stylised", "stylised_maps": "block1_conv2", "stylised_gram": "Gram 64x64"}),
            "second model": ([VTEST, "--untrained", "--model2", h5, "--layer", "block1_conv2", "--grid"],
                             {"model2_a": "A: VGG19 [untrained]", "model2_b": "matched by name", "model2_diff": "A - B (rdbu"}),
            "atlas": ([VTEST, "--untrained", "--atlas"], {"atlas": "every conv channel"}),
        }
        for what, (args, want) in views.items():
            with self.subTest(view=what):
                _, st = self.view(*args)
                self.assert_no_overlap(st, what, tuple(want))
                panes = {p["name"]: p["title"] for p in st["panes"]}
                for name, words in want.items():
                    self.assertIn(name, panes, f"{what}: no pane {name}: {panes}")
                    self.assertIn(words, panes[name], f"{what}: pane {name}'s title")
                for name, title in panes.items():
                    self.assertTrue(title.strip(), f"{what}: pane {name} has no title")

    def test_grid_legend_says_per_channel_and_the_hovered_tiles_range(self):
        act = self.dump(BABOON, "block1_conv2", "--untrained")
        # Point at the middle of tile 9 (a first run gives the grid's geometry).
        _, st0 = self.view(BABOON, "--untrained", "--layer", "block1_conv2", "--grid")
        g, r = st0["grid"], st0["maps_rect"]
        self.assertGreater(g["label_height"], 0, "no strip for the channel numbers above the tiles")
        c = 9
        hx = r["x"] + g["origin_x"] + g["gutter"] + (c % g["cols"]) * g["pitch_x"] + g["tile_width"] // 2
        hy = r["y"] + g["origin_y"] + g["gutter"] + g["label_height"] + (c // g["cols"]) * g["pitch_y"] + g["tile_height"] // 2
        shot, st = self.view(BABOON, "--untrained", "--layer", "block1_conv2", "--grid", "--hover", f"{hx},{hy}")
        leg = st["legend"][0]
        text = " ".join(leg["head"])
        self.assertIn("per channel", text)
        # No one pair of numbers for a grid of tiles with their own scales.
        self.assertEqual((leg["hi"], leg["lo"]), ("max", "min"))
        self.assertIn(f"ch {c}", " ".join(leg["foot"]))
        lo, hi = (float(x) for x in leg["foot"][-1].split(" .. "))
        self.assertAlmostEqual(lo, float(act[c].min()), delta=1e-3 * max(1.0, abs(float(act[c].min()))) + 1e-6)
        self.assertAlmostEqual(hi, float(act[c].max()), delta=2e-3 * abs(float(act[c].max())) + 1e-6)
        # The hover read-out: the hovered map pixel's value, on the status line of the screenshot.
        u = st["unit"]["hover"]
        self.assertEqual(u["channel"], c)
        self.assertIn(f"ch {c} at ({u['x']}, {u['y']})", st["status_line"])
        value = float(st["status_line"].split("value ")[1].split()[0])
        self.assertAlmostEqual(value, float(act[c, u["y"], u["x"]]), delta=1e-3 * abs(float(act[c, u["y"], u["x"]])) + 1e-6)
        s = next(e for e in st["layout"]["elements"] if e["name"] == "status")
        line = shot[s["y"]:s["y"] + s["height"], s["x"]:s["x"] + s["width"]]
        self.assertGreater(np.count_nonzero(line.max(axis=2) > 150), 100, "no read-out drawn on the status line")

    def test_layer_normalisation_shows_the_layers_numbers(self):
        act = self.dump(BABOON, "block1_conv2", "--untrained")
        _, st = self.view(BABOON, "--untrained", "--layer", "block1_conv2", "--grid", "--normalize", "layer")
        leg = st["legend"][0]
        self.assertIn("per layer", " ".join(leg["head"]))
        self.assertAlmostEqual(float(leg["hi"]), float(act.max()), delta=2e-3 * float(act.max()))
        self.assertAlmostEqual(float(leg["lo"]), float(act.min()), delta=1e-6 + 1e-3 * abs(float(act.min())))

    def test_constant_channel_says_constant_with_its_value(self):
        # A written model whose channel 2 has zero weights and bias 0.3: relu(0.3) everywhere.
        rng = np.random.default_rng(3)
        layers = ref.vgg_layers([("block1_conv1", 3, 4), ("block1_conv2", 4, 5)], rng)
        conv = layers[2]
        for k in ("w", "w32"):
            conv[k][2] = 0
        for k in ("b", "b32"):
            conv[k][2] = 0.3
        model = self.path("dead.h5")
        ref.write_keras_h5(model, layers)
        shot, st = self.view(BABOON, "--model", model, "--layer", "block1_conv2", "--channel", "2")
        leg = st["legend"][0]
        self.assertTrue(leg["constant"], leg)
        self.assertFalse(leg["bar"], leg)
        self.assertIn("constant 0.3", " ".join(leg["foot"]))
        # A live channel of the same layer is not called constant.
        _, st = self.view(BABOON, "--model", model, "--layer", "block1_conv2", "--channel", "1")
        self.assertFalse(st["legend"][0]["constant"], st["legend"])
        self.assertNotIn("constant", " ".join(st["legend"][0]["foot"]))


if __name__ == "__main__":
    unittest.main()
