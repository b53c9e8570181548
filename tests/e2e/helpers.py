"""Shared helpers for end-to-end tests: run the real cnnscope binary on Debian's opencv-doc footage."""
import atexit
import json
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

import numpy as np

BIN = os.path.abspath(os.environ.get("CNNSCOPE_BIN", os.path.join(os.path.dirname(__file__), "../../build/cnnscope")))
DATA = os.environ.get("CNNSCOPE_SAMPLE_DATA", "/usr/share/doc/opencv-doc/examples/data")
VTEST = os.path.join(DATA, "vtest.avi")


def _binary_is_sanitized():
    """True for a build with AddressSanitizer (scripts/sanitize.sh): its runtime is linked in."""
    try:
        out = subprocess.run(["ldd", BIN], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "libasan" in out


SANITIZED = _binary_is_sanitized()


def window_env(env):
    """The environment for a run that opens the window. Under AddressSanitizer, Mesa unloads its
    GL driver before LeakSanitizer runs, so the driver's leaks have no stack to suppress by name:
    window runs keep every address check but no leak check (scripts/sanitize.sh runs the e2e_Gui
    tests the same way). Unchanged for a plain build."""
    env = dict(env)
    if SANITIZED:
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    return env


def address_space_limit(limit):
    """`prlimit --as` for a run, or nothing under AddressSanitizer, whose shadow memory needs
    terabytes of address space (the run then checks the same refusal without the limit)."""
    return [] if SANITIZED or not limit else ["prlimit", f"--as={limit}"]


def hot_lut_bgr8():
    """matplotlib's own 'hot' table as 8-bit BGR (rounded like a GL framebuffer)."""
    import matplotlib
    matplotlib.use("Agg")
    rgb = matplotlib.colormaps["hot"](np.arange(256))[:, :3]  # N = 256
    return np.rint(rgb[:, ::-1] * 255).astype(np.int16)


def colour_with_matplotlib(plane):
    """The article's imshow: per-channel min-max, then matplotlib's int(x*256) LUT index."""
    lo, hi = float(plane.min()), float(plane.max())
    t = np.zeros_like(plane) if hi <= lo else np.clip((plane - lo) / (hi - lo), 0, 1)
    idx = np.minimum((t * 256).astype(np.int64), 255)
    return hot_lut_bgr8()[idx]


def garbage(n, seed):
    """n random-looking bytes, the same on every run: random input that happened to be accepted
    (FFmpeg sniffs some random files as H.263) would otherwise make a test flaky."""
    import random
    return random.Random(seed).randbytes(n)


class StderrOnPty:
    """Runs ARGS with stderr on a pseudo-terminal, where cnnscope shows its progress line."""

    def __init__(self, args, **kw):
        import pty
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(args, stderr=slave, **kw)
        os.close(slave)

    def read_some(self):
        """The next chunk of stderr; "" once the process has closed it."""
        try:
            return os.read(self.master, 4096).decode(errors="replace")
        except OSError:
            return ""

    def read_rest(self):
        """Everything up to the end of stderr; closes the terminal."""
        rest, chunk = "", self.read_some()
        while chunk:
            rest += chunk
            chunk = self.read_some()
        os.close(self.master)
        return rest


# Every process a test starts for a window (xvfb-run, its Xvfb, cnnscope) runs in a session of its
# own, and that whole process group is killed when the run ends, times out or the test fails, and
# at the latest when Python exits: an Xvfb left behind holds a display number and makes later
# window tests flaky.
_GROUPS = set()


def kill_group(pgid):
    """SIGKILL to every process left in the group (none left: nothing to do)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    _GROUPS.discard(pgid)


atexit.register(lambda: [kill_group(g) for g in list(_GROUPS)])


def popen_group(cmd, **kw):
    """subprocess.Popen in a new session (its pid is the group's id), killed by kill_group or at exit."""
    kw["start_new_session"] = True
    p = subprocess.Popen(cmd, **kw)
    _GROUPS.add(p.pid)
    return p


def run_group(cmd, timeout=None, capture_output=False, **kw):
    """subprocess.run for windowed runs: the whole group goes when it ends, also on a timeout."""
    if capture_output:
        kw["stdout"], kw["stderr"] = subprocess.PIPE, subprocess.PIPE
    p = popen_group(cmd, **kw)
    try:
        out, err = p.communicate(timeout=timeout)
    except BaseException:
        kill_group(p.pid)
        p.communicate()
        raise
    finally:
        kill_group(p.pid)  # an X server whose xvfb-run died first
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def group_processes(pgid, settle=5.0):
    """(pid, command name) of the live processes still in the process group (zombies that wait
    to be reaped do not count), after waiting up to SETTLE seconds for them to go."""
    import time
    deadline = time.time() + settle
    while True:
        ps = subprocess.run(["ps", "-e", "-o", "pid=,pgid=,stat=,comm="], capture_output=True, text=True).stdout
        left = [(int(f[0]), f[3]) for f in (l.split() for l in ps.splitlines())
                if len(f) >= 4 and int(f[1]) == pgid and not f[2].startswith("Z")]
        if not left or time.time() > deadline:
            return left
        time.sleep(0.1)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def read_json(path):
    with open(path) as f:
        return json.load(f)


def assert_same_outputs(test, whole, merged, count, timed=None):
    """Two output folders (a whole run's and a merge's) hold the same `count` files, byte for byte;
    the JSON file `timed` may differ only in its "ms_per_frame" (timings of different runs)."""
    names = sorted(f for f in os.listdir(whole) if not f.startswith("."))
    test.assertEqual(names, sorted(f for f in os.listdir(merged) if not f.startswith(".")))
    test.assertEqual(len(names), count)
    for f in names:
        if f != timed:
            test.assertEqual(read_bytes(os.path.join(whole, f)), read_bytes(os.path.join(merged, f)), f)
    if timed:
        a, b = read_json(os.path.join(whole, timed)), read_json(os.path.join(merged, timed))
        del a["ms_per_frame"], b["ms_per_frame"]
        test.assertEqual(a, b)


def read_png_bgr(path):
    from PIL import Image
    return np.asarray(Image.open(path).convert("RGB"))[:, :, ::-1].astype(np.int16)


class CliTest(unittest.TestCase):
    """Each test gets a scratch directory, an empty HOME and an empty models dir."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cnnscope-e2e-")
        self.env = dict(os.environ)
        self.env["HOME"] = os.path.join(self.tmp, "home")
        os.makedirs(self.env["HOME"])
        self.env["CNNSCOPE_MODELS_DIR"] = os.path.join(self.tmp, "models")
        self.env.pop("CNNSCOPE_MODEL", None)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def popen_group(self, cmd, **kw):
        """popen_group whose group is killed when the test ends, passed or failed."""
        p = popen_group(cmd, **kw)
        self.addCleanup(kill_group, p.pid)
        return p

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def run_cli(self, *args, expect=0, timeout=300):
        p = subprocess.run([BIN, *args], env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=timeout)
        if expect is not None:
            if expect == 0:
                self.assertEqual(p.returncode, 0, f"cnnscope {' '.join(args)} failed:\n{p.stderr}")
            else:
                self.assertNotEqual(p.returncode, 0, f"cnnscope {' '.join(args)} should have failed")
        return p

    def assert_clean_failure(self, p, *needles):
        """Non-zero exit, one 'cnnscope: error:' line naming the problem, no crash."""
        self.assertIn(p.returncode, (1, 2), p.stderr)
        errors = [l for l in p.stderr.splitlines() if l.startswith("cnnscope: error:") or l.startswith("--") or "Error" in l]
        self.assertTrue(errors, p.stderr)
        for n in needles:
            self.assertIn(n, p.stderr)

    def assert_no_files_left(self, directory):
        left = [f for f in os.listdir(directory)] if os.path.isdir(directory) else []
        self.assertEqual(left, [], f"files left behind in {directory}: {left}")
