"""End-to-end tests of the live window under Xvfb: scripted runs of the real binary on real footage."""
import json
import os
import signal
import subprocess
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, VTEST, CliTest, colour_with_matplotlib, hot_lut_bgr8, read_png_bgr, run_group  # noqa: E402

import style_nets  # noqa: E402

BABOON = os.path.join(DATA, "baboon.jpg")
GRAF = os.path.join(DATA, "graf1.png")


def shader_resize(img, w, h):
    """Nearest sampling as the shader does it: pixel x samples texel floor((x + 0.5) * W / w)."""
    H, W = img.shape[:2]
    xs = np.minimum(((np.arange(w) + 0.5) * W / w).astype(np.int64), W - 1)
    ys = np.minimum(((np.arange(h) + 0.5) * H / h).astype(np.int64), H - 1)
    return img[ys][:, xs]


class GuiBase(CliTest):
    def view(self, *args, frames=20):
        shot, stats = self.path("shot.png"), self.path("stats.json")
        for f in (shot, stats):
            if os.path.exists(f):
                os.remove(f)
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", BIN, "view", *args, "--frames", str(frames),
               "--screenshot", shot, "--stats", stats, "--size", "1280x720"]
        p = run_group(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(stats) as f:
            return read_png_bgr(shot), json.load(f)

    def dump(self, source, layer):
        out = self.path(f"{layer}.npy")
        self.run_cli("dump", source, "--layer", layer, "--out", out, "--untrained")
        return np.load(out)[0]


class GuiTest(GuiBase):
    """Everything but the real-time rates (these run in parallel with other tests)."""

    def test_grid_on_screen_matches_the_cpu_colouring(self):
        shot, st = self.view(BABOON, "--untrained", "--layer", "block1_conv1", "--grid")
        self.assertEqual(shot.shape[:2], (720, 1280))
        self.assertEqual(st["layer"], "block1_conv1")
        self.assertEqual(st["view"], "grid")
        self.assertTrue(st["untrained"])
        act = self.dump(BABOON, "block1_conv1")
        g, r = st["grid"], st["maps_rect"]
        self.assertEqual((g["cols"], g["rows"], g["first"]), (8, 8, 0))
        for c in (1, 7, 20, 63):  # not 0: the selected tile carries a highlight frame
            y0 = r["y"] + g["origin_y"] + g["gutter"] + g["label_height"] + (c // 8) * g["pitch_y"]
            x0 = r["x"] + g["origin_x"] + g["gutter"] + (c % 8) * g["pitch_x"]
            tile = shot[y0:y0 + g["tile_height"], x0:x0 + g["tile_width"]]
            ref = shader_resize(colour_with_matplotlib(act[c]), g["tile_width"], g["tile_height"])
            bad = np.mean(np.any(np.abs(tile - ref) > 2, axis=2))
            self.assertLess(bad, 0.01, f"channel {c}: {bad:.2%} of the tile differs from the CPU colouring")

    def test_keys_change_channel_and_layer(self):
        shot, st = self.view(BABOON, "--untrained", "--layer", "block1_conv1", "--channel", "0",
                             "--keys", "right,right,pagedown")
        self.assertEqual(st["layer"], "block1_conv2")
        self.assertEqual(st["channel"], 2)
        self.assertEqual(st["view"], "single")
        act = self.dump(BABOON, "block1_conv2")
        r = st["maps_rect"]
        shown = shot[r["y"]:r["y"] + r["height"], r["x"]:r["x"] + r["width"]]
        ref = shader_resize(colour_with_matplotlib(act[2]), r["width"], r["height"])
        bad = np.mean(np.any(np.abs(shown - ref) > 2, axis=2))
        self.assertLess(bad, 0.01, f"{bad:.2%} of the view differs from channel 2 of block1_conv2")
        # Another channel of the same layer would not match: the comparison can tell them apart.
        other = shader_resize(colour_with_matplotlib(act[3]), r["width"], r["height"])
        self.assertGreater(np.mean(np.any(np.abs(shown - other) > 2, axis=2)), 0.2)

    def test_layer_switch_on_a_still_frame_does_not_recompute(self):
        keys = ",".join(["idle"] + ["pagedown"] * 7)
        shot, st = self.view(BABOON, "--untrained", "--layer", "block1_conv1", "--grid", "--keys", keys, frames=3)
        self.assertEqual(st["layer"], "block3_conv2")
        self.assertEqual(st["inferences_after_idle"], 0, st)  # every layer came from the paused-frame cache
        act = self.dump(BABOON, "block3_conv2")
        g, r = st["grid"], st["maps_rect"]
        c = 9
        y0 = r["y"] + g["origin_y"] + g["gutter"] + g["label_height"] + (c // 8) * g["pitch_y"]
        x0 = r["x"] + g["origin_x"] + g["gutter"] + (c % 8) * g["pitch_x"]
        tile = shot[y0:y0 + g["tile_height"], x0:x0 + g["tile_width"]]
        ref = shader_resize(colour_with_matplotlib(act[c]), g["tile_width"], g["tile_height"])
        self.assertLess(np.mean(np.any(np.abs(tile - ref) > 2, axis=2)), 0.01)

    def test_caption_time_of_a_still_image_is_never_before_the_start(self):
        import re
        _, st = self.view(BABOON, "--untrained", "--layer", "block1_conv1", frames=5)
        m = re.search(r"\| frame 0 \((-?[\d.]+) s\)$", st["caption"])
        self.assertIsNotNone(m, st["caption"])
        self.assertEqual(float(m.group(1)), 0.0)  # the first frame shown is the clock's start

    def test_sigterm_while_recording_finishes_the_file(self):
        import signal
        import time
        from PIL import Image
        out = self.path("term.gif")
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", BIN, "view", VTEST, "--untrained", "--layer", "block1_conv1",
               "--frames", "100000", "--record", out]
        p = self.popen_group(cmd, env=self.env, cwd=self.tmp, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        partial = []
        while time.time() < deadline and not partial:
            time.sleep(0.5)
            partial = [f for f in os.listdir(self.tmp) if "partial" in f]
        time.sleep(2)  # some frames in
        self.terminate_window(p)  # cnnscope alone, by its pid: never a process found by name
        err = p.stderr.read()
        p.stderr.close()
        p.wait(timeout=60)
        self.assertTrue(partial, "the recording never started: " + err)
        self.assertIn("saved", err)
        with Image.open(out) as im:
            self.assertGreaterEqual(im.n_frames, 2)
            im.seek(im.n_frames - 1)
        self.assertEqual([f for f in os.listdir(self.tmp) if "partial" in f], [])

    def test_a_live_source_that_stops_is_retried_and_the_window_lives(self):
        # A GStreamer source that ends after 15 buffers stands for an unplugged camera.
        src = "videotestsrc num-buffers=15 ! videoconvert ! appsink sync=false"
        _, st = self.view(src, "--untrained", "--layer", "block1_conv1", "--grid", frames=240)
        self.assertGreaterEqual(st["source_failures"], 1, st)
        self.assertGreaterEqual(st["source_reconnects"], 1, st)
        self.assertEqual(st["frames"], 240)  # the window kept rendering

    def small(self, img, size=(48, 36)):
        from PIL import Image
        return np.asarray(Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).resize(size, Image.BILINEAR)).astype(float)

    def test_style_compare_view_shows_both_frames_and_the_gram_matrices_like_the_cpu(self):
        net = self.path("net.t7")
        style_nets.write_t7(net, style_nets.test_weights())
        shot, st = self.view(GRAF, "--untrained", "--style", net, "--compare", "--layer", "block1_conv1", "--grid")
        self.assertTrue(st["compare"])
        self.assertEqual(st["style"], "net")
        # The frames: the left one is the picture, the right one what the style stage made of it.
        styled = self.path("styled.png")
        self.run_cli("stylize", GRAF, "--style", net, "--out", styled)
        orig, sty = read_png_bgr(GRAF), read_png_bgr(styled)
        left, right = st["compare_rects"]
        crop = lambda r: shot[r["y"]:r["y"] + r["height"], r["x"]:r["x"] + r["width"]]
        lf, rf = self.small(crop(left["frame"])), self.small(crop(right["frame"]))
        self.assertLess(np.abs(lf - self.small(orig)).mean(), 12)
        self.assertLess(np.abs(rf - self.small(sty)).mean(), 12)
        self.assertGreater(np.abs(rf - self.small(orig)).mean(), 25)
        # The Gram heatmaps, drawn by the shader, against numpy's Gram matrices coloured on the CPU
        # with one shared scale.
        grams = []
        for src in (GRAF, styled):
            act, gram = self.path("a.npy"), self.path("g.npy")
            self.run_cli("dump", src, "--layer", "block1_conv1", "--out", act, "--gram", gram, "--untrained")
            F = np.load(act)[0].astype(np.float64).reshape(64, -1)
            grams.append(F @ F.T / F.shape[1])
            np.testing.assert_allclose(np.load(gram), grams[-1], rtol=2e-4, atol=1e-3)
        top = max(np.abs(g).max() for g in grams)
        lut = hot_lut_bgr8()
        for rect, g in ((left["gram"], grams[0]), (right["gram"], grams[1])):
            self.assertEqual(rect["width"], rect["height"])
            C, w = 64, rect["width"]
            idx = np.minimum((g / top * 256).astype(np.int64), 255)
            centres = ((np.arange(C) + 0.5) * w / C).astype(int)
            seen = shot[rect["y"] + centres][:, rect["x"] + centres]
            bad = np.mean(np.any(np.abs(seen - lut[idx]) > 3, axis=2))
            self.assertLess(bad, 0.02, f"{bad:.2%} of the Gram cells differ from the CPU colouring")
        distance = np.linalg.norm(grams[1] - grams[0]) / np.linalg.norm(grams[0])
        self.assertAlmostEqual(st["gram_distance"], distance, places=3)

    def test_style_stage_in_the_window_and_its_recording(self):
        from PIL import Image
        net = self.path("net.t7")
        style_nets.write_t7(net, style_nets.test_weights())
        out = self.path("styled.gif")
        # Toggle the comparison with the key, on real footage, while recording it.
        shot, st = self.view(VTEST, "--untrained", "--style", net, "--layer", "block1_conv2", "--keys", "c,idle",
                             "--record", out, frames=40)
        self.assertTrue(st["compare"])
        self.assertGreater(st["inferences"], 0)
        with Image.open(out) as im:
            self.assertGreaterEqual(im.n_frames, 2)
            rgb = np.asarray(im.convert("RGB")).astype(int)
        self.assertGreater(len(np.unique(rgb.reshape(-1, 3), axis=0)), 50)
        p = self.run_cli("view", VTEST, "--compare", "--frames", "1", "--untrained", expect=1)
        self.assert_clean_failure(p, "--compare needs --style")

    def test_bad_channel_and_no_display(self):
        p = self.run_cli("view", BABOON, "--untrained", "--layer", "block1_conv1", "--channel", "64", expect=1)
        self.assert_clean_failure(p, "out of range", "64 channels")
        env = dict(self.env)
        env.pop("DISPLAY", None)
        p = subprocess.run([BIN, "view", BABOON, "--untrained"], env=env, cwd=self.tmp, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("DISPLAY", p.stderr)
        self.assertIn("xvfb-run", p.stderr)

    def start_window(self, source, *args):
        return self.popen_group(["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", BIN, "view", source, "--untrained", *args],
                                env=self.env, cwd=self.tmp, stderr=subprocess.PIPE, text=True)

    def terminate_window(self, xvfb_run):
        """SIGTERM to the cnnscope that this xvfb-run started (its child that is not the X server)."""
        ps = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(xvfb_run.pid)], capture_output=True, text=True).stdout
        pids = [int(line.split()[0]) for line in ps.splitlines() if line.split()[1] != "Xvfb"]
        self.assertEqual(len(pids), 1, "cnnscope is not running under this xvfb-run: " + ps)
        os.kill(pids[0], signal.SIGTERM)

    # Issue 11, class 8: scripted runs keep their promise.
    def test_a_scripted_run_stopped_early_fails_instead_of_exiting_0_without_its_files(self):
        shot, stats = self.path("q.png"), self.path("q.json")
        p = run_group(["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", BIN, "view", BABOON, "--untrained", "--keys", "q",
                            "--frames", "20", "--screenshot", shot, "--stats", stats], env=self.env, cwd=self.tmp,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 1, p.stderr)
        errors = [l for l in p.stderr.splitlines() if l.startswith("cnnscope: error:")]
        self.assertEqual(len(errors), 1, p.stderr)
        self.assertIn("stopped", errors[0])
        self.assertIn("not written", errors[0])
        self.assertFalse(os.path.exists(shot) or os.path.exists(stats))
        self.assertEqual([f for f in os.listdir(self.tmp) if "partial" in f], [])

    def test_sigterm_before_the_frames_of_a_scripted_run_is_not_a_success(self):
        import time
        shot = self.path("term.png")
        p = self.start_window(VTEST, "--frames", "1000000", "--screenshot", shot)
        time.sleep(4)  # the window is up and frames are shown
        self.terminate_window(p)
        err = p.stderr.read()
        p.stderr.close()
        self.assertNotEqual(p.wait(timeout=60), 0, err)
        self.assertIn("stopped", err)
        self.assertFalse(os.path.exists(shot))

    def test_screenshots_within_one_second_do_not_overwrite_each_other(self):
        self.view(BABOON, "--untrained", "--keys", "s,s,s,s,s,s", frames=3)  # one a frame: a few per second
        shots = sorted(f for f in os.listdir(self.tmp) if f.startswith("cnnscope-") and f.endswith(".png"))
        self.assertEqual(len(shots), 6, shots)
        for f in shots:
            self.assertEqual(read_png_bgr(self.path(f)).ndim, 3)

    # Issue 11, class 10: saved settings are honoured, a bad settings file is reported and kept.
    def run_window(self, *args, seconds=4):
        """A window that is not scripted (it reads and writes the settings), closed by SIGTERM."""
        import time
        p = self.start_window(BABOON, *args)
        time.sleep(seconds)
        self.terminate_window(p)
        err = p.stderr.read()
        p.stderr.close()
        self.assertEqual(p.wait(timeout=60), 0, err)
        return err

    def settings_file(self):
        return os.path.join(self.env["HOME"], ".config", "cnnscope", "settings.ini")

    def read_settings(self):
        with open(self.settings_file()) as f:
            return dict(l.strip().split("=", 1) for l in f if "=" in l and not l.startswith("#"))

    def test_saved_settings_are_honoured_unless_the_command_line_says_otherwise(self):
        os.makedirs(os.path.dirname(self.settings_file()))
        with open(self.settings_file(), "w") as f:
            f.write("colormap=2\nnormalize=1\ngamma=0.5\ntiles=4\n")
        self.run_window()
        st = self.read_settings()  # written on exit: what the window used
        self.assertEqual((st["colormap"], st["normalize"], float(st["gamma"]), st["tiles"]), ("2", "1", 0.5, "4"))
        self.run_window("--colormap", "gray", "--gamma", "2")
        st = self.read_settings()
        self.assertEqual((st["colormap"], st["normalize"], float(st["gamma"])), ("1", "1", 2.0))

    def test_an_unreadable_or_bad_settings_file_is_reported_not_overwritten(self):
        os.makedirs(self.settings_file())  # a directory where the file should be
        err = self.run_window(seconds=3)
        self.assertIn("cannot read the settings file", err)
        self.assertTrue(os.path.isdir(self.settings_file()))
        os.rmdir(self.settings_file())
        text = "# mine\ncolormap=purple\ngamma=0.5\n"
        with open(self.settings_file(), "w") as f:
            f.write(text)
        err = self.run_window(seconds=3)
        self.assertIn("bad value 'purple' for colormap", err)
        with open(self.settings_file()) as f:
            self.assertEqual(f.read(), text)



class GuiRatesTest(GuiBase):
    """The checks that read the window's real-time rates (frame durations of a recording, inference
    fps beside render fps): ctest runs them alone (RUN_SERIAL), not beside another test on the cores."""

    def test_ui_does_not_wait_on_a_deep_layer(self):
        # At 640x480 block5_conv4 takes hundreds of ms on these CPUs (at 224x224 oneDNN's Winograd
        # makes it about as fast as llvmpipe draws); the window keeps rendering meanwhile.
        # `idle` first: the first maps are on screen (a latency sample) however slow the machine is.
        _, st = self.view(VTEST, "--untrained", "--layer", "block5_conv4", "--grid", "--input-size", "640x480", "--keys", "idle",
                          frames=90)
        self.assertEqual(st["layer"], "block5_conv4")
        # Inference was timed; after `idle` a slow machine (ASan, load) may finish no further frame
        # in the 90 the window draws: the rate is then 0, and a window that waited would be slower.
        self.assertGreater(st["inference_ms"], 0, st)
        self.assertGreater(st["render_fps"], 3 * st["inference_fps"], st)
        self.assertGreater(st["latency_ms"]["p50"], 0)

    def test_recording_from_the_window(self):
        from PIL import Image
        out = self.path("win.gif")
        _, st = self.view(VTEST, "--untrained", "--layer", "block1_conv2", "--grid", "--record", out, frames=60)
        with Image.open(out) as im:
            self.assertGreaterEqual(im.n_frames, 5)
            self.assertEqual(im.info.get("loop"), 0)
            self.assertEqual(im.size[0], 640)  # the recording size, not the window's
            self.assertGreater(im.size[1], 480)
            durations = []
            for i in range(1, im.n_frames):
                im.seek(i)
                durations.append(im.info["duration"])
            # Real time between recorded frames: the clip's 10 fps, as a median (a loaded machine may
            # stall single frames; a timing bound on every frame would make the test flaky).
            self.assertTrue(all(d >= 10 for d in durations), durations)
            self.assertTrue(90 <= float(np.median(durations)) <= 400, durations)
            rgb = np.asarray(im.convert("RGB")).astype(int)
        strip = rgb[482:]
        self.assertTrue((strip.sum(axis=2) > 600).mean() > 0.02, "caption text missing")
        maps = rgb[:480]
        self.assertTrue((maps.sum(axis=2) > 60).mean() > 0.2, "no feature maps in the recording")
        self.assertGreater(len(np.unique(maps.reshape(-1, 3), axis=0)), 50)
        self.assertEqual(sorted(f for f in os.listdir(self.tmp) if f.endswith(".gif") or "partial" in f), ["win.gif"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
