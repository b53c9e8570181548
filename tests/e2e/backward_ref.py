"""An independent numpy (float64) reference for the backward engine and style transfer: plain
conv / ReLU / max-pool chains, their forward with recorded ReLU inputs and pool windows, the
backward in guided / deconv / grad mode, Gatys losses; and writers for the nets the tests feed
cnnscope (Keras-layout .h5 and ONNX) with known weights."""
import numpy as np

MEAN = np.array([103.939, 116.779, 123.68])


def conv_forward(x, w, b, stride=(1, 1), pad=(0, 0, 0, 0)):
    """x (I,H,W), w (O,I,kh,kw), pad (top,left,bottom,right) -> (O,Ho,Wo)."""
    O, I, kh, kw = w.shape
    sh, sw = stride
    xp = np.pad(x, ((0, 0), (pad[0], pad[2]), (pad[1], pad[3])))
    Ho = (xp.shape[1] - kh) // sh + 1
    Wo = (xp.shape[2] - kw) // sw + 1
    y = np.zeros((O, Ho, Wo))
    for dy in range(kh):
        for dx in range(kw):
            patch = xp[:, dy:dy + sh * (Ho - 1) + 1:sh, dx:dx + sw * (Wo - 1) + 1:sw]
            y += np.einsum("ihw,oi->ohw", patch, w[:, :, dy, dx])
    return y + b[:, None, None]


def conv_backward(g, w, in_shape, stride=(1, 1), pad=(0, 0, 0, 0)):
    """The data gradient of conv_forward (no bias), the transposed convolution."""
    O, I, kh, kw = w.shape
    sh, sw = stride
    _, H, W = in_shape
    Ho, Wo = g.shape[1:]
    dxp = np.zeros((I, H + pad[0] + pad[2], W + pad[1] + pad[3]))
    for dy in range(kh):
        for dx in range(kw):
            dxp[:, dy:dy + sh * (Ho - 1) + 1:sh, dx:dx + sw * (Wo - 1) + 1:sw] += np.einsum("ohw,oi->ihw", g, w[:, :, dy, dx])
    return dxp[:, pad[0]:pad[0] + H, pad[1]:pad[1] + W]


def pool_windows(x, k, s, pad=(0, 0), ceil=False):
    """Output size and, per output position, the window clipped to the input (top/left padding)."""
    C, H, W = x.shape
    def out(n, p):
        span = n + 2 * p - k
        return (-(-span // s) if ceil else span // s) + 1
    Ho, Wo = out(H, pad[0]), out(W, pad[1])
    return Ho, Wo


def pool_forward(x, k, s, pad=(0, 0), ceil=False):
    C, H, W = x.shape
    Ho, Wo = pool_windows(x, k, s, pad, ceil)
    y = np.zeros((C, Ho, Wo))
    win = np.zeros((C, Ho, Wo), dtype=np.int64)
    for oy in range(Ho):
        for ox in range(Wo):
            y0, x0 = max(oy * s - pad[0], 0), max(ox * s - pad[1], 0)
            y1, x1 = min(oy * s - pad[0] + k, H), min(ox * s - pad[1] + k, W)
            block = x[:, y0:y1, x0:x1].reshape(C, -1)
            a = block.argmax(axis=1)  # the first maximum in scan order
            y[:, oy, ox] = block[np.arange(C), a]
            win[:, oy, ox] = (y0 + a // (x1 - x0)) * W + x0 + a % (x1 - x0)
    return y, win


def pool_backward(g, win, in_shape):
    C, H, W = in_shape
    dx = np.zeros((C, H * W))
    for c in range(C):
        np.add.at(dx[c], win[c].ravel(), g[c].ravel())
    return dx.reshape(in_shape)


def forward(layers, x):
    """layers: dicts {kind: conv|relu|pool, name, ...}. Returns every layer's output and the records."""
    outs, recs = [], []
    for l in layers:
        rec = {"in_shape": x.shape}
        if l["kind"] == "conv":
            x = conv_forward(x, l["w"], l["b"], l.get("stride", (1, 1)), l.get("pad", (1, 1, 1, 1)))
        elif l["kind"] == "relu":
            rec["x"] = x
            x = np.maximum(x, 0)
        else:
            x, rec["win"] = pool_forward(x, l["k"], l["s"], l.get("pool_pad", (0, 0)), l.get("ceil", False))
        outs.append(x)
        recs.append(rec)
    return outs, recs


def backward(layers, recs, seeds, mode):
    """seeds: {layer index: gradient at its output}. Returns the gradient at the input."""
    g = None
    for i in range(max(seeds), -1, -1):
        if i in seeds:
            g = seeds[i] if g is None else g + seeds[i]
        l, r = layers[i], recs[i]
        if l["kind"] == "relu":
            if mode == "guided":
                g = g * (r["x"] > 0) * (g > 0)
            elif mode == "deconv":
                g = np.maximum(g, 0)
            else:
                g = g * (r["x"] > 0)
        elif l["kind"] == "pool":
            g = pool_backward(g, r["win"], r["in_shape"])
        else:
            g = conv_backward(g, l["w"], r["in_shape"], l.get("stride", (1, 1)), l.get("pad", (1, 1, 1, 1)))
    return g


def back_project(layers, x, index, channel, mode):
    outs, recs = forward(layers, x)
    seed = np.zeros_like(outs[index])
    seed[channel] = outs[index][channel]
    return backward(layers, recs, {index: seed}, mode)


def vgg19_specs():
    """VGG19's conv and pool layers as vgg_layers takes them: (name, in, out) or (name,)."""
    specs, cin = [], 3
    for block, (n, c) in enumerate([(2, 64), (2, 128), (4, 256), (4, 512), (4, 512)], start=1):
        for i in range(1, n + 1):
            specs.append((f"block{block}_conv{i}", cin, c))
            cin = c
        specs.append((f"block{block}_pool",))
    return specs


def vgg_layers(specs, rng):
    """Keras VGG-style layers from [(name, cin, cout) | (pool_name,)]: conv+ReLU pairs and 2x2 pools."""
    layers = []
    for s in specs:
        if len(s) == 1:
            layers.append({"kind": "pool", "name": s[0], "k": 2, "s": 2})
        else:
            name, cin, cout = s
            w = rng.normal(0, np.sqrt(2 / (9 * cin)), (cout, cin, 3, 3)).astype(np.float32)
            b = rng.uniform(-0.05, 0.05, cout).astype(np.float32)
            layers.append({"kind": "conv", "name": name + "/conv", "w": w.astype(np.float64), "b": b.astype(np.float64), "w32": w, "b32": b})
            layers.append({"kind": "relu", "name": name})
    return layers


def write_keras_h5(path, layers):
    """The Keras weight-file layout (new-style names), kernels (kh, kw, in, out)."""
    import h5py
    names = ["input_1"] + [l["name"] for l in layers if l["kind"] == "relu" or l["kind"] == "pool"]
    convs = {l["name"][:-5]: l for l in layers if l["kind"] == "conv"}
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n in names])
        for n in names:
            g = f.create_group(n)
            if n in convs:
                g.attrs["weight_names"] = np.array([f"{n}/kernel:0".encode(), f"{n}/bias:0".encode()])
                g[f"{n}/kernel:0"] = convs[n]["w32"].transpose(2, 3, 1, 0)
                g[f"{n}/bias:0"] = convs[n]["b32"]
            else:
                g.attrs["weight_names"] = np.array([], dtype=np.float64)


def write_onnx(path, nodes, inits, in_shape, out_name):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    graph = helper.make_graph(nodes, "backward_test", [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(in_shape))],
                              [helper.make_tensor_value_info(out_name, TensorProto.FLOAT, [1, "c", "h", "w"])],
                              [numpy_helper.from_array(v, k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], producer_name="cnnscope-tests")
    onnx.checker.check_model(model)
    onnx.save(model, path)


def onnx_chain(rng, mid="MaxPool"):
    """A conv/relu/maxpool ONNX chain with strides, pads and overlapping pools: (nodes, initialisers,
    the same layers for forward/backward here); `mid`: the middle node's op instead of MaxPool."""
    w1 = rng.normal(0, 0.3, (4, 3, 3, 3)).astype(np.float32)
    b1 = rng.uniform(-5, 5, 4).astype(np.float32)
    w2 = rng.normal(0, 0.3, (5, 4, 3, 2)).astype(np.float32)
    b2 = rng.uniform(-1, 1, 5).astype(np.float32)
    from onnx import helper
    mid_node = (helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[3, 3], strides=[2, 2]) if mid == "MaxPool"
                else helper.make_node(mid, ["r1"], ["p1"]))
    nodes = [helper.make_node("Conv", ["input", "w1", "b1"], ["c1"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"]), mid_node,
             helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], kernel_shape=[3, 2], pads=[1, 0, 1, 0]),
             helper.make_node("Relu", ["c2"], ["r2"])]
    layers = [{"kind": "conv", "name": "c1", "w": w1.astype(np.float64), "b": b1.astype(np.float64), "stride": (2, 2), "pad": (1, 1, 1, 1)},
              {"kind": "relu", "name": "r1"}, {"kind": "pool", "name": "p1", "k": 3, "s": 2},
              {"kind": "conv", "name": "c2", "w": w2.astype(np.float64), "b": b2.astype(np.float64), "pad": (1, 0, 1, 0)},
              {"kind": "relu", "name": "r2"}]
    return nodes, {"w1": w1, "b1": b1, "w2": w2, "b2": b2}, layers


def preprocess(path):
    """A PNG read as cnnscope's Keras 'caffe' preprocessing sees it at its own size: BGR minus the mean, (3,H,W)."""
    from PIL import Image
    bgr = np.asarray(Image.open(path).convert("RGB"))[:, :, ::-1].astype(np.float64)
    return (bgr - MEAN).transpose(2, 0, 1)


def save_crop(src, dst, box):
    """A lossless crop (left, top, right, bottom) of an opencv-doc image, so both sides read the same pixels."""
    from PIL import Image
    Image.open(src).convert("RGB").crop(box).save(dst)


def gram(f):
    F = f.reshape(f.shape[0], -1)
    return F @ F.T


def gatys_losses(outs_x, outs_p, outs_s, content_index, style_indices, x, alpha, beta, tv_weight):
    """The issue's definitions, at the layers' outputs (float64)."""
    Lc = 0.5 * np.sum((outs_x[content_index] - outs_p[content_index]) ** 2)
    per = []
    for i in style_indices:
        C = outs_x[i].shape[0]
        M = outs_x[i].shape[1] * outs_x[i].shape[2]
        per.append(1.0 / len(style_indices) / (4.0 * C * C * M * M) * np.sum((gram(outs_x[i]) - gram(outs_s[i])) ** 2))
    tv = np.sum((x[:, 1:, :] - x[:, :-1, :]) ** 2) + np.sum((x[:, :, 1:] - x[:, :, :-1]) ** 2)
    Ls = sum(per)
    return {"content": Lc, "style": Ls, "tv": tv, "style_layers": per, "total": alpha * Lc + beta * Ls + tv_weight * tv}
