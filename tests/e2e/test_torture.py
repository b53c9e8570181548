"""Generated CLI torture test (issue 11): for every subcommand and every option its --help lists,
boundary values (0, -1, huge, NaN, inf, empty, malformed, repeated). Each case must exit 0 or
1..127 (never a signal or a hang), print exactly one 'cnnscope: error:' line when it fails, leave
no file behind when it fails, and leave the inputs byte-identical.

CNNSCOPE_TORTURE_CASES caps the number of cases (default 240; 0 = all), spread round-robin over
commands and options so that every option gets its first values before any gets more;
CNNSCOPE_TORTURE_JOBS runs cases in parallel (default 2). The count and time are printed."""
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA  # noqa: E402

FAST = ["--untrained", "-q", "--input-size", "32x32"]
# A valid, fast invocation per command; {img} {vid} are inputs in the case's own folder.
BASE = {
    "layers": ["--untrained", "-q"],
    "dump": ["{img}", "--layer", "block1_conv1", "--out", "o.npy", *FAST],
    "grid": ["{img}", "--layer", "block1_conv1", "--out", "o.png", *FAST],
    "sweep": ["{img}", "--layer", "block1_conv1", "--out", "o.gif", "--display-size", "32x32", *FAST],
    "record": ["{vid}", "--layer", "block1_conv1", "--out", "o.gif", "--frames", "2", "--size", "64x64", *FAST],
    "stylize": ["{img}", "--style", "{img}", "--out", "o.png"],
    "compare": ["{img}", "--style", "{img}", "--out", "o.png", *FAST],
    "bench": ["--source", "{vid}", "--frames", "1", "--warmup", "0", "--layer", "block1_conv1", "--input-size", "32x32",
              "--untrained", "-q"],
    "targets": [],
}
NUMBER_VALUES = ["0", "-1", "99999999999", "nan", "inf", "", "1.5", "0x10", "1e308", "REPEAT"]
TEXT_VALUES = ["", "-1", "nan", "\x7f::", "x" * 300, "REPEAT", "0", "../", "/dev/null"]
PATH_VALUES = ["", "{img}", "{vid}", "{node}", "{fifo}", ".", "x/", "REPEAT", "/", "n" * 300]
FLAG_VALUES = ["REPEAT"]
OUTPUT_OPTIONS = {"--out", "--json", "--gram"}
SKIP = {"--help", "-h", "--version"}


def help_options(command):
    """(name, kind) for each option of `cnnscope COMMAND --help`: kind is number, text or flag."""
    text = subprocess.run([BIN, command, "--help"], capture_output=True, text=True, timeout=60).stdout
    out = []
    for line in text.splitlines():
        m = re.match(r"\s+(?:-\w,)?(--[\w-]+)(?:\s+(INT|FLOAT|UINT|TEXT|NUMBER)\S*)?", line)
        if not m or m.group(1) in SKIP:
            continue
        kind = "flag" if not m.group(2) else "text" if m.group(2) == "TEXT" else "number"
        out.append((m.group(1), kind))
    return out


def build_cases():
    per_option = []
    for command in BASE:
        for name, kind in help_options(command):
            values = (FLAG_VALUES if kind == "flag" else NUMBER_VALUES if kind == "number"
                      else PATH_VALUES if name in OUTPUT_OPTIONS or name in ("--model", "--config", "--style", "--source")
                      else TEXT_VALUES)
            per_option.append([(command, name, kind, v) for v in values])
    cases, depth = [], 0
    while any(depth < len(v) for v in per_option):
        cases += [v[depth] for v in per_option if depth < len(v)]
        depth += 1
    return cases


def make_args(command, name, kind, value):
    base = list(BASE[command])
    if kind == "flag":
        return base + [name, name]
    # Replace the base's own value for the option, if any.
    if name in base:
        i = base.index(name)
        del base[i:i + 2]
    if value == "REPEAT":
        v = "1" if kind == "number" else "o2.npy" if name in OUTPUT_OPTIONS else "a"
        return base + [name, v, name, v]
    return base + [name, value]


def snapshot(folder):
    files = {}
    for root, dirs, names in os.walk(folder):
        for n in names + dirs:
            p = os.path.join(root, n)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    files[os.path.relpath(p, folder)] = ("file", hashlib.sha1(f.read()).hexdigest())
            else:
                files[os.path.relpath(p, folder)] = (stat.S_IFMT(st.st_mode), None)
    return files


def run_case(case):
    command, name, kind, value = case
    folder = tempfile.mkdtemp(prefix="cnnscope-torture-")
    try:
        shutil.copy(os.path.join(DATA, "baboon.jpg"), os.path.join(folder, "in.jpg"))
        shutil.copy(os.path.join(DATA, "tree.avi"), os.path.join(folder, "in.avi"))
        os.mkfifo(os.path.join(folder, "fifo"))
        if os.geteuid() == 0:
            os.mknod(os.path.join(folder, "node"), stat.S_IFCHR | 0o666, os.makedev(1, 3))
        subst = {"{img}": "in.jpg", "{vid}": "in.avi", "{node}": "node", "{fifo}": "fifo"}
        args = [subst.get(a, a) for a in make_args(command, name, kind, value)]
        env = dict(os.environ, HOME=os.path.join(folder, "home"), CNNSCOPE_MODELS_DIR=os.path.join(folder, "models"),
                   CNNSCOPE_SOURCE_TIMEOUT_MS="2000")
        env.pop("CNNSCOPE_MODEL", None)
        before = snapshot(folder)
        try:
            p = subprocess.run([BIN, command, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            return f"{command} {args}: hung (over 120 s)"
        after = snapshot(folder)
        where = f"cnnscope {command} {' '.join(repr(a) for a in args)}"
        if p.returncode < 0 or p.returncode > 127:
            return f"{where}: exit {p.returncode}\n{p.stderr[-2000:]}"
        # Inputs: files the arguments name other than as an output; and never a non-regular file.
        named = {a for i, a in enumerate(args) if not (i > 0 and args[i - 1] in OUTPUT_OPTIONS)}
        changed = [k for k in before if after.get(k) != before[k] and (k in named or before[k][0] != "file")]
        if changed:
            return f"{where}: inputs changed or removed: {changed}"
        if p.returncode != 0:
            lines = [l for l in p.stderr.splitlines() if l.strip()]
            errors = [l for l in lines if l.startswith("cnnscope: error: ")]
            others = [l for l in lines if not l.startswith("cnnscope: warning: ") and not l.startswith("cnnscope: error: ")]
            if len(errors) != 1 or others:
                return f"{where}: exit {p.returncode} but stderr is not one error line:\n{p.stderr[-2000:]}"
            new = sorted(set(after) - set(before))
            if new:
                return f"{where}: failed and left {new}"
        return None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class TortureTest(unittest.TestCase):
    def test_every_option_at_its_boundaries(self):
        cases = build_cases()
        limit = int(os.environ.get("CNNSCOPE_TORTURE_CASES", "240"))
        if limit > 0:
            cases = cases[:limit]
        options = {(c[0], c[1]) for c in cases}
        self.assertGreater(len(options), 60, "--help parsing found too few options")
        jobs = int(os.environ.get("CNNSCOPE_TORTURE_JOBS", "2"))
        t0 = time.time()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            failures = [f for f in pool.map(run_case, cases) if f]
        print(f"torture: {len(cases)} cases over {len(options)} options of {len(BASE)} commands in {time.time() - t0:.0f} s",
              file=sys.stderr)
        self.assertEqual(failures, [], "\n\n".join(failures[:20]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
