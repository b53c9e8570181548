"""The newer commands (atlas, backprop, compare-models, transfer, topk) never write over one of
their inputs: an --out (or --layout, --diff, --json) that is the source, the second model or the
style image is refused with one error line before any work, and the input stays byte-identical."""
import hashlib
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, CliTest  # noqa: E402


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class NewCommandOutputsTest(CliTest):
    def refused(self, victim, *args):
        before = digest(victim)
        p = subprocess.run([BIN, *args], env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 1, f"{args}: {p.stderr}")
        lines = [l for l in p.stderr.splitlines() if l.startswith("cnnscope: error:")]
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertEqual(digest(victim), before, f"{args} changed its input")
        return lines[0]

    def test_outputs_that_are_inputs_are_refused(self):
        img = self.path("photo.png")
        shutil.copy(os.path.join(DATA, "fruits.jpg"), self.path("fruits.jpg"))
        subprocess.run([BIN, "backprop", self.path("fruits.jpg"), "--untrained", "--layer", "block1_conv1", "--out", img, "-q"],
                       env=self.env, check=True, capture_output=True)
        style = self.path("style.png")
        shutil.copy(img, style)
        u = "--untrained"
        self.refused(img, "atlas", img, u, "--out", img, "-q")
        self.refused(img, "atlas", self.path("fruits.jpg"), u, "--out", self.path("a.png"), "--layout", img, "-q")
        self.refused(img, "backprop", img, u, "--layer", "block1_conv1", "--out", img, "-q")
        self.refused(img, "compare-models", img, u, "--model2", "untrained", "--layer", "block1_conv1", "--out", img, "-q")
        self.refused(style, "transfer", img, u, "--style-image", style, "--out", style, "--iterations", "1", "--size", "32x32", "-q")
        self.refused(img, "transfer", img, u, "--style-image", style, "--out", img, "--iterations", "1", "--size", "32x32", "-q")
        # topk writes index.png (and the sheets) into --out: an input of that name there is refused.
        folder = self.path("sheets")
        os.makedirs(folder)
        idx = os.path.join(folder, "index.png")
        shutil.copy(img, idx)
        self.refused(idx, "topk", idx, u, "--layer", "block1_conv1", "--out", folder, "-q")
        self.assertEqual(sorted(os.listdir(folder)), ["index.png"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
