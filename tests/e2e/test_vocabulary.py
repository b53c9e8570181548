"""One vocabulary on the command line (issue 24, items 10-12 and 14-16): the README's option table
against every command's --help, old names as aliases, usage errors in the user's order, view
options without `view`, --caption none giving the bare picture (checked against the maps
coloured with matplotlib's table, and the transfer's image against the content image), topk
refusing --out t.png, the transfer's losses adding up."""
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import backward_ref as ref  # noqa: E402
import helpers  # noqa: E402
from helpers import BIN, DATA, CliTest, colour_with_matplotlib, read_png_bgr  # noqa: E402

README = os.path.join(os.path.dirname(__file__), "../../README.md")
BABOON = os.path.join(DATA, "baboon.jpg")
GRAF = os.path.join(DATA, "graf1.png")
FAST = ["--untrained", "--input-size", "32x32"]


def help_options(text):
    """{name: (default, range)} of the options a --help text lists (an entry's description may
    start on the next line)."""
    entries = []
    for line in text.splitlines():
        if re.match(r"^  (-|[A-Z]+ )", line):
            entries.append(line)
        elif entries and re.match(r"^ {20,}\S", line):
            entries[-1] += " " + line.strip()
        elif not line.strip():
            entries.append("")
    out = {}
    for e in entries:
        m = re.match(r"^  (-[-\w]+(?:,--[-\w]+)?|[A-Z]+)((?: [A-Z]+)?)(=\S*)?", e)
        if not m:
            continue
        rng = re.search(r"\(range ([^)]+)\)\s*$", e)
        out[m.group(1).split(",")[-1]] = ((m.group(3) or "=")[1:], rng.group(1) if rng else "")
    return out


class OptionTableTest(CliTest):
    def commands(self):
        text = self.run_cli("--help").stdout
        sub = text[text.index("Subcommands:"):]
        return [m.group(1) for m in re.finditer(r"^  ([a-z][-a-z0-9]*)\s", sub, re.M)]

    def test_readme_table_is_the_generated_one_and_agrees_with_help(self):
        table = self.run_cli("options", "--markdown").stdout
        with open(README) as f:
            readme = f.read()
        block = readme[readme.index("<!-- options:begin -->\n") + len("<!-- options:begin -->\n"):readme.index("<!-- options:end -->")]
        self.assertEqual(block, table, "README's option table drifted: paste `cnnscope options --markdown` between the markers")
        rows = []
        for line in table.splitlines()[2:]:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows.append(cells)
        commands = self.commands()
        self.assertIn("grid", commands)
        for cmd in commands:
            got = help_options(self.run_cli(cmd, "--help").stdout)
            for name, (default, rng) in got.items():
                if name in ("--help",):
                    continue
                mine = [r for r in rows if cmd in r[2].split(", ") and re.match(r"^`" + re.escape(name) + r"(`| )", r[0]) or
                        cmd in r[2].split(", ") and re.match(r"^`-\w, " + re.escape(name) + r"(`| )", r[0])]
                aliased = [r for r in rows if cmd in r[2].split(", ") and name in r[5].split(", ")]
                self.assertTrue(mine or aliased, f"{cmd} {name} is in --help but not in the option table")
                for r in mine:
                    self.assertEqual(r[3].strip("`"), default, f"{cmd} {name}: default")
                    self.assertEqual(r[4], rng, f"{cmd} {name}: range")

    def test_help_prints_each_range_once_and_names_aliases(self):
        for cmd in self.commands():
            text = self.run_cli(cmd, "--help").stdout
            self.assertNotRegex(text, r"INT:|FLOAT:|TEXT:|NONNEGATIVE| in \[\d", f"{cmd} --help prints validator text")
        transfer = self.run_cli("transfer", "--help").stdout
        self.assertIn("(range 20..10000)", transfer)
        self.assertNotIn("60000", transfer)
        rows = [l for l in self.run_cli("options", "--markdown").stdout.splitlines() if l.startswith("| `--tiles ")]
        self.assertEqual(len(rows), 1, "--tiles must have one default and one range in every command")
        self.assertIn("`8`", rows[0])
        for cmd, old, new in (("sweep", "--display-size", "--size"), ("atlas", "--tile", "--tile-size"),
                              ("topk", "--thumb", "--tile-size"), ("backprop", "--mode", "--backprop"),
                              ("bench", "--source", "SOURCE"), ("view", "--size", "--window-size"),
                              ("view", "--transfer", "--style-image")):
            text = self.run_cli(cmd, "--help").stdout
            self.assertRegex(text, re.escape(old) + r" [^\n]*\n?\s*Alias of " + re.escape(new) + ", kept for old scripts", cmd)
        for cmd in ("dump", "grid", "sweep", "atlas", "compare", "compare-models", "backprop"):
            self.assertRegex(self.run_cli(cmd, "--help").stdout, r"--frame INT=0\s+Frame of a video to use, counted from 0", cmd)


class UsageTest(CliTest):
    def test_unexpected_arguments_in_the_users_order(self):
        p = self.run_cli("record", BABOON, *FAST, "--layer", "block1_conv1", "--out", self.path("x.gif"), "--frames", "30",
                         "--screenshot", "out/x.png", "--bogus", expect=2)
        self.assertEqual(p.returncode, 2)
        self.assertIn("not expected: --screenshot out/x.png --bogus (see `cnnscope record --help`)", p.stderr)
        self.assertEqual(os.listdir(self.tmp), ["home"])

    def test_view_options_without_view(self):
        p = self.run_cli("--layer", "block2_conv1", "--no-such-option", expect=2)
        self.assertIn("--no-such-option", p.stderr)
        self.assertIn("`cnnscope view --help`", p.stderr)
        self.assertIn("Usage: cnnscope view", self.run_cli("--layer", "block2_conv1", "--help").stdout)
        p = self.run_cli("gird", BABOON, expect=2)
        self.assertIn("'gird' is not a command", p.stderr)

    @unittest.skipUnless(shutil.which("xvfb-run"), "needs xvfb-run")
    def test_window_options_without_view_and_window_size(self):
        shot = self.path("w.png")
        env = getattr(helpers, "window_env", lambda e: e)(dict(self.env))
        p = subprocess.run(["xvfb-run", "-a", BIN, "--untrained", "--input-size", "64x64", "--layer", "block1_conv1",
                            "--window-size", "640x360", "--frames", "2", "--screenshot", shot, BABOON],
                           env=env, cwd=self.tmp, capture_output=True, text=True, timeout=180)
        self.assertEqual(p.returncode, 0, p.stderr)
        from PIL import Image
        with Image.open(shot) as im:
            self.assertEqual(im.size, (640, 360))

    def test_old_names_are_aliases(self):
        a, b = self.path("a.gif"), self.path("b.gif")
        self.run_cli("sweep", BABOON, *FAST, "--layer", "block1_conv1", "--out", a, "--display-size", "40x40", "-q")
        self.run_cli("sweep", BABOON, *FAST, "--layer", "block1_conv1", "--out", b, "--size", "40x40", "-q")
        with open(a, "rb") as fa, open(b, "rb") as fb:
            self.assertEqual(fa.read(), fb.read())
        p = self.run_cli("sweep", BABOON, *FAST, "--layer", "block1_conv1", "--out", b, "--size", "40x40", "--display-size", "40x40",
                         expect=2)
        self.assertIn("give it once", p.stderr)
        p = self.run_cli("topk", BABOON, *FAST, "--layer", "block1_conv1", "--out", self.path("t"), "--thumb", "4", expect=2)
        self.assertIn("--thumb", p.stderr)
        p = self.run_cli("backprop", BABOON, *FAST, "--layer", "block1_conv1", "--out", self.path("b.png"), "--backprop", "sideways",
                         expect=1)
        self.assertIn("--backprop", p.stderr)


class CaptionTest(CliTest):
    def test_caption_none_is_the_bare_map(self):
        # record to a PNG folder at the map's own size: the frame is the channel coloured with hot.
        act = self.path("a.npy")
        big = ["--untrained", "--input-size", "64x64"]  # record's maps are at least 64 px
        self.run_cli("dump", BABOON, *big, "--layer", "block1_conv1", "--out", act, "-q")
        frames = self.path("frames")
        self.run_cli("record", BABOON, *big, "--layer", "block1_conv1", "--channel", "5", "--size", "64x64", "--caption", "none",
                     "--out", frames, "-q")
        png = read_png_bgr(os.path.join(frames, sorted(os.listdir(frames))[0]))
        self.assertEqual(png.shape, (64, 64, 3))
        self.assertLessEqual(int(np.abs(png - colour_with_matplotlib(np.load(act)[0][5])).max()), 1)
        self.run_cli("dump", BABOON, *FAST, "--layer", "block1_conv1", "--out", act, "-q")
        a = np.load(act)[0]
        # grid: the mosaic alone (tiles of 32 px, gutter 2), no strip below.
        g = self.path("g.png")
        self.run_cli("grid", BABOON, *FAST, "--layer", "block1_conv1", "--tiles", "2", "--tile-size", "32", "--no-labels",
                     "--caption", "none", "--out", g, "-q")
        grid = read_png_bgr(g)
        self.assertEqual(grid.shape[:2], (2 * 34 + 2, 2 * 34 + 2))
        for c in range(4):
            r, col = divmod(c, 2)
            tile = grid[2 + r * 34:2 + r * 34 + 32, 2 + col * 34:2 + col * 34 + 32]
            self.assertLessEqual(int(np.abs(tile - colour_with_matplotlib(a[c])).max()), 1, c)
        # short and full add strips; the old bare --caption is the full one.
        sizes = {}
        for cap in ("short", "full"):
            self.run_cli("grid", BABOON, *FAST, "--layer", "block1_conv1", "--tiles", "2", "--tile-size", "32", "--caption", cap,
                         "--out", g, "-q")
            sizes[cap] = read_png_bgr(g).shape[0]
        self.run_cli("grid", BABOON, *FAST, "--layer", "block1_conv1", "--tiles", "2", "--tile-size", "32", "--caption",
                     "--out", g, "-q")
        self.assertEqual(read_png_bgr(g).shape[0], sizes["full"])
        self.assertGreater(sizes["full"], sizes["short"])
        self.assertGreater(sizes["short"], 70)
        # sweep: bare frames at --size.
        from PIL import Image
        s = self.path("s.gif")
        self.run_cli("sweep", BABOON, *FAST, "--layer", "block1_conv1", "--size", "48x48", "--caption", "none", "--out", s, "-q")
        with Image.open(s) as im:
            self.assertEqual(im.size, (48, 48))

    def test_transfer_caption_none_is_the_bare_image_and_losses_add_up(self):
        content, style = self.path("c.png"), self.path("s.png")
        ref.save_crop(GRAF, content, (100, 100, 132, 132))
        ref.save_crop(GRAF, style, (400, 300, 432, 332))
        out, js = self.path("o.png"), self.path("o.json")
        alpha, beta, tv = 1.5, 200.0, 0.25
        self.run_cli("transfer", content, "--style-image", style, *FAST[:1], "--size", "32x32", "--iterations", "2", "--lr", "1e-6",
                     "--alpha", str(alpha), "--beta", str(beta), "--tv", str(tv), "--caption", "none", "--out", out, "--json", js, "-q")
        got, want = read_png_bgr(out), read_png_bgr(content)
        self.assertEqual(got.shape, want.shape)
        self.assertLessEqual(int(np.abs(got - want).max()), 1)
        with open(js) as f:
            doc = json.load(f)
        its = doc["iterations"]
        for it in its:
            self.assertAlmostEqual(it["content_term"], alpha * it["content"], delta=1e-6 * max(1, abs(it["total"])))
            self.assertAlmostEqual(it["style_term"], beta * it["style"], delta=1e-6 * max(1, abs(it["total"])))
            s = it["content_term"] + it["style_term"] + it["tv_term"]
            self.assertLess(abs(s - it["total"]), 1e-6 * abs(it["total"]))
        self.assertTrue(its[-1].get("final"))
        self.assertFalse(any(it.get("final") for it in its[:-1]))
        self.assertEqual(doc["final_loss"], its[-1]["total"])
        # The captioned result is taller; the summary line says which loss it reports.
        p = self.run_cli("transfer", content, "--style-image", style, *FAST[:1], "--size", "32x32", "--iterations", "2",
                         "--out", out)
        self.assertGreater(read_png_bgr(out).shape[0], 32)
        self.assertIn("for the result (after the last update", p.stderr)


class TopkOutTest(CliTest):
    def test_out_named_like_a_file_is_refused(self):
        p = self.run_cli("topk", BABOON, *FAST, "--layer", "block1_conv1", "--out", self.path("t.png"), expect=1)
        self.assert_clean_failure(p, "t.png", "folder")
        self.assertFalse(os.path.exists(self.path("t.png")))

    def test_sheet_sizes_with_each_caption(self):
        for cap in ("none", "short", "full"):
            out = self.path("t_" + cap)
            self.run_cli("topk", BABOON, *FAST, "--layer", "block1_conv1", "--k", "1", "--tile-size", "16", "--caption", cap,
                         "--out", out, "-q")
            with open(os.path.join(out, "topk.json")) as f:
                doc = json.load(f)
            sheet = read_png_bgr(os.path.join(out, "channel_0000.png"))
            self.assertEqual([sheet.shape[1], sheet.shape[0]], doc["sheet"]["size"], cap)
            title = sheet[:doc["sheet"]["thumb_rects"][0][1] - 2]
            self.assertEqual(bool((title > 200).any()), cap != "none", cap)  # white title text, none without


if __name__ == "__main__":
    unittest.main()
