// ONNX and TensorFlow files checked before OpenCV's importers see them, with the bounded
// protobuf reader of proto_wire.hpp, for the few fields OpenCV trusts (ModelProto.graph, GraphProto.node/initializer, NodeProto
// inputs and tensor attributes, TensorProto dims/data_type/data/data_location/external_data;
// TensorFlow NodeDef attr tensors; the Caffe check is in caffe_check.cpp).
// Every length is checked against the bytes left; nothing is allocated from a declared size.
#include "core/model/model_check.hpp"
#include "core/model/proto_wire.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

namespace cnnscope {

namespace {

using wire::Mapped;
using wire::Wire;

constexpr int kMaxGraphDepth = 16;
constexpr int64_t kMaxAttr = 65536;  // kernel, stride, dilation, pad, group: beyond any image side

std::string dimsStr(const std::vector<int64_t>& dims) {
    std::string s = "(";
    for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
    return s + ")";
}

struct Tensor {
    std::string name;
    std::vector<int64_t> dims;
    int64_t dataType = 0;
    uint64_t raw = 0;           // bytes of raw_data
    bool hasRaw = false;
    uint64_t typed[6] = {};     // values in float_data, int32_data, string_data, int64_data, double_data, uint64_data
    bool external = false;
};

struct Node {
    std::string name, op;
    std::vector<std::string> inputs, outputs;
    std::map<std::string, std::vector<int64_t>> ints;  // integer attributes (i, ints) by name
};

struct Graph {
    std::vector<std::string> unshapedInputs;  // top-level inputs whose type has no shape
    std::vector<Tensor> tensors;  // initializers and tensors held by node attributes
    std::vector<std::string> tensorOwner;  // "" for initializers, else the node holding it
    std::vector<Node> nodes;
};

class OnnxReader {
public:
    explicit OnnxReader(std::string file, std::string format = "ONNX file")
        : m_file(std::move(file)), m_format(std::move(format)) {}
    [[noreturn]] void corrupt(const std::string& where) const {
        throw CoreError(m_format + " '" + m_file + "' is truncated or corrupt (" + where +
                        " runs past its end); re-export or re-download it");
    }

    void tensor(Wire w, Tensor& t) {
        uint32_t f;
        int type;
        while (!w.done()) {
            if (!w.key(f, type)) corrupt("a tensor");
            Wire s{};
            uint64_t v;
            auto countVarints = [&](uint64_t& n) {
                if (type == 0) { if (!w.varint(v)) corrupt("a tensor"); ++n; return; }
                if (type != 2 || !w.bytes(s)) corrupt("a tensor");
                for (const uint8_t* q = s.p; q < s.end; ++q) n += (*q & 0x80) ? 0 : 1;
            };
            auto countFixed = [&](uint64_t& n, int width) {
                if (type == (width == 4 ? 5 : 1)) { if (!w.skip(type)) corrupt("a tensor"); ++n; return; }
                if (type != 2 || !w.bytes(s) || (s.end - s.p) % width) corrupt("a tensor's values");
                n += uint64_t(s.end - s.p) / width;
            };
            switch (f) {
            case 1:  // dims: int64, packed or not
                if (type == 0) {
                    if (!w.varint(v)) corrupt("a tensor");
                    t.dims.push_back(int64_t(v));
                } else if (type == 2 && w.bytes(s)) {
                    while (!s.done()) {
                        if (!s.varint(v)) corrupt("a tensor's dims");
                        t.dims.push_back(int64_t(v));
                    }
                } else corrupt("a tensor");
                break;
            case 2: if (type != 0 || !w.varint(v)) corrupt("a tensor"); t.dataType = int64_t(v); break;
            case 4: countFixed(t.typed[0], 4); break;
            case 5: countVarints(t.typed[1]); break;
            case 6: if (type != 2 || !w.bytes(s)) corrupt("a tensor"); ++t.typed[2]; break;
            case 7: countVarints(t.typed[3]); break;
            case 8: if (type != 2 || !w.bytes(s)) corrupt("a tensor"); t.name = s.str(); break;
            case 9: if (type != 2 || !w.bytes(s)) corrupt("a tensor"); t.raw += uint64_t(s.end - s.p); t.hasRaw = true; break;
            case 10: countFixed(t.typed[4], 8); break;
            case 11: countVarints(t.typed[5]); break;
            case 13: if (!w.skip(type)) corrupt("a tensor"); t.external = true; break;
            case 14: if (type != 0 || !w.varint(v)) corrupt("a tensor"); if (v == 1) t.external = true; break;
            default: if (!w.skip(type)) corrupt("a tensor");
            }
        }
    }

    void node(Wire w, Graph& g, int depth) {
        Node n;
        std::vector<Tensor> held;
        uint32_t f;
        int type;
        while (!w.done()) {
            if (!w.key(f, type)) corrupt("a node");
            Wire s{};
            if (type != 2) {
                if (!w.skip(type)) corrupt("a node");
                continue;
            }
            if (!w.bytes(s)) corrupt("a node");
            switch (f) {
            case 1: n.inputs.push_back(s.str()); break;
            case 2: n.outputs.push_back(s.str()); break;
            case 3: n.name = s.str(); break;
            case 4: n.op = s.str(); break;
            case 5: attribute(s, held, g, depth, n.ints); break;
            default: break;
            }
        }
        for (auto& t : held) {
            g.tensors.push_back(std::move(t));
            g.tensorOwner.push_back(n.name.empty() ? n.op : n.name);
        }
        g.nodes.push_back(std::move(n));
    }

    void attribute(Wire w, std::vector<Tensor>& held, Graph& g, int depth, std::map<std::string, std::vector<int64_t>>& ints) {
        uint32_t f;
        int type;
        std::string name;
        std::vector<int64_t> values;
        while (!w.done()) {
            if (!w.key(f, type)) corrupt("a node attribute");
            Wire s{};
            uint64_t v;
            if (type == 2 && (f == 5 || f == 10 || f == 6 || f == 11)) {
                if (!w.bytes(s)) corrupt("a node attribute");
                if (f == 5 || f == 10) {
                    held.emplace_back();
                    tensor(s, held.back());
                } else {
                    graph(s, g, depth + 1);  // a subgraph's tensors are checked like the main graph's
                }
            } else if (type == 2 && f == 1) {  // name
                if (!w.bytes(s)) corrupt("a node attribute");
                name = s.str();
            } else if ((f == 3 || f == 8) && type == 0) {  // i, or one of ints
                if (!w.varint(v)) corrupt("a node attribute");
                values.push_back(int64_t(v));
            } else if (f == 8 && type == 2) {  // ints, packed
                if (!w.bytes(s)) corrupt("a node attribute");
                while (!s.done()) {
                    if (!s.varint(v)) corrupt("a node attribute");
                    values.push_back(int64_t(v));
                }
            } else if (!w.skip(type)) {
                corrupt("a node attribute");
            }
        }
        if (!name.empty() && !values.empty()) ints[name] = std::move(values);
    }

    void graph(Wire w, Graph& g, int depth) {
        if (depth > kMaxGraphDepth)
            throw CoreError("ONNX file '" + m_file + "' nests graphs more than " + std::to_string(kMaxGraphDepth) + " deep");
        uint32_t f;
        int type;
        while (!w.done()) {
            if (!w.key(f, type)) corrupt("the graph");
            Wire s{};
            if (type == 2 && f == 11 && depth == 0) {  // ValueInfoProto: name (1), type (2) -> tensor_type (1) -> shape (2)
                if (!w.bytes(s)) corrupt("the graph");
                std::string name;
                bool shaped = false;
                while (!s.done()) {
                    uint32_t g; int gt;
                    Wire v{};
                    if (!s.key(g, gt)) corrupt("a graph input");
                    if (gt != 2 || (g != 1 && g != 2)) { if (!s.skip(gt)) corrupt("a graph input"); continue; }
                    if (!s.bytes(v)) corrupt("a graph input");
                    if (g == 1) { name = v.str(); continue; }
                    while (!v.done()) {
                        uint32_t h; int ht;
                        Wire t{};
                        if (!v.key(h, ht)) corrupt("a graph input");
                        if (h != 1 || ht != 2) { if (!v.skip(ht)) corrupt("a graph input"); continue; }
                        if (!v.bytes(t)) corrupt("a graph input");
                        while (!t.done()) {
                            uint32_t k; int kt;
                            if (!t.key(k, kt)) corrupt("a graph input");
                            if (k == 2) shaped = true;
                            if (!t.skip(kt)) corrupt("a graph input");
                        }
                    }
                }
                if (!shaped) g.unshapedInputs.push_back(name);
            } else if (type == 2 && (f == 1 || f == 5)) {
                if (!w.bytes(s)) corrupt("the graph");
                if (f == 1) {
                    node(s, g, depth);
                } else {
                    g.tensors.emplace_back();
                    g.tensorOwner.emplace_back();
                    tensor(s, g.tensors.back());
                }
            } else if (!w.skip(type)) {
                corrupt("the graph");
            }
        }
    }

private:
    std::string m_file, m_format;
};

const char* typeName(int64_t t) {
    static const char* names[] = {"undefined", "float32", "uint8", "int8", "uint16", "int16", "int32", "int64", "string",
                                  "bool", "float16", "float64", "uint32", "uint64", "complex64", "complex128", "bfloat16"};
    return t >= 0 && t <= 16 ? names[t] : "unknown";
}

// Bytes per element (0: not a fixed-size type) and which typed field holds it, with values per element.
void layout(int64_t t, int& bytes, int& field, int& perElement) {
    perElement = 1;
    switch (t) {
    case 1: bytes = 4; field = 0; break;
    case 2: case 3: case 9: bytes = 1; field = 1; break;
    case 4: case 5: case 10: case 16: bytes = 2; field = 1; break;
    case 6: bytes = 4; field = 1; break;
    case 7: bytes = 8; field = 3; break;
    case 8: bytes = 0; field = 2; break;
    case 11: bytes = 8; field = 4; break;
    case 12: bytes = 4; field = 5; break;
    case 13: bytes = 8; field = 5; break;
    case 14: bytes = 8; field = 0; perElement = 2; break;
    case 15: bytes = 16; field = 4; perElement = 2; break;
    default: bytes = -1; field = -1; break;
    }
}

// Empty when the tensor holds what it declares; else the problem, in words.
std::string tensorProblem(const Tensor& t) {
    const std::string re = "; re-export or re-download the model";
    if (t.external)
        return "keeps its data in an external file; cnnscope reads only self-contained ONNX files (nothing outside the "
               "file is opened)" + re;
    long double count = 1;  // exact up to 2^64, and the cap is 2^40
    for (int64_t d : t.dims) {
        if (d < 0) return "has a negative dimension " + dimsStr(t.dims) + "; the file is corrupt";
        count *= (long double)d;
        if (count > (long double)(uint64_t(1) << 40))
            return "declares dims " + dimsStr(t.dims) + ", more values than any model holds; the file is corrupt";
    }
    int bytes, field, per;
    layout(t.dataType, bytes, field, per);
    if (bytes < 0) return std::string("has data type ") + std::to_string(t.dataType) + " (" + typeName(t.dataType) +
                          "), which OpenCV cannot read";
    if (t.dataType == 10 || t.dataType == 16)
        return std::string("holds ") + typeName(t.dataType) +
               " values, which OpenCV 4.6 cannot read: export the model in float32 (e.g. model.float() before torch.onnx.export)";
    if (t.dataType == 11 && t.hasRaw)
        return "holds float64 values as raw_data, which OpenCV 4.6 cannot read: export the model in float32";
    const uint64_t n = uint64_t(count);
    const std::string declared = "declares dims " + dimsStr(t.dims) + " = " + std::to_string(n) + " " + typeName(t.dataType) +
                                 " value" + (n == 1 ? "" : "s");
    if (t.hasRaw) {
        if (bytes > 0 && t.raw != n * uint64_t(bytes))
            return declared + " (" + std::to_string(n * uint64_t(bytes)) + " bytes) but holds " + std::to_string(t.raw) +
                   " bytes; the file is truncated or corrupt" + re;
        return {};
    }
    const uint64_t have = t.typed[field];
    if (have != n * uint64_t(per)) {
        if (have == 0 && n > 0) return declared + " but holds no data; the file is truncated or corrupt" + re;
        return declared + " but holds " + std::to_string(have / uint64_t(per)) + "; the file is truncated or corrupt" + re;
    }
    return {};
}

}  // namespace

// TensorFlow TensorProto: tensor_content's bytes against dtype and tensor_shape. Empty when they
// agree or the values are in the typed fields (which TensorFlow may broadcast).
std::string tfTensorProblem(Wire w, const OnnxReader& r) {
    uint64_t dtype = 0, content = 0, v;
    bool hasContent = false;
    std::vector<int64_t> dims;
    uint32_t f;
    int type;
    while (!w.done()) {
        if (!w.key(f, type)) r.corrupt("a tensor");
        Wire s{};
        if (f == 1 && type == 0) {
            if (!w.varint(dtype)) r.corrupt("a tensor");
        } else if ((f == 2 || f == 4) && type == 2) {
            if (!w.bytes(s)) r.corrupt("a tensor");
            if (f == 4) { content += uint64_t(s.end - s.p); hasContent = true; continue; }
            while (!s.done()) {  // TensorShapeProto.dim (2) -> Dim.size (1)
                uint32_t g; int gt;
                Wire d{};
                if (!s.key(g, gt)) r.corrupt("a tensor shape");
                if (g != 2 || gt != 2) { if (!s.skip(gt)) r.corrupt("a tensor shape"); continue; }
                if (!s.bytes(d)) r.corrupt("a tensor shape");
                int64_t size = 0;
                while (!d.done()) {
                    uint32_t h; int ht;
                    if (!d.key(h, ht)) r.corrupt("a tensor shape");
                    if (h == 1 && ht == 0) { if (!d.varint(v)) r.corrupt("a tensor shape"); size = int64_t(v); }
                    else if (!d.skip(ht)) r.corrupt("a tensor shape");
                }
                dims.push_back(size);
            }
        } else if (!w.skip(type)) {
            r.corrupt("a tensor");
        }
    }
    static const int bytesOf[] = {0, 4, 8, 4, 1, 2, 1, 0, 8, 8, 1, 1, 1, 4, 2, 2, 1, 2, 16, 2};  // DT_FLOAT=1 ... DT_HALF=19
    if (!hasContent || dtype >= sizeof bytesOf / sizeof *bytesOf || bytesOf[dtype] == 0) return {};
    long double count = 1;
    for (int64_t d : dims) {
        if (d < 0) return "has a negative dimension " + dimsStr(dims);
        count *= (long double)d;
    }
    if ((long double)content != count * bytesOf[dtype])
        return "declares shape " + dimsStr(dims) + " (" + std::to_string((unsigned long long)std::min(count * bytesOf[dtype], (long double)1e19)) +
               " bytes) but holds " + std::to_string(content) + " bytes";
    return {};
}

Status checkTensorflowGraph(const std::string& path) {
    return guard([&]() -> Status {
        const Mapped data(path);
        OnnxReader reader(path, "TensorFlow graph");
        Wire w{data.data(), data.data() + data.size()};
        uint32_t f;
        int type;
        while (!w.done()) {
            if (!w.key(f, type)) reader.corrupt("the graph");
            Wire node{};
            if (!(f == 1 && type == 2)) {
                if (!w.skip(type)) reader.corrupt("the graph");
                continue;
            }
            if (!w.bytes(node)) reader.corrupt("a node");
            std::string name;
            std::vector<Wire> tensors;
            while (!node.done()) {  // NodeDef: name (1), attr (5) map<string, AttrValue>; AttrValue.tensor (8)
                uint32_t g; int gt;
                Wire s{};
                if (!node.key(g, gt)) reader.corrupt("a node");
                if (gt != 2 || (g != 1 && g != 5)) { if (!node.skip(gt)) reader.corrupt("a node"); continue; }
                if (!node.bytes(s)) reader.corrupt("a node");
                if (g == 1) { name = s.str(); continue; }
                while (!s.done()) {
                    uint32_t h; int ht;
                    Wire value{};
                    if (!s.key(h, ht)) reader.corrupt("a node attribute");
                    if (h != 2 || ht != 2) { if (!s.skip(ht)) reader.corrupt("a node attribute"); continue; }
                    if (!s.bytes(value)) reader.corrupt("a node attribute");
                    while (!value.done()) {
                        uint32_t k; int kt;
                        Wire t{};
                        if (!value.key(k, kt)) reader.corrupt("a node attribute");
                        if (k == 8 && kt == 2) { if (!value.bytes(t)) reader.corrupt("a tensor"); tensors.push_back(t); }
                        else if (!value.skip(kt)) reader.corrupt("a node attribute");
                    }
                }
            }
            for (const Wire& t : tensors)
                if (auto problem = tfTensorProblem(t, reader); !problem.empty())
                    return Error{"TensorFlow graph '" + path + "': the tensor of node '" + name + "' " + problem +
                                 "; the file is truncated or corrupt: export or download it again"};
        }
        return {};
    });
}

Status checkOnnxFile(const std::string& path) {
    return guard([&]() -> Status {
        const Mapped data(path);
        OnnxReader reader(path);
        Wire w{data.data(), data.data() + data.size()};
        Graph g;
        bool haveGraph = false;
        uint32_t f;
        int type;
        while (!w.done()) {
            if (!w.key(f, type)) reader.corrupt("the model");
            Wire s{};
            if (f == 7 && type == 2) {
                if (!w.bytes(s)) reader.corrupt("the graph");
                reader.graph(s, g, 0);
                haveGraph = true;
            } else if (!w.skip(type)) {
                reader.corrupt("the model");
            }
        }
        if (!haveGraph) return Error{"'" + path + "' is not an ONNX model (no graph in it)"};

        std::map<std::string, const Tensor*> constants;
        for (const Tensor& t : g.tensors) constants[t.name] = &t;
        for (const Node& n : g.nodes)
            if (n.op == "Constant")
                for (const auto& o : n.outputs) constants.emplace(o, nullptr);
        auto nodeName = [](const Node& n) { return "node '" + shownName(n.name.empty() ? n.outputs.empty() ? n.op : n.outputs[0] : n.name) + "' (" + shownName(n.op) + ")"; };
        auto userOf = [&](const std::string& tensor) -> std::string {
            for (const Node& n : g.nodes)
                for (const auto& i : n.inputs)
                    if (i == tensor) return ", input of " + nodeName(n);
            return {};
        };
        for (size_t i = 0; i < g.tensors.size(); ++i) {
            const Tensor& t = g.tensors[i];
            if (auto problem = tensorProblem(t); !problem.empty()) {
                const std::string which = g.tensorOwner[i].empty()
                                              ? "initializer '" + shownName(t.name) + "'" + userOf(t.name)
                                              : "the tensor held by node '" + shownName(g.tensorOwner[i]) + "'";
                return Error{"ONNX file '" + path + "': " + which + ", " + problem};
            }
        }
        for (const std::string& in : g.unshapedInputs)
            if (!constants.count(in))
                return Error{"ONNX file '" + path + "': graph input '" + shownName(in) + "' has no shape; OpenCV 4.6 needs the input's "
                             "shape in the file (export with a fixed input size, e.g. torch.onnx.export with a sample input)"};
        // The integer attributes OpenCV 4.6 divides by or sizes buffers with, before it reads them
        // (group 0 was a SIGFPE; a kernel_shape other than the weight's read past the weights).
        for (const Node& n : g.nodes) {
            const bool conv = n.op == "Conv" || n.op == "ConvTranspose";
            if (!conv && n.op != "MaxPool" && n.op != "AveragePool" && n.op != "LpPool") continue;
            auto bad = [&](const std::string& attr, const std::vector<int64_t>& v, const std::string& rule) {
                return Error{"ONNX file '" + path + "': " + nodeName(n) + " has " + attr + " " + dimsStr(v) + "; " + rule +
                             ": the file is corrupt (re-export the model)"};
            };
            for (const auto& [attr, v] : n.ints) {
                const bool positive = attr == "kernel_shape" || attr == "strides" || attr == "dilations" || attr == "group";
                const bool nonNegative = attr == "pads" || attr == "output_padding";
                if (!positive && !nonNegative) continue;
                for (int64_t x : v)
                    if (x < (positive ? 1 : 0) || x > kMaxAttr)
                        return bad(attr, v, std::string(positive ? "each must be 1" : "each must be 0") + " to " +
                                                std::to_string(kMaxAttr));
            }
            if (!conv || n.inputs.size() < 2) continue;
            auto c = constants.find(n.inputs[1]);
            const Tensor* w = c == constants.end() ? nullptr : c->second;
            if (!w || w->dims.size() < 3) continue;
            const std::vector<int64_t> spatial(w->dims.begin() + 2, w->dims.end());
            if (auto k = n.ints.find("kernel_shape"); k != n.ints.end() && k->second != spatial)
                return bad("kernel_shape", k->second, "its weight '" + shownName(w->name) + "' " + dimsStr(w->dims) + " has kernel " +
                                                         dimsStr(spatial));
            if (auto k = n.ints.find("group"); k != n.ints.end() && n.op == "Conv" && w->dims[0] % k->second[0] != 0)
                return bad("group", k->second, "its weight '" + shownName(w->name) + "' has " + std::to_string(w->dims[0]) +
                                                  " output channels, not a multiple of it");
        }
        // A normalisation after a Conv has one scale, bias, mean and variance per channel the Conv
        // makes: OpenCV reads as many as there are channels (fewer in the file were read past).
        std::map<std::string, int64_t> convChannels;
        for (const Node& n : g.nodes)
            if (n.op == "Conv" && n.inputs.size() > 1 && !n.outputs.empty())
                if (auto c = constants.find(n.inputs[1]); c != constants.end() && c->second && !c->second->dims.empty())
                    convChannels[n.outputs[0]] = c->second->dims[0];
        for (const Node& n : g.nodes) {
            if ((n.op != "BatchNormalization" && n.op != "InstanceNormalization") || n.inputs.empty()) continue;
            auto ch = convChannels.find(n.inputs[0]);
            if (ch == convChannels.end()) continue;
            for (size_t k = 1; k < n.inputs.size() && k <= 4; ++k) {
                auto c = constants.find(n.inputs[k]);
                if (c == constants.end() || !c->second) continue;
                int64_t count = 1;
                for (int64_t d : c->second->dims) count *= d;
                if (count != ch->second)
                    return Error{"ONNX file '" + path + "': " + nodeName(n) + " has " + std::to_string(count) + " values in '" +
                                 shownName(c->second->name) + "' for the " + std::to_string(ch->second) +
                                 " channels its input has; the file is corrupt (re-export the model)"};
            }
        }
        // The inputs OpenCV 4.6 takes as constant weights: anything else crashes its importer.
        static const std::map<std::string, std::pair<size_t, size_t>> weightInputs = {
            {"Conv", {1, 2}}, {"ConvTranspose", {1, 2}}, {"BatchNormalization", {1, 4}}, {"InstanceNormalization", {1, 2}}};
        for (const Node& n : g.nodes) {
            auto it = weightInputs.find(n.op);
            if (it == weightInputs.end()) continue;
            const auto [first, last] = it->second;
            const size_t required = n.op == "Conv" || n.op == "ConvTranspose" ? 2 : last + 1;
            if (n.inputs.size() < required)
                return Error{"ONNX file '" + path + "': " + nodeName(n) + " has " + std::to_string(n.inputs.size()) +
                             " inputs, it needs " + std::to_string(required) + " (data and weights); the file is corrupt"};
            for (size_t k = first; k <= last && k < n.inputs.size(); ++k) {
                if (n.inputs[k].empty()) continue;  // an optional input left out
                auto c = constants.find(n.inputs[k]);
                if (c == constants.end())
                    return Error{"ONNX file '" + path + "': " + nodeName(n) + " takes its weight '" + shownName(n.inputs[k]) +
                                 "' from the graph, not from an initializer; cnnscope (OpenCV 4.6) needs the weights stored "
                                 "in the file: export with constant folding / weights as initializers"};
            }
            if ((n.op == "Conv" || n.op == "ConvTranspose")) {
                const Tensor* w = constants[n.inputs[1]];
                if (w && (w->dims.size() < 3 || w->dims.size() > 5))
                    return Error{"ONNX file '" + path + "': " + nodeName(n) + " has weight '" + shownName(w->name) + "' of dims " +
                                 dimsStr(w->dims) + "; a convolution weight has 3 to 5 dims (out, in, kernel...)"};
                if (w && n.inputs.size() > 2 && !n.inputs[2].empty()) {
                    const Tensor* b = constants[n.inputs[2]];
                    int64_t nb = 1;
                    if (b) for (int64_t d : b->dims) nb *= d;
                    const int64_t out = n.op == "Conv" ? w->dims[0] : -1;
                    if (b && out >= 0 && nb != out)
                        return Error{"ONNX file '" + path + "': " + nodeName(n) + " has " + std::to_string(out) +
                                     " output channels but its bias '" + shownName(b->name) + "' has " + std::to_string(nb) + " values"};
                }
            }
        }
        return {};
    });
}

}  // namespace cnnscope
