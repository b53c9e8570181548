"""`cnnscope fetch` against a local HTTP server: success, and every failure leaves nothing behind.

The served file is a small Keras weights file in the real layout (h5py), the first VGG19 layers;
a catalogue written here lists it as vgg19_keras with its md5, and CNNSCOPE_MODEL_URL_BASE points
the download at the server, whose path picks what it does (serve, 404, cut, stall, corrupt).
"""
import hashlib
import io
import os
import subprocess
import time
import unittest

import numpy as np

from helpers import BIN, CliTest, window_env
from http_fixture import Server, closed_port

# Not named like the real file: cnnscope checks a file named vgg19* for all 16 VGG19 convs (80 MB).
FILE = "tiny_keras_notop.h5"
SHAPES = [("block1_conv1", 3, 64), ("block1_conv2", 64, 64), ("block2_conv1", 64, 128)]


def keras_weights():
    """A Keras 'notop' file's layout (modern weight names), ~450 KB; returns (bytes, params)."""
    import h5py
    rng = np.random.default_rng(15)
    buf = io.BytesIO()
    params = 0
    with h5py.File(buf, "w") as f:
        names = ["input_1", "block1_conv1", "block1_conv2", "block1_pool", "block2_conv1"]
        f.attrs["layer_names"] = np.array([n.encode() for n in names])
        for empty in ("input_1", "block1_pool"):
            f.create_group(empty).attrs["weight_names"] = np.array([], dtype=np.float64)
        for name, cin, cout in SHAPES:
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()])
            g[f"{name}/kernel:0"] = rng.normal(0, 0.1, (3, 3, cin, cout)).astype(np.float32)
            g[f"{name}/bias:0"] = rng.uniform(-0.1, 0.1, cout).astype(np.float32)
            params += 9 * cin * cout + cout
    return buf.getvalue(), params


CATALOGUE = """%YAML:1.0
---
models:
  - name: vgg19_keras
    title: "VGG19"
    framework: keras
    file: {file}
    url: "https://example.invalid/keras-applications/vgg19/{file}"
    md5: "{md5}"
    size: {size}
    width: 224
    height: 224
    mean: [ 103.939, 116.779, 123.68 ]
    scale: 1.0
    rgb: 0
"""


class ServedWeightsTest(CliTest):
    """A local HTTP server with a small Keras weights file, a models.yml naming it with its md5,
    no proxies and a 2 s stall timeout: the set-up of the fetch tests and the window's download
    tests (no tests of its own)."""

    @classmethod
    def setUpClass(cls):
        cls.data, cls.params = keras_weights()
        cls.server = Server({FILE: cls.data}).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def setUp(self):
        super().setUp()
        self.models = self.env["CNNSCOPE_MODELS_DIR"]
        os.makedirs(self.models)
        with open(os.path.join(self.models, "models.yml"), "w") as f:
            f.write(CATALOGUE.format(file=FILE, md5=hashlib.md5(self.data).hexdigest(), size=len(self.data)))
        self.server.sent.clear()
        for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            self.env.pop(k, None)
        self.env["CNNSCOPE_FETCH_STALL_S"] = "2"


class FetchTest(ServedWeightsTest):

    def fetch(self, base, *args, expect=0, timeout=60):
        self.env["CNNSCOPE_MODEL_URL_BASE"] = base
        return self.run_cli("fetch", *args, expect=expect, timeout=timeout)

    def weights_path(self, directory=None):
        return os.path.join(directory or self.models, FILE)

    def test_success_places_the_checked_file_and_the_model_loads_trained(self):
        p = self.run_cli("layers")
        self.assertIn("UNTRAINED", p.stderr)
        p = self.fetch(self.server.base("ok"))
        self.assertIn("md5 OK", p.stderr)
        with open(self.weights_path(), "rb") as f:
            self.assertEqual(f.read(), self.data)
        self.assertEqual(oct(os.stat(self.weights_path()).st_mode & 0o777), "0o644")
        self.assertEqual(sorted(os.listdir(self.models)), sorted([FILE, "models.yml"]))  # no temporary left
        p = self.run_cli("layers")
        self.assertNotIn("UNTRAINED", p.stderr + p.stdout)
        self.assertIn(f"{self.params:,}", p.stdout)  # the file's parameters, counted here from the shapes
        # Again: the verified copy is kept, nothing downloaded (the server would 404).
        p = self.fetch(self.server.base("404"))
        self.assertIn("have " + self.weights_path(), p.stderr)

    def test_default_directory_is_the_user_data_dir_that_model_search_reads(self):
        # No CNNSCOPE_MODELS_DIR: files go to $XDG_DATA_HOME/cnnscope/models, which loading searches.
        del self.env["CNNSCOPE_MODELS_DIR"]
        xdg = self.path("xdg")
        self.env["XDG_DATA_HOME"] = xdg
        self.env["CNNSCOPE_MODEL_URL_BASE"] = self.server.base("ok")
        # the catalogue is ./models (the working directory is the scratch dir): used only when named
        os.rename(self.models, self.path("models"))
        p = self.run_cli("fetch", "--catalogue", "models/models.yml")
        self.assertIn("using catalogue models/models.yml", p.stderr)
        dest = os.path.join(xdg, "cnnscope", "models", FILE)
        self.assertTrue(os.path.isfile(dest))
        p = self.run_cli("layers")
        self.assertNotIn("UNTRAINED", p.stderr + p.stdout)

    def assert_failed_cleanly(self, p, needle, directory=None, previous=None):
        notes = ("fetch: using catalogue ", "fetch: replacing ")
        lines = [l for l in p.stderr.strip().splitlines() if not l.startswith(notes)]
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertTrue(lines[0].startswith("cnnscope: error: "), p.stderr)
        self.assertIn(needle, lines[0])
        self.assertIn("nothing was changed", lines[0])
        directory = directory or self.models
        left = sorted(f for f in os.listdir(directory) if f != "models.yml")
        self.assertEqual(left, [FILE] if previous is not None else [], f"left behind: {left}")
        if previous is not None:
            with open(self.weights_path(directory), "rb") as f:
                self.assertEqual(f.read(), previous, "the previous file was changed")

    def failure_cases(self):
        refused = f"http://127.0.0.1:{closed_port()}/x"
        return [
            ("404", self.server.base("404"), "HTTP 404"),
            ("cut", self.server.base("cut"), "cut short"),
            ("stall", self.server.base("stall"), "stalled: less than 1 KB/s for 2 s"),
            ("corrupt", self.server.base("corrupt"), "md5 of the downloaded"),
            ("refused", refused, "connection refused"),
            ("dns", "https://no-such-host.invalid/x", "cannot resolve host 'no-such-host.invalid'"),
        ]

    def test_failures_leave_nothing_behind(self):
        for name, base, needle in self.failure_cases():
            with self.subTest(name):
                t0 = time.monotonic()
                p = self.fetch(base, expect=1)
                self.assert_failed_cleanly(p, needle)
                self.assertLess(time.monotonic() - t0, 20)

    def test_failures_keep_the_previous_file(self):
        previous = b"an older, damaged copy"  # its md5 does not match, so fetch tries again
        for name, base, needle in self.failure_cases():
            with self.subTest(name):
                with open(self.weights_path(), "wb") as f:
                    f.write(previous)
                p = self.fetch(base, expect=1)
                self.assert_failed_cleanly(p, needle, previous=previous)

    def test_full_disk(self):
        mnt = self.path("tiny")
        os.makedirs(mnt)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt], capture_output=True).returncode != 0:
            self.skipTest("cannot mount a tmpfs here (needs root)")
        try:
            self.assertGreater(len(self.data), 256 * 1024)
            previous = b"old"
            with open(os.path.join(mnt, FILE), "wb") as f:
                f.write(previous)
            p = self.fetch(self.server.base("ok"), "--dir", mnt, expect=1)
            self.assert_failed_cleanly(p, "disk full", directory=mnt, previous=previous)
        finally:
            subprocess.run(["umount", mnt])

    def test_unknown_name_and_quiet_success(self):
        p = self.fetch(self.server.base("ok"), "nosuchmodel", expect=1)
        self.assertIn("no model named 'nosuchmodel'", p.stderr)
        blocker = self.path("a-file")
        open(blocker, "w").close()
        p = self.fetch(self.server.base("ok"), "--dir", blocker, expect=1)
        self.assert_clean_failure(p, "a file of that name is in the way")
        p = self.fetch(self.server.base("ok"), "vgg19_keras", "-q")
        self.assertEqual(p.stderr, "")
        self.assertTrue(os.path.isfile(self.weights_path()))

    def test_ctrl_c_cancels_and_leaves_nothing(self):
        import signal
        self.env["CNNSCOPE_MODEL_URL_BASE"] = self.server.base("slow")  # ~4 s for the whole file
        proc = subprocess.Popen([BIN, "fetch"], env=self.env, cwd=self.tmp, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while not any(f.startswith(".") for f in os.listdir(self.models)) and time.monotonic() < deadline:
            time.sleep(0.05)  # the temporary file appears once the download runs
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        err = proc.stderr.read()
        proc.stderr.close()
        self.assertEqual(proc.wait(timeout=30), 130, err)
        self.assertIn("cancelled", err)
        self.assertEqual(os.listdir(self.models), ["models.yml"])

    def test_progress_bar_on_a_terminal(self):
        from helpers import StderrOnPty
        self.env["CNNSCOPE_MODEL_URL_BASE"] = self.server.base("slow")
        run = StderrOnPty([BIN, "fetch"], env=self.env, cwd=self.tmp, stdout=subprocess.DEVNULL)
        text = run.read_rest()
        self.assertEqual(run.proc.wait(timeout=60), 0, text)
        self.assertIn("\r", text)  # one line that rewrites itself
        self.assertRegex(text, r"KB/s|MB/s")
        self.assertIn("left", text)
        self.assertIn(f"/ {len(self.data) / 1000:.0f} KB", text)
        self.assertIn("saved", text)


def entry_yaml(**keys):
    """A one-entry catalogue (name first); values are written quoted."""
    lines = ["%YAML:1.0", "---", "models:", f"  - name: {keys.pop('name', 'm')}"]
    lines += [f'    {k}: "{v}"' for k, v in keys.items()]
    return "\n".join(lines) + "\n"


class FetchTrustTest(ServedWeightsTest):
    """What a catalogue may make fetch do, and what a server may send: each class of the hostile
    tester's findings (issue 20), with the mechanism's error."""

    def write_catalogue(self, text, path=None):
        path = path or os.path.join(self.models, "models.yml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def fetch(self, *args, expect=1, base="ok", timeout=30):
        if base is not None:
            self.env["CNNSCOPE_MODEL_URL_BASE"] = self.server.base(base)
        return self.run_cli("fetch", *args, expect=expect, timeout=timeout)

    def served_md5(self):
        return hashlib.md5(self.data).hexdigest()

    def only_error(self, p, *needles):
        errors = [l for l in p.stderr.splitlines() if l.startswith("cnnscope: error: ")]
        self.assertEqual(len(errors), 1, p.stderr)
        self.assertIn(p.returncode, (1,), p.stderr)
        for n in needles:
            self.assertIn(n, errors[0])
        return errors[0]

    def assert_models_dir_untouched(self):
        self.assertEqual(os.listdir(self.models), ["models.yml"])

    def test_catalogue_file_and_config_must_be_plain_names(self):
        victim = self.path("victim.txt")
        outside = self.path("outside")  # a relative escape lands here: models/../../outside
        cases = [victim, "../victim.txt", "../../outside", "a/b", ".", "..", "", "x\ty", ".hidden", "-rf",
                 "a\\b", "two words", "caf\u00e9.h5", "/", "./" + FILE]
        self.server.files["victim.txt"] = self.data
        self.server.files["outside"] = self.data
        self.server.files["b"] = self.data
        tried = 0
        for key in ("file", "config"):
            for bad in cases:
                with self.subTest(key=key, value=bad):
                    with open(victim, "wb") as f:
                        f.write(b"precious")
                    fields = dict(file=FILE, md5=self.served_md5(), url="https://example.invalid/" + FILE)
                    if key == "config":
                        fields.update(config=bad, config_url="https://example.invalid/victim.txt", config_md5=self.served_md5())
                    else:
                        fields.update(file=bad)
                    cat = self.write_catalogue(entry_yaml(name="evil", **fields))
                    p = self.fetch("evil")
                    err = self.only_error(p, cat, "model 'evil'", key)
                    self.assertIn("plain file name", err)
                    if bad in (victim, "../../outside"):  # --list, and loading, read the same catalogue
                        p = self.fetch("--list")
                        self.only_error(p, cat, "model 'evil'", "plain file name")
                        p = self.run_cli("layers", expect=1)
                        self.assertIn("plain file name", p.stderr)
                    with open(victim, "rb") as f:
                        self.assertEqual(f.read(), b"precious")
                    self.assertFalse(os.path.exists(outside))
                    self.assertFalse(os.path.exists(self.path("a")))
                    self.assertEqual(sorted(os.listdir(self.tmp)), ["home", "models", "victim.txt"])
                    self.assert_models_dir_untouched()
                    tried += 1
        self.assertEqual(tried, 2 * len(cases))

    def test_the_catalogue_own_name_and_clashing_entries_are_refused(self):
        # Plain names that would still clobber: the catalogue itself (a download replacing models.yml
        # would also be loaded as the default model), a config sharing its file, entries or keys given
        # twice (readers disagree on which counts; a later `sha256: ""` dropped the checksum).
        md5 = self.served_md5()
        url = "https://example.invalid/" + FILE
        self.server.files["models.yml"] = self.server.files["Models.YML"] = self.data
        one = lambda name, **k: f"  - name: {name}\n" + "".join(f'    {a}: "{b}"\n' for a, b in k.items())
        head = "%YAML:1.0\n---\nmodels:\n"
        cases = {
            "file models.yml": (head + one("evil", file="models.yml", md5=md5, url=url), "catalogue's own file name"),
            "file Models.YML": (head + one("evil", file="Models.YML", md5=md5, url=url), "catalogue's own file name"),
            "config models.yml": (head + one("evil", file=FILE, md5=md5, url=url, config="models.yml",
                                             config_url=url, config_md5=md5), "catalogue's own file name"),
            "config is the file": (head + one("evil", file=FILE, md5=md5, url=url, config=FILE.upper(), config_url=url,
                                              config_md5=md5), "the entry's file too"),
            "two entries": (head + one("evil", file=FILE, md5=md5, url=url) + one("EVIL", file="other.h5", md5=md5, url=url),
                            "a second entry named 'EVIL'"),
            "sha256 twice": (head + one("evil", file=FILE, url=url, sha256=hashlib.sha256(self.data).hexdigest()) +
                             '    sha256: ""\n', "'sha256' is given twice"),
            "file twice": (head + one("evil", file="other.h5", md5=md5, url=url) + f"    file: {FILE}\n", "'file' is given twice"),
        }
        for what, (text, needle) in cases.items():
            with self.subTest(what):
                cat = self.write_catalogue(text)
                for args in (("evil",), ("--no-checksum", "evil")):
                    p = self.fetch(*args)
                    self.only_error(p, cat, needle)
                with open(cat) as f:
                    self.assertEqual(f.read(), text)
                self.assert_models_dir_untouched()

    def test_a_long_plain_name_is_downloaded(self):
        # 255 bytes is a valid name; its temporary must fit the file system's name limit too.
        name = "w" * 252 + ".h5"
        self.server.files[name] = self.data
        self.write_catalogue(entry_yaml(name="vgg19_keras", file=name, md5=self.served_md5(), size=len(self.data),
                                        url="https://example.invalid/" + name))
        p = self.fetch(expect=0)
        self.assertIn("md5 OK", p.stderr)
        self.assertEqual(sorted(os.listdir(self.models)), sorted(["models.yml", name]))

    def test_links_and_directories_at_the_destination(self):
        # A symlink there is replaced (never written through); a directory is refused before connecting.
        dest = os.path.join(self.models, FILE)
        victim = self.path("victim.txt")
        with open(victim, "wb") as f:
            f.write(b"precious")
        for target in (victim, self.path("missing")):
            with self.subTest(link_to=target):
                os.symlink(target, dest)
                p = self.fetch(expect=0)
                self.assertIn("md5 OK", p.stderr)
                self.assertFalse(os.path.islink(dest))
                with open(dest, "rb") as f:
                    self.assertEqual(f.read(), self.data)
                os.remove(dest)
        with open(victim, "rb") as f:
            self.assertEqual(f.read(), b"precious")
        self.assertFalse(os.path.exists(self.path("missing")))
        os.mkdir(dest)
        self.server.sent.clear()
        p = self.fetch(base="endless")
        self.only_error(p, "a directory is in the way of " + FILE, "nothing was changed")
        self.assertEqual(self.server.sent.get("endless", 0), 0)
        self.assertEqual(sorted(os.listdir(self.models)), sorted(["models.yml", FILE]))
        self.assertEqual(os.listdir(dest), [])

    def test_a_trickle_is_a_stall(self):
        # 10 bytes a second never stops by itself (no stall, far from the cap): a minimum rate does.
        t0 = time.monotonic()
        p = self.fetch(base="trickle", timeout=25)
        self.only_error(p, "the server stalled: less than 1 KB/s for 2 s", "nothing was changed")
        self.assertLess(time.monotonic() - t0, 15)
        self.assert_models_dir_untouched()

    def test_a_second_ctrl_c_leaves_no_temporary(self):
        # An impatient second Ctrl-C exits at once: the download's temporary is removed by the handler.
        import signal
        # The stalled body: the cooperative cancel waits for curl's next progress call (about a second),
        # so the second signal, 50 ms later, comes while the transfer is still open.
        self.env["CNNSCOPE_MODEL_URL_BASE"] = self.server.base("stall")
        self.env["CNNSCOPE_FETCH_STALL_S"] = "60"
        proc = subprocess.Popen([BIN, "fetch"], env=self.env, cwd=self.tmp, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not any(f.startswith(".") for f in os.listdir(self.models)) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(any(f.startswith(".") for f in os.listdir(self.models)), "the download never started")
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        self.assertIn(proc.wait(timeout=30), (130, 128 + signal.SIGINT))
        self.assert_models_dir_untouched()

    def test_a_killed_fetch_temporary_is_removed_by_the_next(self):
        # SIGKILL leaves the temporary: the next fetch of that file removes it once it is older than
        # any stall limit (2 hours); a recent one may belong to a running fetch and is kept.
        old = os.path.join(self.models, "." + FILE + ".download-a1B2c3")
        recent = os.path.join(self.models, "." + FILE + ".download-d4E5f6")
        other = os.path.join(self.models, ".notes.download-g7H8i9")  # not this file's
        for path in (old, recent, other):
            with open(path, "wb") as f:
                f.write(b"partial")
        for path in (old, other):
            os.utime(path, (time.time() - 3 * 3600,) * 2)
        p = self.fetch(expect=0)
        self.assertIn("md5 OK", p.stderr)
        self.assertEqual(sorted(os.listdir(self.models)), sorted(["models.yml", FILE, os.path.basename(recent), os.path.basename(other)]))

    def test_a_hangup_cancels_and_leaves_no_temporary(self):
        # The terminal (or ssh session) closed mid-download: SIGHUP is a cancel, not a kill.
        import signal
        self.env["CNNSCOPE_MODEL_URL_BASE"] = self.server.base("stall")
        self.env["CNNSCOPE_FETCH_STALL_S"] = "60"
        proc = subprocess.Popen([BIN, "fetch"], env=self.env, cwd=self.tmp, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while not any(f.startswith(".") for f in os.listdir(self.models)) and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGHUP)
        err = proc.stderr.read()
        proc.stderr.close()
        self.assertNotEqual(proc.wait(timeout=30), 0)
        self.assertIn("cancelled", err)
        self.assert_models_dir_untouched()

    def test_no_checksum_is_refused_unless_asked_and_then_said(self):
        for fields in (dict(md5=""), dict()):
            with self.subTest(fields=fields):
                self.write_catalogue(entry_yaml(name="vgg19_keras", file=FILE, url="https://example.invalid/" + FILE, **fields))
                p = self.fetch()
                self.only_error(p, "no checksum", "--no-checksum")
                self.assert_models_dir_untouched()
                p = self.fetch("--no-checksum", expect=0)
                self.assertIn("NOT verified", p.stderr)
                os.remove(os.path.join(self.models, FILE))
        # A config file without a checksum is refused the same way (configs used to be taken unchecked).
        self.write_catalogue(entry_yaml(name="vgg19_keras", file=FILE, md5=self.served_md5(), url="https://example.invalid/" + FILE,
                                        config="b", config_url="https://example.invalid/b"))
        self.server.files["b"] = b"layer {}\n"
        p = self.fetch()
        self.only_error(p, "no checksum for b", "--no-checksum")
        self.assertEqual(sorted(os.listdir(self.models)), sorted(["models.yml", FILE]))

    def test_config_checksum_and_size_are_verified(self):
        cfg = b"name: 'tiny'\n"
        self.server.files["tiny.prototxt"] = cfg
        base = dict(file=FILE, md5=self.served_md5(), url="https://example.invalid/" + FILE,
                    config="tiny.prototxt", config_url="https://example.invalid/tiny.prototxt")
        for extra, needle in ((dict(config_md5="0" * 32), "md5 of the downloaded tiny.prototxt"),
                              (dict(config_sha256=hashlib.sha256(cfg).hexdigest(), config_size=len(cfg) + 1),
                               "models.yml records " + str(len(cfg) + 1))):
            with self.subTest(extra=extra):
                self.write_catalogue(entry_yaml(name="vgg19_keras", **base, **extra))
                p = self.fetch()
                self.only_error(p, needle)
                self.assertFalse(os.path.exists(os.path.join(self.models, "tiny.prototxt")))
        self.write_catalogue(entry_yaml(name="vgg19_keras", **base, config_sha256=hashlib.sha256(cfg).hexdigest()))
        p = self.fetch(expect=0)
        self.assertIn("sha256 OK", p.stderr)
        with open(os.path.join(self.models, "tiny.prototxt"), "rb") as f:
            self.assertEqual(f.read(), cfg)

    def test_junk_and_empty_bodies_are_not_saved(self):
        # With a checksum the digest refuses them; unverified (--no-checksum), the recorded size still does.
        for mode in ("junk", "empty"):
            with self.subTest(mode=mode):
                p = self.fetch(base=mode)
                self.only_error(p, "models.yml records " + str(len(self.data)))
                self.assert_models_dir_untouched()
                self.write_catalogue(entry_yaml(name="vgg19_keras", file=FILE, url="https://example.invalid/" + FILE,
                                                size=len(self.data)))
                p = self.fetch("--no-checksum", base=mode)
                self.only_error(p, "models.yml records " + str(len(self.data)))
                self.assert_models_dir_untouched()
                self.setUp_catalogue()

    def setUp_catalogue(self):
        self.write_catalogue(CATALOGUE.format(file=FILE, md5=self.served_md5(), size=len(self.data)))

    def test_an_existing_empty_or_junk_file_is_not_have(self):
        dest = os.path.join(self.models, FILE)
        for content in (b"", b"junk" * 250):
            for checked in (True, False):
                with self.subTest(size=len(content), checked=checked):
                    if checked:
                        self.setUp_catalogue()
                    else:
                        self.write_catalogue(entry_yaml(name="vgg19_keras", file=FILE, url="https://example.invalid/" + FILE, md5=""))
                    with open(dest, "wb") as f:
                        f.write(content)
                    p = self.fetch("--list", expect=0)
                    self.assertNotIn("(have:", p.stdout)
                    p = self.fetch(*([] if checked else ["--no-checksum"]), expect=0)
                    self.assertNotIn("fetch: have", p.stderr)
                    self.assertIn("fetch: replacing " + dest, p.stderr)
                    with open(dest, "rb") as f:
                        self.assertEqual(f.read(), self.data)
                    if not checked:  # without --no-checksum an unverifiable copy is never "have"
                        p = self.fetch()
                        self.assertNotIn("fetch: have", p.stderr)
                        self.only_error(p, "--no-checksum")

    def test_bodies_past_the_cap_are_stopped(self):
        t0 = time.monotonic()
        # The recorded size is the cap; without one, --max-size or $CNNSCOPE_FETCH_MAX_BYTES.
        for mode in ("endless", "chunked"):
            for how in ("size", "option", "env"):
                with self.subTest(mode=mode, how=how):
                    self.server.sent.clear()
                    args = []
                    self.env.pop("CNNSCOPE_FETCH_MAX_BYTES", None)
                    if how != "size":
                        self.write_catalogue(entry_yaml(name="vgg19_keras", file=FILE, md5=self.served_md5(),
                                                        url="https://example.invalid/" + FILE))
                        if how == "option":
                            args = ["--max-size", "200000"]
                        else:
                            self.env["CNNSCOPE_FETCH_MAX_BYTES"] = "200000"
                    else:
                        self.setUp_catalogue()
                    p = self.fetch(*args, base=mode)
                    self.only_error(p, "the server sent more than", "stopped there", "nothing was changed")
                    self.assert_models_dir_untouched()
                    self.assertLess(self.server.sent.get(mode, 0), 8 << 20)
        self.assertLess(time.monotonic() - t0, 30)

    def test_a_content_length_over_the_cap_is_refused_before_the_body(self):
        for how in ("size", "default"):
            with self.subTest(how=how):
                if how == "default":  # 1 TB announced is over the 2 GiB default cap too
                    self.write_catalogue(entry_yaml(name="vgg19_keras", file=FILE, md5=self.served_md5(),
                                                    url="https://example.invalid/" + FILE))
                p = self.fetch(base="huge")
                self.only_error(p, "the server announced 1000000.0 MB", "refused before downloading")
                self.assert_models_dir_untouched()

    def test_a_file_size_limit_is_an_error_that_leaves_nothing(self):
        import shlex
        self.env["CNNSCOPE_MODEL_URL_BASE"] = self.server.base("ok")
        # 64 blocks of 1 KiB: less than the served file (~450 KB)
        p = subprocess.run(["bash", "-c", f"ulimit -f 64; exec {shlex.quote(BIN)} fetch"], env=self.env, cwd=self.tmp,
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.only_error(p, "file size limit reached", "ulimit -f", "nothing was changed")
        self.assert_models_dir_untouched()

    def test_plain_http_is_refused_unless_allowed(self):
        self.env.pop("CNNSCOPE_MODEL_URL_BASE", None)
        url = self.server.base("ok") + "/" + FILE
        self.write_catalogue(entry_yaml(name="vgg19_keras", file=FILE, md5=self.served_md5(), url=url))
        p = self.fetch(base=None)
        self.only_error(p, "only https://", "--allow-http")
        self.assert_models_dir_untouched()
        # A mirror base that is not on this machine is not allowed plain http either.
        for base in ("http://example.invalid/x", "http://127.0.0.1.example.invalid/x", "http://user@127.0.0.1@example.invalid/x"):
            self.env["CNNSCOPE_MODEL_URL_BASE"] = base
            p = self.fetch(base=None)
            self.only_error(p, "only https://")
        for url in ("file:///etc/passwd", "ftp://127.0.0.1/" + FILE, "gopher://127.0.0.1/x"):
            self.env.pop("CNNSCOPE_MODEL_URL_BASE", None)
            self.write_catalogue(entry_yaml(name="vgg19_keras", file=FILE, md5=self.served_md5(), url=url))
            p = self.fetch("--allow-http", base=None)
            self.only_error(p, "only https://")
        self.assert_models_dir_untouched()
        self.write_catalogue(entry_yaml(name="vgg19_keras", file=FILE, md5=self.served_md5(), url=self.server.base("ok") + "/" + FILE))
        p = self.fetch("--allow-http", base=None, expect=0)
        self.assertIn("md5 OK", p.stderr)

    def test_offline_fetch_creates_no_folder(self):
        del self.env["CNNSCOPE_MODELS_DIR"]
        self.env["XDG_DATA_HOME"] = self.path("xdg")
        self.env["CNNSCOPE_MODEL_URL_BASE"] = f"http://127.0.0.1:{closed_port()}/x"
        p = self.run_cli("fetch", expect=1)  # the bundled catalogue's vgg19_keras
        self.only_error(p, "connection refused", "nothing was changed")
        self.assertFalse(os.path.exists(self.path("xdg")))
        self.assertFalse(os.path.exists(os.path.join(self.env["HOME"], ".local")))

    def test_a_catalogue_in_the_current_directory_is_used_only_when_named(self):
        del self.env["CNNSCOPE_MODELS_DIR"]
        self.env["XDG_DATA_HOME"] = self.path("xdg")
        here = os.path.join("models", "models.yml")  # self.models: no longer $CNNSCOPE_MODELS_DIR
        self.write_catalogue(entry_yaml(name="evil", file="evil.h5", md5=hashlib.md5(b"payload").hexdigest(),
                                        url="https://example.invalid/evil.h5"), path=self.path(here))
        self.server.files["evil.h5"] = b"payload"
        p = self.fetch("evil")
        self.assertIn("fetch: ignoring " + here, p.stderr)
        self.only_error(p, "no model named 'evil'")
        self.assertFalse(os.path.exists(self.path("xdg")))
        p = self.fetch("--catalogue", here, "evil", expect=0)
        self.assertIn("using catalogue " + here, p.stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.path("xdg"), "cnnscope", "models", "evil.h5")))

    def test_the_window_download_goes_through_the_same_checks(self):
        XVFB = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24"]
        from helpers import VTEST
        self.write_catalogue(entry_yaml(name="vgg19_keras", file=FILE, md5="", url="https://example.invalid/" + FILE))
        self.env["CNNSCOPE_MODEL_URL_BASE"] = self.server.base("ok")
        stats = self.path("stats.json")
        cmd = [*XVFB, BIN, "view", VTEST, "--layer", "block1_conv2", "--keys", "download,idle", "--frames", "5", "--stats", stats,
               "--size", "1280x720"]
        p = subprocess.run(cmd, env=window_env(self.env), cwd=self.tmp, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        import json
        with open(stats) as f:
            st = json.load(f)
        self.assertEqual(st["download"]["state"], "failed")
        self.assertTrue(st["untrained"])
        self.assert_models_dir_untouched()


if __name__ == "__main__":
    unittest.main(verbosity=2)
