"""The window as a set of views (src/app/view.hpp, view_registry): the canvas is decided once per UI
frame and both the window's draw and the offscreen render (screenshots, recordings) read that
decision. Scripted under Xvfb; the stats JSON's "canvas" names which view has what, and where the
window and the last offscreen render put the maps."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, VTEST, CliTest, run_group  # noqa: E402
import style_nets  # noqa: E402

BABOON = os.path.join(DATA, "baboon.jpg")
XVFB = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24"]


class ViewsTest(CliTest):
    def view(self, source, *args, frames=3):
        shot, stats = self.path("shot.png"), self.path("stats.json")
        for f in (shot, stats):
            if os.path.exists(f):
                os.remove(f)
        cmd = [*XVFB, BIN, "view", source, "--untrained", *args, "--frames", str(frames), "--screenshot", shot, "--stats", stats,
               "--size", "1280x720"]
        p = run_group(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(stats) as f:
            return json.load(f)

    def test_the_plan_names_the_view_that_has_the_canvas(self):
        # The unit column beside the window's own maps; every registered view has its stats key.
        st = self.view(BABOON, "--layer", "block1_conv2", "--channel", "3", "--input")
        c = st["canvas"]
        self.assertEqual((c["canvas"], c["compare"], c["columns"], c["maps"]), (None, False, ["unit"], None), c)
        for key in ("atlas", "unit", "model2", "transfer"):
            self.assertIn(key, st)
        self.assertEqual(c["window"]["panes"], ["input", "maps"])
        # The atlas takes the whole canvas: no column, no maps pane.
        c = self.view(BABOON, "--atlas")["canvas"]
        self.assertEqual((c["canvas"], c["columns"], c["maps"]), ("atlas", [], None), c)
        self.assertEqual(c["window"]["panes"], ["atlas"])
        # The second model's A | B | A - B replaces the maps pane, right of the column.
        c = self.view(BABOON, "--model2", "untrained", "--layer", "block1_conv1", "--channel", "2")["canvas"]
        self.assertEqual((c["canvas"], c["columns"], c["maps"]), (None, ["unit"], "model2"), c)
        self.assertEqual(c["window"]["panes"], ["model2_a", "model2_b", "model2_diff"])
        # With a style network and --compare, original | stylised replaces the maps pane; the unit
        # column draws its compare variant (the back-projection of the stylised frame).
        net = self.path("net.t7")
        style_nets.write_t7(net, style_nets.test_weights())
        st = self.view(os.path.join(DATA, "graf1.png"), "--style", net, "--compare", "--backprop", "guided", "--layer", "block1_conv2")
        c = st["canvas"]
        self.assertEqual((c["canvas"], c["compare"], c["columns"], c["maps"]), (None, True, ["unit"], "compare"), c)
        self.assertTrue(st["compare"])
        self.assertEqual(c["window"]["panes"][-1], "backprop")
        self.assertEqual(c["window"]["maps_rect"], st["compare_rects"][1]["maps"])  # hover follows the stylised side

    def test_window_and_offscreen_render_draw_the_same_canvas(self):
        # Beside the top-9 sheet alone a single map keeps the map's own (square) shape, in the
        # window and in a screenshot (s) alike: the offscreen render used to make it frame-shaped.
        st = self.view(VTEST, "--paused", "--layer", "block2_conv1", "--channel", "4", "--topk", "--keys", "idle,s")
        c = st["canvas"]
        win, off = c["window"], c["offscreen"]
        self.assertEqual(win["panes"], ["topk", "maps"])
        self.assertEqual(off["panes"], win["panes"])
        w, o = win["maps_rect"], off["maps_rect"]
        self.assertGreater(o["width"], 0, c)
        self.assertAlmostEqual(w["width"] / w["height"], 1.0, delta=0.02, msg=w)  # block2_conv1's map is 112x112
        self.assertAlmostEqual(o["width"] / o["height"], w["width"] / w["height"], delta=0.02, msg=(o, w))
        # With the input frame beside it, both make the single map frame-shaped (768x576).
        c = self.view(VTEST, "--paused", "--layer", "block2_conv1", "--channel", "4", "--input", "--keys", "idle,s")["canvas"]
        w, o = c["window"]["maps_rect"], c["offscreen"]["maps_rect"]
        self.assertAlmostEqual(w["width"] / w["height"], 768 / 576, delta=0.02, msg=w)
        self.assertAlmostEqual(o["width"] / o["height"], 768 / 576, delta=0.02, msg=o)

    def test_ui_latency_is_reported_per_input_event(self):
        # Each scripted key is an input event, shown by the next frame drawn: one sample each
        # ('idle' is a wait, not input).
        st = self.view(BABOON, "--layer", "block1_conv1", "--keys", "right,idle,right,g,g")
        u = st["ui_latency_ms"]
        self.assertEqual(u["samples"], 4, u)
        self.assertGreater(u["p50"], 0, u)
        self.assertGreaterEqual(u["p99"], u["p50"], u)
        self.assertLess(u["p99"], 10000, u)  # a frame, not a wait on inference
        st = self.view(BABOON, "--layer", "block1_conv1")
        self.assertEqual(st["ui_latency_ms"]["samples"], 0)


if __name__ == "__main__":
    unittest.main()
