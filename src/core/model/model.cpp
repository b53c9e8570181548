// Model loading, catalogue and forward-to-layer.
#include "core/model/model.hpp"

#include "core/model/conv_mode.hpp"
#include "core/model/model_check.hpp"
#include "core/base/finite.hpp"
#include "core/base/limits.hpp"
#include "core/model/model_zoo.hpp"
#include "core/base/parse.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>

namespace fs = std::filesystem;

namespace cnnscope {

namespace {

std::string shapeString(const std::vector<int>& shape) {
    std::string t;
    for (size_t i = 0; i < shape.size(); ++i) t += (i ? "x" : "") + std::to_string(shape[i]);
    return t;
}

bool isFile(const std::string& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

std::string kerasHome() {
    const char* home = std::getenv("HOME");
    return home ? (fs::path(home) / ".keras" / "models").string() : std::string();
}

// Directories where weight files named in models.yml are looked for.
std::vector<std::string> weightDirs() {
    std::vector<std::string> dirs = modelDirs();
    if (auto k = kerasHome(); !k.empty()) dirs.push_back(k);
    return dirs;
}

std::string findInDirs(const std::string& file) {
    for (const auto& d : weightDirs()) {
        const fs::path p = fs::path(d) / file;
        if (isFile(p.string())) return p.string();
    }
    return {};
}

}  // namespace

Expected<std::string> resolveModelFile(const std::string& what, const std::string& from, const std::vector<ZooEntry>& zoo) {
    if (isFile(what)) return what;
    if (const ZooEntry* e = findZooEntry(zoo, what); e && fs::path(what).filename() == what) {
        if (auto p = findInDirs(e->file); !p.empty()) return p;
        return Error{"model '" + what + "' (" + from + ") is known but its file '" + e->file +
                     "' is not in models/, " + userModelsDir() + " or ~/.keras/models/; fetch it with: cnnscope fetch " + e->name};
    }
    std::error_code ec;
    if (fs::is_directory(what, ec)) return Error{"model path '" + what + "' (" + from + ") is a directory; give the weights file"};
    return Error{"model file '" + what + "' (" + from + ") does not exist"};
}

static bool fusesBadly(cv::dnn::Net& net) {
    std::vector<cv::String> types;
    net.getLayerTypes(types);
    return std::find(types.begin(), types.end(), "MVN") != types.end();
}

void avoidNormFusionBug(cv::dnn::Net& net) {
    if (fusesBadly(net)) net.enableFusion(false);
}

void resetNetSetup(cv::dnn::Net& net) {
    // OpenCV keeps what each layer's setup made of its weights (aligned copies, fused activations)
    // until the net is set up again: a change of fusion clears it (and back, so nothing else changes).
    const bool fusion = !fusesBadly(net);
    net.enableFusion(!fusion);
    net.enableFusion(fusion);
}

static ModelLocation located(std::string path, std::string how, const std::vector<ZooEntry>& zoo) {
    const ZooEntry* e = findZooEntry(zoo, path);
    return ModelLocation{std::move(path), std::move(how), e ? std::optional<ZooEntry>(*e) : std::nullopt, {}};
}

Expected<ModelLocation> resolveModelPath(const ModelOptions& opts) {
    std::string zooWarning;
    Expected<std::vector<ZooEntry>> zoo = !opts.model.empty() && isFile(opts.model)
                                              ? Expected<std::vector<ZooEntry>>(loadZooForFile(opts.model, &zooWarning))
                                              : loadZoo();
    if (!zoo) return Error{zoo.error()};
    if (!opts.model.empty()) {
        auto p = resolveModelFile(opts.model, "--model", *zoo);
        if (!p) return Error{p.error()};
        auto loc = located(*p, "--model", *zoo);
        loc.warning = zooWarning;
        if (loc.entry && loc.entry->style())
            return Error{"'" + opts.model + "' is a style network (models.yml kind: style): pass it as --style, and --model a network to visualise"};
        return loc;
    }
    if (const char* env = std::getenv("CNNSCOPE_MODEL"); env && *env) {
        auto p = resolveModelFile(env, "$CNNSCOPE_MODEL", *zoo);
        if (!p) return Error{p.error()};
        return located(*p, "CNNSCOPE_MODEL", *zoo);
    }
    // models/ first for every entry (in catalogue order), then the Keras cache for Keras files.
    for (const auto& dir : modelDirs())
        for (const ZooEntry& e : *zoo)
            if (const fs::path p = fs::path(dir) / e.file; !e.style() && isFile(p.string())) return ModelLocation{p.string(), "models/", e, {}};
    if (const std::string k = kerasHome(); !k.empty())
        for (const ZooEntry& e : *zoo)
            if (const fs::path p = fs::path(k) / e.file; e.framework == "keras" && isFile(p.string()))
                return ModelLocation{p.string(), "~/.keras/models/", e, {}};
    return ModelLocation{};
}

Model Model::fromSequential(const std::vector<SeqLayer>& layers, const std::string& title, const std::string& source) {
    installFastConv();
    Model m;
    m.m_title = title;
    m.m_source = source;
    m.m_kerasNames = true;
    for (const SeqLayer& l : layers) {
        cv::dnn::LayerParams lp;
        if (l.kind == SeqLayer::Kind::Conv) {
            lp.set("kernel_h", l.kh);
            lp.set("kernel_w", l.kw);
            lp.set("pad_h", l.kh / 2);
            lp.set("pad_w", l.kw / 2);
            lp.set("stride", 1);
            lp.set("num_output", l.outChannels);
            lp.set("bias_term", true);
            lp.blobs = {l.weights, l.bias};
            // The conv gets an internal name and the ReLU the Keras one: forward("block1_conv1")
            // returns the post-ReLU output like Keras, and OpenCV still fuses conv + ReLU.
            m.m_net.addLayerToPrev(l.name + "/conv", "Convolution", lp);
            cv::dnn::LayerParams relu;
            m.m_net.addLayerToPrev(l.name, "ReLU", relu);
        } else {
            lp.set("pool", "max");
            lp.set("kernel_size", l.kh);
            lp.set("stride", l.kh);
            lp.set("ceil_mode", false);  // Keras floors: 15x20 -> 7x10
            m.m_net.addLayerToPrev(l.name, "Pooling", lp);
        }
    }
    m.m_target = *chooseTarget("cpu");
    m.finishSetup();
    return m;
}

int Model::minInputSide() const {
    int side = 1;
    for (const auto& l : m_layers) side = std::max(side, l.stride);
    return side;
}

std::string Model::inputSizeProblem(cv::Size size) const {
    const int need = std::max(kMinInputSide, minInputSide());
    if (size.width >= need && size.height >= need) return {};
    std::string deepest;
    for (const auto& l : m_layers)
        if (l.stride == minInputSide()) { deepest = l.name; break; }
    return "input size " + std::to_string(size.width) + "x" + std::to_string(size.height) + " is too small for " + m_title +
           ": it needs at least " + std::to_string(need) + "x" + std::to_string(need) +
           (deepest.empty() ? std::string() : " (layer " + deepest + " has stride " + std::to_string(minInputSide()) + ")");
}

namespace {

// Refuses an input size whose forward OpenCV cannot run: a blob over 2^31 - 1 values, or more
// memory than the budget (checkMemory).
Status checkForwardSize(const std::vector<LayerInfo>& layers, cv::Size size, double bytes) {
    const std::string at = "input size " + std::to_string(size.width) + "x" + std::to_string(size.height);
    // OpenCV's dnn counts a blob's values in an int (total() of a MatShape): past 2^31 - 1 the
    // count wraps negative and its shape checks fail deep inside (`total(os[i]) > 0`).
    for (const auto& l : layers) {
        const double s = std::max(1, l.stride);
        const double values = double(l.shape.empty() ? 1 : l.shape[0]) * std::ceil(size.width / s) * std::ceil(size.height / s);
        if (values > double(std::numeric_limits<int>::max()))
            return Error{at + " is too large for this network: layer " + l.name + " would hold " +
                         cv::format("%.3g", values) + " values, more than OpenCV's dnn can count (2^31 - 1); choose a smaller --input-size"};
    }
    return checkMemory("the forward pass at " + at, bytes);
}

}  // namespace

// OpenCV's shape inference, its failures (a kernel larger than its input, a pool that leaves
// nothing, an index out of range) in the user's terms rather than as OpenCV's assertion.
void Model::shapesAt(cv::Size size) {
    try {
        computeShapes(m_net, m_layers, size);
    } catch (const cv::Exception& e) {
        // A blob over 2^31 - 1 values wraps OpenCV's int count and fails its shape checks: the
        // shapes at the smallest size that runs give the channels to say so in plain words.
        std::vector<LayerInfo> small = m_layers;
        try {
            const int side = std::max(kMinInputSide, minInputSide());
            computeShapes(m_net, small, {side, side});
        } catch (const cv::Exception&) {
            small.clear();
        }
        if (auto st = checkForwardSize(small, size, 0); !st) throw CoreError(st.error());
        throw CoreError("model '" + m_source + "' cannot run at input size " + std::to_string(size.width) + "x" +
                        std::to_string(size.height) + ": " + shortCvError(e) +
                        "; a layer's kernel, stride or shape does not fit (try another --input-size, or the file is corrupt)");
    }
}

void Model::finishSetup() {
    avoidNormFusionBug(m_net);
    m_layers = describeLayers(m_net, m_kerasNames);
    if (auto problem = inputSizeProblem(m_pre.size); !problem.empty()) throw CoreError(problem);
    shapesAt(m_pre.size);  // shapes only, nothing allocated
    if (auto st = checkForwardSize(m_layers, m_pre.size, forwardBytesEstimate(m_pre.size)); !st) throw CoreError(st.error());
    if (m_defaultLayer.empty() || !find(m_defaultLayer)) {
        m_defaultLayer.clear();
        for (const auto& l : m_layers)
            if (l.spatial() && l.name != "input") { m_defaultLayer = l.name; break; }
    }
}

Expected<Model> Model::load(const ModelOptions& opts, std::vector<std::string>* warnings) {
    return guard([&]() -> Expected<Model> {
        auto warn = [&](const std::string& w) { if (warnings) warnings->push_back(w); };
        std::optional<Model> model;
        std::optional<ZooEntry> entry;  // the models.yml entry of the file loaded, if any
        if (opts.untrained && !opts.model.empty())
            return Error{"--untrained and --model '" + opts.model + "' ask for two different networks: give one of them"};
        if (opts.untrained) {
            model = fromSequential(vgg19Untrained(opts.seed), "VGG19", "untrained (seeded He init)");
            model->m_untrained = true;
            if (opts.head) model->setKerasHead(vgg19UntrainedHead(opts.seed));
            warn("using an UNTRAINED VGG19 (seeded He init), as asked: maps show structure, not learned features");
        } else {
            auto loc = resolveModelPath(opts);
            if (!loc) return Error{loc.error()};
            if (loc->path.empty()) {
                model = fromSequential(vgg19Untrained(opts.seed), "VGG19", "untrained (seeded He init)");
                model->m_untrained = true;
                if (opts.head) model->setKerasHead(vgg19UntrainedHead(opts.seed));
                warn("no model weights found (--model, $CNNSCOPE_MODEL, models/, " + userModelsDir() +
                     ", ~/.keras/models/): using an UNTRAINED VGG19 (seeded He init); maps show structure, not learned "
                     "features. Get the article's weights (80 MB) with: cnnscope fetch");
            } else {
                entry = loc->entry;
                if (!loc->warning.empty()) warn(loc->warning);
                const std::string ext = lower(fs::path(loc->path).extension().string());
                if (ext == ".h5" || ext == ".hdf5" || ext == ".keras") {
                    SeqHead head;
                    auto layers = readKerasH5(loc->path, opts.head ? &head : nullptr);
                    if (!layers) return Error{layers.error()};
                    const std::string base = lower(fs::path(loc->path).filename().string());
                    const std::string title = entry && !entry->title.empty() ? entry->title
                                              : base.find("vgg19") != std::string::npos ? "VGG19" : "Keras model";
                    model = fromSequential(*layers, title, loc->path);
                    if (opts.head) model->setKerasHead(std::move(head));
                } else {
                    std::string config = opts.config;
                    if (config.empty() && entry && !entry->config.empty()) {
                        const fs::path sibling = fs::path(loc->path).parent_path() / entry->config;
                        if (!isFile(sibling.string()))
                            return Error{"model '" + loc->path + "' needs its config file '" + entry->config +
                                         "' next to it (or pass --config)"};
                        config = sibling.string();
                    }
                    if (ext == ".caffemodel" && config.empty())
                        return Error{"Caffe model '" + loc->path + "' needs its .prototxt: pass --config FILE"};
                    if (!config.empty() && !isFile(config)) return Error{"config file '" + config + "' does not exist"};
                    installFastConv();
                    auto net = readNetChecked(loc->path, config, "model '" + loc->path + "'");
                    if (!net) return Error{net.error()};
                    Model m;
                    m.m_net = *net;
                    m.m_title = entry && !entry->title.empty() ? entry->title : fs::path(loc->path).stem().string();
                    m.m_source = loc->path;
                    model = std::move(m);
                    if (!entry)
                        warn("no entry for '" + fs::path(loc->path).filename().string() +
                             "' in models/models.yml: using default preprocessing (224x224, BGR, Caffe ImageNet mean)");
                }
            }
        }
        Model& m = *model;
        if (!m.m_untrained)
            if (auto st = checkNetWeights(m.m_net, "model '" + m.m_source + "'"); !st) return Error{st.error()};
        if (entry) {
            m.m_pre = entry->pre;
            m.m_defaultLayer = entry->defaultLayer;
        }
        if (opts.inputSize.area() > 0) m.m_pre.size = opts.inputSize;
        m.finishSetup();  // before the target: its check runs every layer
        if (!m.m_kerasNames) m.findNetHead();
        else if (!opts.head && m.m_headProblem.empty())
            m.m_headProblem = "the classifier head of '" + m.m_source + "' was not loaded (ask for it with ModelOptions::head)";
        std::string note;
        if (auto st = m.setTarget(opts.target, &note); !st) return Error{st.error()};
        if (!note.empty()) warn(note);
        if (m.spatialLayerNames().empty())
            return Error{"model '" + m.m_source + "' has no layer with a (C,H,W) output to visualise at input size " +
                         std::to_string(m.m_pre.size.width) + "x" + std::to_string(m.m_pre.size.height)};
        return std::move(m);
    });
}

std::string Model::label() const { return m_untrained ? m_title + " [untrained]" : m_title; }

std::vector<std::string> Model::spatialLayerNames() const {
    std::vector<std::string> names;
    for (const auto& l : m_layers)
        if (l.spatial() && l.name != "input") names.push_back(l.name);
    return names;
}

const LayerInfo* Model::find(const std::string& name) const {
    for (const auto& l : m_layers)
        if (l.name == name) return &l;
    for (const auto& l : m_layers)  // OpenCV's own name, with or without "onnx_node!"
        if (layerMatches(l, name)) return &l;
    return nullptr;
}

Expected<const LayerInfo*> Model::requireSpatialLayer(const std::string& name) const {
    const LayerInfo* l = find(name);
    if (l && l->spatial() && l->name != "input") return l;
    std::string list;
    for (const auto& n : spatialLayerNames()) list += (list.empty() ? "" : ", ") + n;
    if (l) return Error{"layer '" + name + "' has no (C,H,W) output to show; valid layers: " + list};
    return Error{"unknown layer '" + name + "'; valid layers: " + list};
}

std::vector<std::string> Model::articleLayers() const {
    // A "block" is a run of conv layers at the same spatial size: keep its first and last.
    std::vector<std::string> out;
    std::vector<const LayerInfo*> run;
    auto flush = [&] {
        if (run.empty()) return;
        out.push_back(run.front()->name);
        if (run.size() > 1) out.push_back(run.back()->name);
        run.clear();
    };
    for (const auto& l : m_layers) {
        if (!l.spatial() || l.type.find("Conv") == std::string::npos) continue;
        if (!run.empty() && (run.back()->shape[1] != l.shape[1] || run.back()->shape[2] != l.shape[2])) flush();
        run.push_back(&l);
    }
    flush();
    return out;
}

Status Model::setInputSize(cv::Size size) {
    if (size.width < kMinInputSide || size.height < kMinInputSide || size.width > kMaxInputSide || size.height > kMaxInputSide)
        return Error{"input size " + std::to_string(size.width) + "x" + std::to_string(size.height) + " out of range (" +
                     std::to_string(kMinInputSide) + ".." + std::to_string(kMaxInputSide) + " per side)"};
    if (auto problem = inputSizeProblem(size); !problem.empty()) return Error{problem};
    if (auto st = checkForwardSize(m_layers, size, forwardBytesEstimate(size)); !st) return st;
    m_pre.size = size;
    return guard([&]() -> Status {
        shapesAt(m_pre.size);
        return {};
    });
}

Status Model::setTarget(const std::string& name, std::string* note) {
    auto choice = chooseTarget(name);
    if (!choice) return Error{choice.error()};
    m_target = *choice;
    Status st = guard([&]() -> Status {
        m_net.setPreferableBackend(m_target.backend);
        m_net.setPreferableTarget(m_target.target);
        if (m_target.actual == "cpu" || m_layers.empty()) return {};
        std::vector<std::string> names;  // every map, on a fixed frame: a device that computes wrong is refused
        for (const auto& l : m_layers)
            if (l.spatial() && l.name != "input") names.push_back(l.netName);
        checkTarget(m_net, preprocess(targetCheckFrame(m_pre.size), m_pre, m_buffers), names, m_target);
        return {};
    });
    if (note) *note = m_target.note;
    return st;
}

Status Model::forward(const cv::Mat& frame, const std::string& layer, cv::Mat& out) {
    if (frame.empty()) return Error{"empty frame"};
    auto l = requireSpatialLayer(layer);
    if (!l) return Error{l.error()};
    if (auto stages = executorStages({(*l)->netName}); !stages.empty()) {
        preprocess(frame, m_pre, m_buffers);
        m_scratch.resize(1);
        if (auto st = forwardExecutor(stages, {layer}, m_scratch); !st) return st;
        return copyFinite(m_scratch[0], out, "layer '" + layer + "'");
    }
    return guard([&]() -> Status {
        m_net.setInput(preprocess(frame, m_pre, m_buffers));
        cv::Mat r = m_net.forward((*l)->netName);  // aliases the net's blob: copy out before the next forward
        return copyFinite(r, out, "layer '" + layer + "'");
    });
}

Status Model::forward(const cv::Mat& frame, const std::vector<std::string>& layers, std::vector<cv::Mat>& outs) {
    if (frame.empty()) return Error{"empty frame"};
    m_names.clear();
    for (const auto& name : layers) {
        auto l = requireSpatialLayer(name);
        if (!l) return Error{l.error()};
        m_names.push_back((*l)->netName);
    }
    if (auto stages = executorStages(std::vector<std::string>(m_names.begin(), m_names.end())); !stages.empty()) {
        preprocess(frame, m_pre, m_buffers);
        m_scratch.resize(stages.size());
        if (auto st = forwardExecutor(stages, layers, m_scratch); !st) return st;
        outs.resize(stages.size());
        for (size_t i = 0; i < stages.size(); ++i)
            if (auto st = copyFinite(m_scratch[i], outs[i], "layer '" + layers[i] + "'"); !st) return st;
        return {};
    }
    return guard([&]() -> Status {
        m_net.setInput(preprocess(frame, m_pre, m_buffers));
        m_net.forward(m_scratch, m_names);
        outs.resize(m_scratch.size());
        for (size_t i = 0; i < m_scratch.size(); ++i) {
            if (auto st = copyFinite(m_scratch[i], outs[i], "layer '" + layers[i] + "'"); !st) return st;
        }
        return {};
    });
}

Status Model::forwardBlob(const cv::Mat& blob, const std::string& layer) {
    const LayerInfo* l = find(layer);
    if (!l) return Error{"unknown layer '" + layer + "'"};
    if (auto stages = executorStages({l->netName}); !stages.empty()) {
        blob.copyTo(m_buffers.blob);
        m_scratch.resize(1);
        return forwardExecutor(stages, {layer}, m_scratch);  // the layer made f32 NCHW: what a reader needs
    }
    return guard([&]() -> Status {
        m_net.setInput(blob);
        m_net.forward(l->netName);
        m_engine = "OpenCV dnn";
        return {};
    });
}

ConvReport Model::convReport() const {
    cv::dnn::Net net = m_net;  // a handle on the same net
    ConvReport report = cnnscope::convReport(net, m_target.actual == "cpu");
    executorReport(report);
    for (auto& row : report.layers)  // the names the catalogue shows (ONNX without "onnx_node!")
        for (const auto& l : m_layers)
            if (l.netName == row.name) row.name = l.name;
    return report;
}


double Model::forwardBytesEstimate(cv::Size size) const {
    // Every layer's output is a float blob of (C, H/stride, W/stride); OpenCV keeps them all (plus
    // the input and im2col scratch, about one more of the largest).
    double total = 3.0 * size.width * size.height * 4, largest = 0;
    for (const auto& l : m_layers) {
        const int c = l.shape.empty() ? 1 : l.shape[0];
        const double s = std::max(1, l.stride);
        const double b = double(c) * std::ceil(size.width / s) * std::ceil(size.height / s) * 4;
        total += b;
        largest = std::max(largest, b);
    }
    return total + largest * 9;
}

void Model::setKerasHead(SeqHead head) {
    m_kerasHead = std::move(head);
    m_headNet = cv::dnn::Net();
    m_classes = 0;
    if (m_kerasHead.dense.empty()) {
        m_headProblem = "model '" + m_source + "' has no classifier head (its layers stop at the last pooling layer, like the "
                        "notop VGG19 file): get the with-top VGG19 weights (548 MB) with `cnnscope fetch vgg19_keras_top` and "
                        "pass --model vgg19_keras_top";
        return;
    }
    // One InnerProduct per dense layer on the (1, C, H, W) map itself: OpenCV flattens it
    // channel-first, which is why fc1's rows were permuted from Keras's (h, w, c) order.
    for (const SeqLayer& d : m_kerasHead.dense) {
        cv::dnn::LayerParams lp;
        lp.set("num_output", d.outChannels);
        lp.set("bias_term", true);
        lp.set("axis", 1);
        lp.blobs = {d.weights, d.bias};
        m_headNet.addLayerToPrev(d.relu ? d.name + "/dense" : d.name, "InnerProduct", lp);
        if (d.relu) {
            cv::dnn::LayerParams relu;
            m_headNet.addLayerToPrev(d.name, "ReLU", relu);
        }
    }
    m_headNet.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    m_headNet.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    m_headInputNet = m_kerasHead.input;
    m_logitsName = m_logitsNet = m_kerasHead.dense.back().name;
    m_classes = m_kerasHead.dense.back().outChannels;
    m_headProblem.clear();
}

void Model::findNetHead() {
    m_classes = 0;
    m_headInputNet.clear();
    if (m_layers.size() < 2) {
        m_headProblem = "model '" + m_source + "' has no layers";
        return;
    }
    // The one layer that feeds `l`, in the catalogue (null when not exactly one).
    auto inputOf = [&](const LayerInfo* l) -> const LayerInfo* {
        const auto inputs = m_net.getLayerInputs(m_net.getLayerId(l->netName));
        if (inputs.size() != 1) return nullptr;
        for (const auto& c : m_layers)
            if (c.netName == inputs[0]->name) return &c;
        return nullptr;
    };
    // Graph outputs (the ONNX importer's Identity) and dropout change nothing; the logits are
    // what a final softmax reads.
    const LayerInfo* logits = &m_layers.back();
    bool softmax = false;
    while (logits && (logits->type == "Identity" || logits->type == "Dropout" || (!softmax && logits->type == "Softmax"))) {
        softmax = softmax || logits->type == "Softmax";
        logits = inputOf(logits);
    }
    if (!logits || logits->name == "input") {
        m_headProblem = "model '" + m_source + "' ends in layers whose input cannot be traced to one layer, so its logits are unknown";
        return;
    }
    int64_t values = 1;
    for (int v : logits->shape) values *= v;
    const bool scores = logits->shape.size() == 1 || (logits->shape.size() == 3 && logits->shape[1] == 1 && logits->shape[2] == 1);
    if (!scores || values < 2) {
        m_headProblem = "model '" + m_source + "' has no classifier head: its last layer '" + logits->name + "' gives " +
                        (logits->shape.empty() ? std::string("no known shape") : "shape " + shapeString(logits->shape)) +
                        ", not one score per class; give a classification network (e.g. the with-top VGG19: "
                        "`cnnscope fetch vgg19_keras_top`, then --model vgg19_keras_top)";
        return;
    }
    m_logitsNet = logits->netName;
    m_logitsName = logits->name;
    m_classes = int(values);
    m_headProblem.clear();
}

std::string Model::headSizeProblem() const {
    if (!hasHead()) return m_headProblem;
    if (m_headInputNet.empty()) return {};  // the net's own head: its shapes were checked at load
    const LayerInfo* in = find(m_kerasHead.input);
    if (!in) return "the classifier head reads layer '" + m_kerasHead.input + "', which the model does not have";
    const std::vector<int> want = {m_kerasHead.c, m_kerasHead.h, m_kerasHead.w};
    if (in->shape == want) return {};
    const int s = std::max(1, in->stride);
    return "the classifier head (" + m_kerasHead.dense.front().name + ", " + std::to_string(m_kerasHead.c * m_kerasHead.h * m_kerasHead.w) +
           " inputs) reads " + in->name + " as " + shapeString(want) + ", which input size " + std::to_string(want[2] * s) + "x" +
           std::to_string(want[1] * s) + " gives; input size " + std::to_string(m_pre.size.width) + "x" + std::to_string(m_pre.size.height) +
           " gives " + shapeString(in->shape) + ": use --input-size " + std::to_string(want[2] * s) + "x" + std::to_string(want[1] * s);
}

Status Model::logits(const cv::Mat& frame, cv::Mat& out) {
    if (frame.empty()) return Error{"empty frame"};
    if (!hasHead()) return Error{m_headProblem};
    if (auto p = headSizeProblem(); !p.empty()) return Error{p};
    return guard([&]() -> Status {
        m_net.setInput(preprocess(frame, m_pre, m_buffers));
        cv::Mat r;
        if (!m_headInputNet.empty()) {
            m_headNet.setInput(m_net.forward(m_headInputNet));
            r = m_headNet.forward();
        } else {
            r = m_net.forward(m_logitsNet);
        }
        if (int64_t(r.total()) != m_classes)
            return Error{"the logits layer '" + m_logitsName + "' gave " + std::to_string(r.total()) + " values, not " + std::to_string(m_classes)};
        return copyFinite(r.reshape(1, 1), out, "the logits ('" + m_logitsName + "')");
    });
}

int64_t Model::flopsTo(const std::string& layer) const {
    int64_t flops = 0;
    for (const auto& l : m_layers) {
        if (l.spatial() && l.type.find("Conv") != std::string::npos)
            flops += 2 * (l.params - l.channels()) * int64_t(l.shape[1]) * l.shape[2];
        if (layerMatches(l, layer)) break;
    }
    return flops;
}

}  // namespace cnnscope
