"""Image-to-image networks written by the tests, in the real style models' file formats, with
known weights, and the same network computed independently in numpy.

- write_t7: Torch7's binary serialisation (torch.save) of a fast-neural-style checkpoint, the
  table {model = nn.Sequential{...}, opt = {...}} that Johnson's .t7 files hold.
- write_onnx: an opset-9 ONNX graph like the ONNX model zoo's fast-neural-style files (input
  'input1', RGB 0..255 in and out), built with the onnx package.
Both hold: reflection pad 1, 3x3 conv, instance norm, ReLU, 1x1 conv, constant scale."""
import struct

import numpy as np

# Lua/Torch type tags of torch.File
NIL, NUMBER, STRING, TABLE, TORCH, BOOLEAN = 0, 1, 2, 3, 4, 5


def test_weights(seed=5):
    rng = np.random.default_rng(seed)
    return {
        "w1": rng.normal(0, 0.05, (3, 3, 3, 3)).astype(np.float32),
        "b1": rng.normal(0, 1, 3).astype(np.float32),
        "gamma": np.array([1.0, 0.8, 1.2], np.float32),
        "beta": np.array([0.5, 0.2, 0.1], np.float32),
        "w2": np.array([[30, 5, 0], [0, 40, -5], [10, 0, 35]], np.float32).reshape(3, 3, 1, 1),
        "b2": np.array([-20, 0, 15], np.float32),
        "mul": 1.5,
    }


def forward_numpy(x, w):
    """x: (3, H, W) float64 network input; returns the (3, H, W) output."""
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="reflect")  # Torch/ONNX reflect = numpy reflect
    H, W = x.shape[1:]
    y = np.zeros((3, H, W))
    for o in range(3):
        acc = np.full((H, W), float(w["b1"][o]))
        for i in range(3):
            for dy in range(3):
                for dx in range(3):
                    acc += float(w["w1"][o, i, dy, dx]) * p[i, dy:dy + H, dx:dx + W]
        y[o] = acc
    mean = y.mean(axis=(1, 2), keepdims=True)
    var = y.var(axis=(1, 2), keepdims=True)
    y = (y - mean) / np.sqrt(var + 1e-5) * w["gamma"][:, None, None] + w["beta"][:, None, None]
    y = np.maximum(y, 0)
    z = np.einsum("oi,ihw->ohw", w["w2"][:, :, 0, 0].astype(np.float64), y) + w["b2"][:, None, None]
    return z * w["mul"]


class _T7Writer:
    def __init__(self, f):
        self.f = f
        self.next_index = 1

    def int(self, v):
        self.f.write(struct.pack("<i", v))

    def long(self, v):
        self.f.write(struct.pack("<q", v))

    def string(self, s):
        b = s.encode()
        self.int(len(b))
        self.f.write(b)

    def index(self):
        i = self.next_index
        self.next_index += 1
        self.int(i)

    def value(self, v):
        if v is None:
            self.int(NIL)
        elif isinstance(v, bool):
            self.int(BOOLEAN)
            self.int(1 if v else 0)
        elif isinstance(v, (int, float)):
            self.int(NUMBER)
            self.f.write(struct.pack("<d", float(v)))
        elif isinstance(v, str):
            self.int(STRING)
            self.string(v)
        elif isinstance(v, np.ndarray):
            self.tensor(v)
        elif isinstance(v, tuple) and v[0] == "nn":  # ("nn", class name, fields)
            self.int(TORCH)
            self.index()
            self.string("V 1")
            self.string(v[1])
            self.table(v[2])
        elif isinstance(v, (dict, list)):
            self.table(v if isinstance(v, dict) else {i + 1: x for i, x in enumerate(v)})
        else:
            raise TypeError(type(v))

    def table(self, d):
        self.int(TABLE)
        self.index()
        self.int(len(d))
        for k, v in d.items():
            self.value(k)
            self.value(v)

    def tensor(self, a):
        a = np.ascontiguousarray(a, dtype=np.float32)
        self.int(TORCH)
        self.index()
        self.string("V 1")
        self.string("torch.FloatTensor")
        self.int(a.ndim)
        for s in a.shape:
            self.long(s)
        for s in a.strides:
            self.long(s // 4)
        self.long(1)  # storage offset, 1-based
        self.int(TORCH)
        self.index()
        self.string("V 1")
        self.string("torch.FloatStorage")
        self.long(a.size)
        self.f.write(a.tobytes())


def write_t7(path, w):
    nn = lambda name, fields: ("nn", "nn." + name, fields)
    empty = np.zeros(0, np.float32)
    model = nn("Sequential", {
        "modules": [
            nn("SpatialReflectionPadding", {"pad_l": 1, "pad_r": 1, "pad_t": 1, "pad_b": 1, "train": False}),
            nn("SpatialConvolution", {"nInputPlane": 3, "nOutputPlane": 3, "kW": 3, "kH": 3, "dW": 1, "dH": 1,
                                      "padW": 0, "padH": 0, "weight": w["w1"], "bias": w["b1"], "train": False}),
            nn("InstanceNormalization", {"nOutput": 3, "eps": 1e-5, "weight": w["gamma"], "bias": w["beta"],
                                         "train": False}),
            nn("ReLU", {"inplace": True, "threshold": 0.0, "val": 0.0, "train": False}),
            nn("SpatialConvolution", {"nInputPlane": 3, "nOutputPlane": 3, "kW": 1, "kH": 1, "dW": 1, "dH": 1,
                                      "padW": 0, "padH": 0, "weight": w["w2"], "bias": w["b2"], "train": False}),
            nn("MulConstant", {"constant_scalar": w["mul"], "inplace": False, "train": False}),
            nn("TotalVariation", {"strength": 1e-6, "train": False}),
        ],
        "output": empty, "gradInput": empty, "train": False,
    })
    with open(path, "wb") as f:
        _T7Writer(f).value({"model": model, "opt": {"arch": "c3,r,c3", "style_image": "test.png", "use_instance_norm": 1}})


def write_onnx(path, w, size=None):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    H, W = size if size else ("height", "width")
    inits = [numpy_helper.from_array(w["w1"], "w1"), numpy_helper.from_array(w["b1"], "b1"),
             numpy_helper.from_array(w["gamma"], "gamma"), numpy_helper.from_array(w["beta"], "beta"),
             numpy_helper.from_array(w["w2"], "w2"), numpy_helper.from_array(w["b2"], "b2"),
             numpy_helper.from_array(np.array(w["mul"], np.float32), "mul")]
    nodes = [
        helper.make_node("Pad", ["input1"], ["p"], mode="reflect", pads=[0, 0, 1, 1, 0, 0, 1, 1]),
        helper.make_node("Conv", ["p", "w1", "b1"], ["c1"], kernel_shape=[3, 3]),
        helper.make_node("InstanceNormalization", ["c1", "gamma", "beta"], ["n"], epsilon=1e-5),
        helper.make_node("Relu", ["n"], ["r"]),
        helper.make_node("Conv", ["r", "w2", "b2"], ["c2"], kernel_shape=[1, 1]),
        helper.make_node("Mul", ["c2", "mul"], ["output1"]),
    ]
    graph = helper.make_graph(nodes, "test_style", [helper.make_tensor_value_info("input1", TensorProto.FLOAT, [1, 3, H, W])],
                              [helper.make_tensor_value_info("output1", TensorProto.FLOAT, [1, 3, H, W])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 9)], producer_name="cnnscope-tests")
    onnx.checker.check_model(model)
    onnx.save(model, path)


def write_johnson_t7(path, seed=0, instance_norm=True):
    """Johnson et al.'s fast-neural-style generator with random weights, in the released files'
    layout ('c9s1-32,d64,d128,R128 x5,u64,u32,c9s1-3', tanh * 150): the real models' cost, for
    benchmarks. Loads like the real .t7 files (same modules, same nesting). Returns the model as
    nested ("nn", class, fields) tuples, for an independent computation (bench/style_check_torch.py)."""
    rng = np.random.default_rng(seed)
    nn = lambda name, fields: ("nn", "nn." + name, dict(fields, train=False))

    def conv(cin, cout, k, stride=1, pad=0, full=False):
        fan = cin * k * k
        w = rng.normal(0, np.sqrt(2.0 / fan), (cin, cout, k, k) if full else (cout, cin, k, k)).astype(np.float32)
        fields = {"nInputPlane": cin, "nOutputPlane": cout, "kW": k, "kH": k, "dW": stride, "dH": stride,
                  "padW": pad, "padH": pad, "weight": w, "bias": np.zeros(cout, np.float32)}
        if full:
            fields.update(adjW=1, adjH=1)
        return nn("SpatialFullConvolution" if full else "SpatialConvolution", fields)

    def norm(c):
        if instance_norm:
            return nn("InstanceNormalization", {"nOutput": c, "eps": 1e-5, "weight": np.ones(c, np.float32),
                                                "bias": np.zeros(c, np.float32)})
        return nn("SpatialBatchNormalization", {"nOutput": c, "eps": 1e-5, "weight": np.ones(c, np.float32),
                                                "bias": np.zeros(c, np.float32), "running_mean": np.zeros(c, np.float32),
                                                "running_var": np.ones(c, np.float32)})

    relu = lambda: nn("ReLU", {"inplace": True, "threshold": 0.0, "val": 0.0})
    pad = lambda p: nn("SpatialReflectionPadding", {"pad_l": p, "pad_r": p, "pad_t": p, "pad_b": p})
    mods = [pad(4), conv(3, 32, 9), norm(32), relu(),
            conv(32, 64, 3, 2, 1), norm(64), relu(),
            conv(64, 128, 3, 2, 1), norm(128), relu()]
    for _ in range(5):
        body = nn("Sequential", {"modules": [pad(1), conv(128, 128, 3), norm(128), relu(), pad(1), conv(128, 128, 3), norm(128)]})
        mods += [nn("ConcatTable", {"modules": [body, nn("Identity", {})]}), nn("CAddTable", {"inplace": False})]
    mods += [conv(128, 64, 3, 2, 1, full=True), norm(64), relu(),
             conv(64, 32, 3, 2, 1, full=True), norm(32), relu(),
             pad(4), conv(32, 3, 9), nn("Tanh", {}), nn("MulConstant", {"constant_scalar": 150.0, "inplace": False}),
             nn("TotalVariation", {"strength": 1e-6})]
    model = nn("Sequential", {"modules": mods})
    with open(path, "wb") as f:
        _T7Writer(f).value({"model": model, "opt": {"arch": "c9s1-32,d64,d128,R128,R128,R128,R128,R128,u64,u32,c9s1-3"}})
    return model
