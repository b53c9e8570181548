"""Model files built the way a hostile user would: Keras .h5 that point outside themselves, ONNX
whose tensors lie about their size, Darknet weights cut short. Each writer makes one small file in
the real layout (h5py, the onnx package, the Darknet binary format); test_hostile_models.py runs
every command that loads a model on them.

python3 hostile_files.py DIR writes them all into DIR (to try them by hand)."""
import os
import struct
import sys

import numpy as np

def _write(path, data, mode):
    with open(path, mode) as f:
        f.write(data)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


# --- Keras .h5 -----------------------------------------------------------------------------------

CONV = [("block1_conv1", 3, 4), ("block1_conv2", 4, 4)]


def keras_weights(seed=3):
    rng = np.random.default_rng(seed)
    return {name: (rng.normal(0, 0.3, (3, 3, cin, cout)).astype(np.float32),
                   rng.uniform(-0.1, 0.1, cout).astype(np.float32)) for name, cin, cout in CONV}


def write_keras(path, kernel=None, dtype=np.float32, seed=3):
    """A two-conv Keras weight file; kernel(f, group, name, k) may write the first kernel itself."""
    import h5py
    w = keras_weights(seed)
    with h5py.File(path, "w") as f:
        names = [n for n, _, _ in CONV] + ["block1_pool"]
        f.attrs["layer_names"] = np.array([n.encode() for n in names])
        for i, (name, _, _) in enumerate(CONV):
            k, b = w[name]
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()])
            if i == 0 and kernel is not None:
                kernel(f, g, f"{name}/kernel:0", k)
            else:
                g[f"{name}/kernel:0"] = k.astype(dtype)
            g[f"{name}/bias:0"] = b.astype(dtype)
        f.create_group("block1_pool").attrs["weight_names"] = np.array([], dtype=np.float64)
    return w


def keras_external_storage(path, target, offset=0):
    """The first kernel's bytes live in `target` (HDF5 external raw storage)."""
    def k(f, g, name, k):
        g.create_dataset(name, shape=k.shape, dtype=np.float32, external=[(target, offset, k.nbytes)])
    write_keras(path, k)


def keras_external_link(path, other):
    """The first kernel is an external link to a dataset in `other`."""
    import h5py
    def k(f, g, name, k):
        with h5py.File(other, "w") as o:
            o["kernel"] = k
        g[name] = h5py.ExternalLink(other, "/kernel")
    write_keras(path, k)


def keras_external_link_group(path, other):
    """A whole layer group is an external link into `other`."""
    import h5py
    w = write_keras(path)
    with h5py.File(other, "w") as o:
        g = o.create_group("block1_conv1")
        g.attrs["weight_names"] = np.array([b"block1_conv1/kernel:0", b"block1_conv1/bias:0"])
        g["block1_conv1/kernel:0"], g["block1_conv1/bias:0"] = w["block1_conv1"]
    with h5py.File(path, "a") as f:
        del f["block1_conv1"]
        f["block1_conv1"] = h5py.ExternalLink(other, "/block1_conv1")


def keras_soft_link(path):
    """The first kernel is a soft link to a dataset elsewhere in the same file."""
    import h5py
    def k(f, g, name, k):
        f["elsewhere"] = k
        g[name] = h5py.SoftLink("/elsewhere")
    write_keras(path, k)


def keras_dangling_soft_link(path):
    import h5py
    def k(f, g, name, k):
        g[name] = h5py.SoftLink("/nowhere/at/all")
    write_keras(path, k)


def keras_virtual(path, other):
    """The first kernel is a virtual dataset mapping a dataset of `other`."""
    import h5py
    def k(f, g, name, k):
        with h5py.File(other, "w") as o:
            o["kernel"] = k
        layout = h5py.VirtualLayout(shape=k.shape, dtype=np.float32)
        layout[...] = h5py.VirtualSource(other, "kernel", shape=k.shape)
        g.create_virtual_dataset(name, layout)
    write_keras(path, k)


def keras_dtype(path, dtype):
    return write_keras(path, dtype=dtype)


def keras_int_kernel(path):
    def k(f, g, name, k):
        g[name] = (k * 100).astype(np.int32)
    write_keras(path, k)


def keras_string_kernel(path):
    import h5py
    def k(f, g, name, k):
        g.create_dataset(name, data=np.array([b"abc"] * 4), dtype=h5py.string_dtype("ascii", 3))
    write_keras(path, k)


def keras_unknown_filter(path):
    """The first kernel is chunked through a filter id HDF5 would have to load as a plugin."""
    import h5py
    def k(f, g, name, k):
        # 32001 is Blosc, registered but not built into libhdf5: reading needs a plugin.
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk(k.shape)
        dcpl.set_filter(32001, h5py.h5z.FLAG_OPTIONAL, ())
        tid = h5py.h5t.py_create(np.dtype("float32"))
        sid = h5py.h5s.create_simple(k.shape)
        sub, leaf = name.split("/")
        h5py.h5d.create(g.require_group(sub).id, leaf.encode(), tid, sid, dcpl=dcpl)
    write_keras(path, k)


def keras_deflate_bomb(path, gib=4):
    """The first kernel declares `gib` GiB of float32 stored as deflated zero chunks: a few MB on
    disk (each chunk written pre-compressed, so making it is instant)."""
    import zlib
    chunk = (3, 3, 3, 1 << 20)  # 108 MiB of float32 per chunk
    packed = zlib.compress(bytes(int(np.prod(chunk)) * 4), 9)
    n = (gib << 30) // (int(np.prod(chunk)) * 4)
    def k(f, g, name, k):
        d = g.create_dataset(name, shape=(3, 3, 3, n * chunk[3]), dtype=np.float32, chunks=chunk, compression="gzip")
        for i in range(n):
            d.id.write_direct_chunk((0, 0, 0, i * chunk[3]), packed)
    write_keras(path, k)


def keras_extra_weight(path):
    """The first conv lists a third weight (a (4,4) matrix) after its kernel and bias."""
    w = write_keras(path)
    import h5py
    with h5py.File(path, "a") as f:
        g = f["block1_conv1"]
        g["block1_conv1/extra:0"] = np.ones((4, 4), np.float32)
        g.attrs["weight_names"] = np.array([b"block1_conv1/kernel:0", b"block1_conv1/bias:0", b"block1_conv1/extra:0"])
    return w


# --- ONNX ----------------------------------------------------------------------------------------

def onnx_conv(path, mutate=None, weight_dtype=np.float32, opset=11, bias=True):
    """X(1,3,32,32) -> Conv(W 4x3x3x3, B) -> Relu -> MaxPool 2x2; mutate(model) edits it."""
    import onnx
    from onnx import helper, numpy_helper, TensorProto
    rng = np.random.default_rng(1)
    w = rng.normal(0, 0.3, (4, 3, 3, 3)).astype(weight_dtype)
    b = rng.uniform(-0.1, 0.1, 4).astype(weight_dtype)
    nodes = [helper.make_node("Conv", ["X", "W", "B"], ["c"], name="conv1", pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
             helper.make_node("Relu", ["c"], ["r"], name="relu1"),
             helper.make_node("MaxPool", ["r"], ["Y"], name="pool1", kernel_shape=[2, 2], strides=[2, 2])]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 3, 32, 32])],
                          [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [1, 4, 16, 16])],
                          [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 6
    if not bias:
        del m.graph.node[0].input[2:]
        del m.graph.initializer[1]
    if mutate:
        mutate(m)
    onnx.save(m, path)
    return w, b


def init(m, name):
    return next(t for t in m.graph.initializer if t.name == name)


def onnx_short_raw(m):          # dims say 108 floats, raw_data holds 2
    init(m, "W").raw_data = init(m, "W").raw_data[:8]


def onnx_long_dims(m):          # dims grow, data stays
    del init(m, "W").dims[:]
    init(m, "W").dims.extend([64, 3, 3, 3])


def onnx_huge_dims(m):
    del init(m, "W").dims[:]
    init(m, "W").dims.extend([1 << 40, 3, 3, 3])


def onnx_overflow_dims(m):      # the product wraps 64 bits to a small number
    del init(m, "W").dims[:]
    init(m, "W").dims.extend([1 << 32, 1 << 32, 1, 1])


def onnx_negative_dims(m):
    del init(m, "W").dims[:]
    init(m, "W").dims.extend([-4, 3, 3, 3])


def onnx_external(m):
    from onnx import TensorProto
    t = init(m, "W")
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "/etc/passwd"), ("offset", "0"), ("length", "432")):
        e = t.external_data.add()
        e.key, e.value = k, v


def onnx_missing_weight(m):     # Conv's W has no initializer at all
    del m.graph.initializer[0]


def onnx_weight_as_input(m):    # Conv's W is a graph input, not a constant
    from onnx import helper, TensorProto
    del m.graph.initializer[0]
    m.graph.input.append(helper.make_tensor_value_info("W", TensorProto.FLOAT, [4, 3, 3, 3]))


def onnx_conv_one_input(m):
    n = m.graph.node[0]
    del n.input[1:]


def onnx_float_data_short(m):   # typed float_data instead of raw_data, too few values
    t = init(m, "W")
    t.ClearField("raw_data")
    t.float_data.extend([0.5] * 10)


def onnx_no_data(m):
    t = init(m, "W")
    t.ClearField("raw_data")


def onnx_weight_rank1(m):       # a Conv weight that is a vector
    t = init(m, "W")
    del t.dims[:]
    t.dims.extend([108])


def onnx_unshaped_input(m):    # the graph input's type carries no shape (OpenCV asserted 'tensor.has_shape()')
    m.graph.input[0].type.tensor_type.ClearField("shape")


def onnx_group0(m):             # Conv group 0: OpenCV divided by it (SIGFPE)
    from onnx import helper
    m.graph.node[0].attribute.append(helper.make_attribute("group", 0))


def onnx_kernel_shape_lie(m):   # kernel_shape 5x5 over a 3x3 weight: OpenCV read past the weights
    next(a for a in m.graph.node[0].attribute if a.name == "kernel_shape").ints[:] = [5, 5]


def onnx_pool_too_big(m):       # a 1000x1000 max pool leaves nothing of a 224x224 input (OpenCV's 'total(os[i]) > 0')
    next(a for a in m.graph.node[2].attribute if a.name == "kernel_shape").ints[:] = [1000, 1000]


def onnx_bn_short(m):           # a BatchNormalization after the 4-channel conv with 3 values per parameter
    from onnx import helper, numpy_helper
    m.graph.node.insert(1, helper.make_node("BatchNormalization", ["c", "s", "bb", "mm", "vv"], ["c2"], name="bn1"))
    m.graph.node[2].input[0] = "c2"
    m.graph.initializer.extend([numpy_helper.from_array(np.ones(3, np.float32), n) for n in ("s", "bb", "mm", "vv")])


def onnx_truncated_file(path):
    onnx_conv(path)
    data = _read(path)
    _write(path, data[: len(data) * 2 // 3], "wb")


# --- Darknet -------------------------------------------------------------------------------------

DARKNET_CFG = """[net]
width=32
height=32
channels=3

[convolutional]
batch_normalize=1
filters=4
size=3
stride=1
pad=1
activation=leaky

[maxpool]
size=2
stride=2

[convolutional]
filters=4
size=3
stride=1
pad=1
activation=linear
"""


def darknet(cfg_path, weights_path, keep=None, seed=2):
    """Writes cfg + weights (header 0.2.0); keep: cut the weights file to that many bytes."""
    rng = np.random.default_rng(seed)
    _write(cfg_path, DARKNET_CFG, "w")
    parts = [struct.pack("<iiiq", 0, 2, 0, 0)]
    # conv1 (bn): biases, scales, mean, variance, weights; conv2: biases, weights
    parts.append(rng.uniform(-0.1, 0.1, 4).astype("<f4").tobytes())
    parts.append(rng.uniform(0.5, 1.5, 4).astype("<f4").tobytes())
    parts.append(rng.uniform(-0.1, 0.1, 4).astype("<f4").tobytes())
    parts.append(rng.uniform(0.5, 1.5, 4).astype("<f4").tobytes())
    parts.append(rng.normal(0, 0.3, 4 * 3 * 9).astype("<f4").tobytes())
    parts.append(rng.uniform(-0.1, 0.1, 4).astype("<f4").tobytes())
    parts.append(rng.normal(0, 0.3, 4 * 4 * 9).astype("<f4").tobytes())
    data = b"".join(parts)
    if keep is not None:
        data = data[:keep]
    _write(weights_path, data, "wb")
    return len(b"".join(parts))


def write_all(d):
    os.makedirs(d, exist_ok=True)
    p = lambda n: os.path.join(d, n)
    write_keras(p("ok.h5"))
    keras_external_storage(p("ext_passwd.h5"), "/etc/passwd")
    keras_external_storage(p("ext_zero.h5"), "/dev/zero")
    keras_external_storage(p("ext_rel.h5"), "../../../etc/hostname")
    fifo = p("fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    keras_external_storage(p("ext_fifo.h5"), fifo)
    keras_external_link(p("elink.h5"), p("other.h5"))
    keras_external_link_group(p("elink_group.h5"), p("other_group.h5"))
    keras_soft_link(p("soft.h5"))
    keras_dangling_soft_link(p("soft_dangling.h5"))
    keras_virtual(p("virtual.h5"), p("vsrc.h5"))
    keras_dtype(p("f16.h5"), np.float16)
    keras_dtype(p("f64.h5"), np.float64)
    keras_int_kernel(p("int.h5"))
    keras_string_kernel(p("str.h5"))
    keras_unknown_filter(p("filter.h5"))
    onnx_conv(p("ok.onnx"))
    for f in (onnx_short_raw, onnx_long_dims, onnx_huge_dims, onnx_overflow_dims, onnx_negative_dims, onnx_external,
              onnx_missing_weight, onnx_weight_as_input, onnx_conv_one_input, onnx_float_data_short, onnx_no_data,
              onnx_weight_rank1):
        onnx_conv(p(f.__name__[5:] + ".onnx"), f)
        onnx_conv(p(f.__name__[5:] + "_nobias.onnx"), f, bias=False)
    onnx_conv(p("f16.onnx"), weight_dtype=np.float16)
    onnx_conv(p("f64.onnx"), weight_dtype=np.float64)
    onnx_truncated_file(p("truncated.onnx"))
    full = darknet(p("dn.cfg"), p("dn.weights"))
    darknet(p("dn.cfg"), p("dn_header.weights"), keep=20)
    darknet(p("dn.cfg"), p("dn_half.weights"), keep=full // 2)
    darknet(p("dn.cfg"), p("dn_minus4.weights"), keep=full - 4)


if __name__ == "__main__":
    write_all(sys.argv[1])


# --- Caffe ---------------------------------------------------------------------------------------

CAFFE_PROTOTXT = """name: "t"
input: "data"
input_shape { dim: 1 dim: 3 dim: 32 dim: 32 }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
"""


def _varint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def _field(num, payload):  # a length-delimited protobuf field
    return _varint(num << 3 | 2) + _varint(len(payload)) + payload


def _blob(shape, values):
    dims = b"".join(_varint(d) for d in shape)
    return _field(7, _field(1, dims)) + _field(5, np.asarray(values, "<f4").tobytes())


def caffe(prototxt, caffemodel, blobs="both", short=0, seed=4):
    """prototxt + a hand-encoded NetParameter; blobs: both, weights (no bias), none (conv1
    without blobs); short: values left out of the weight blob's data."""
    rng = np.random.default_rng(seed)
    _write(prototxt, CAFFE_PROTOTXT, "w")
    w = rng.normal(0, 0.3, 4 * 3 * 9)
    layer = _field(1, b"conv1") + _field(2, b"Convolution")
    if blobs != "none":
        layer += _field(7, _blob([4, 3, 3, 3], w[: len(w) - short]))
    if blobs == "both":
        layer += _field(7, _blob([4], rng.uniform(-0.1, 0.1, 4)))
    _write(caffemodel, _field(1, b"t") + _field(100, layer), "wb")


# --- TensorFlow ----------------------------------------------------------------------------------

def _vf(num, v):
    return _varint(num << 3) + _varint(v)


def tensorflow(path, dims=(3, 3, 3, 4), keep=None, seed=6):
    """A hand-encoded GraphDef: Placeholder -> Conv2D(Const w) -> Relu; the Const's tensor_content
    cut to `keep` bytes, or its shape changed to `dims`."""
    def attr(key, value):
        return _field(5, _field(1, key.encode()) + _field(2, value))

    def node(name, op, inputs=(), attrs=b""):
        return _field(1, name.encode()) + _field(2, op.encode()) + b"".join(_field(3, i.encode()) for i in inputs) + attrs
    w = np.random.default_rng(seed).normal(0, 0.3, (3, 3, 3, 4)).astype("<f4").tobytes()[:keep]
    shape = b"".join(_field(2, _vf(1, d)) for d in dims)
    tensor = _vf(1, 1) + _field(2, shape) + _field(4, w)
    ones = _field(3, _varint(1) * 4)
    nodes = [node("input", "Placeholder", attrs=attr("dtype", _vf(6, 1))),
             node("w", "Const", attrs=attr("dtype", _vf(6, 1)) + attr("value", _field(8, tensor))),
             node("conv", "Conv2D", ["input", "w"], attr("T", _vf(6, 1)) + attr("padding", _field(2, b"SAME")) +
                  attr("strides", _field(1, ones)) + attr("data_format", _field(2, b"NHWC"))),
             node("relu", "Relu", ["conv"], attr("T", _vf(6, 1)))]
    _write(path, b"".join(_field(1, n) for n in nodes), "wb")
