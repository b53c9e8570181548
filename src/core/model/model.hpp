// Model loading (Keras .h5 or anything cv::dnn::readNet reads), forward-to-layer, results owned
// by the caller in reused buffers.
#pragma once

#include "core/model/backend.hpp"
#include "core/model/catalogue.hpp"
#include "core/model/conv_mode.hpp"
#include "core/base/expected.hpp"
#include "core/model/keras_h5.hpp"
#include "core/model/model_zoo.hpp"
#include "core/model/preprocess.hpp"
#include "core/model/precision.hpp"

#include <opencv2/dnn.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cnnscope {

constexpr uint64_t kUntrainedSeed = 19;

struct ModelOptions {
    std::string model;        // path or models.yml name; empty: search (see resolveModelPath)
    std::string config;       // second file for Caffe/Darknet when not next to the weights
    bool untrained = false;   // ask for the untrained VGG19 explicitly
    cv::Size inputSize;       // 0x0: the model's own default (224x224 for VGG19)
    std::string target = "cpu";
    uint64_t seed = kUntrainedSeed;
    // Load the classifier head as well: a with-top Keras file's dense layers (548 MB for VGG19,
    // so only commands that classify ask), an untrained head for the untrained VGG19. Other
    // formats carry their head in the net and have it either way.
    bool head = false;
};

// Where the weights come from: --model, then $CNNSCOPE_MODEL, then models/, then ~/.keras/models/.
// Empty when nothing is found (the caller falls back to the untrained VGG19).
struct ModelLocation {
    std::string path;
    std::string how;                // "--model", "CNNSCOPE_MODEL", "models/", "~/.keras/models/"
    std::optional<ZooEntry> entry;  // the models.yml entry whose file this is, if any
    std::string warning;            // a catalogue that could not be read but was not needed
};
Expected<ModelLocation> resolveModelPath(const ModelOptions& opts);
// A path, or a models.yml name whose file is in models/ or ~/.keras/models/; `from` names the
// option in errors ("--model", "--style").
Expected<std::string> resolveModelFile(const std::string& what, const std::string& from, const std::vector<ZooEntry>& zoo);

// OpenCV 4.6 (Debian 12) fuses an MVN layer with the BatchNorm after it and still runs the
// BatchNorm: instance normalisation (Torch nn.InstanceNormalization, ONNX InstanceNormalization)
// then applies its scale twice and its shift as beta * (1 + gamma). Turns fusion off for nets
// that have MVN layers (found by tests/e2e/test_style.py against a numpy computation).
void avoidNormFusionBug(cv::dnn::Net& net);
// After a layer's blobs were changed in place (ablation): the net sets itself up again from them
// at the next forward, and the oneDNN convolutions drop their reordered weights.
void resetNetSetup(cv::dnn::Net& net);

class Model {
public:
    // Loads per opts. Warnings (untrained fallback, target fallback) are appended to *warnings.
    static Expected<Model> load(const ModelOptions& opts, std::vector<std::string>* warnings = nullptr);
    // Builds a net from a sequential layer list (used for Keras files and the untrained VGG19).
    static Model fromSequential(const std::vector<SeqLayer>& layers, const std::string& title, const std::string& source);

    const std::string& title() const { return m_title; }       // e.g. "VGG19"
    const std::string& source() const { return m_source; }     // file path or "untrained (seeded He init)"
    bool untrained() const { return m_untrained; }
    std::string label() const;                                  // title + " [untrained]" when it is
    const Preprocess& preprocessing() const { return m_pre; }
    const TargetChoice& target() const { return m_target; }
    const std::string& defaultLayer() const { return m_defaultLayer; }

    // Catalogue at the current input size. All rows, and those with a (C,H,W) output.
    const std::vector<LayerInfo>& layers() const { return m_layers; }
    std::vector<std::string> spatialLayerNames() const;
    const LayerInfo* find(const std::string& name) const;
    // The layer or an error listing the valid names.
    Expected<const LayerInfo*> requireSpatialLayer(const std::string& name) const;
    // The article's figure set: first and last conv layer of each block; empty without conv layers.
    std::vector<std::string> articleLayers() const;

    // The smallest input side that reaches every layer (the largest stride, 32 for VGG19).
    int minInputSide() const;
    // Empty when `size` reaches every layer, else a message naming the minimum.
    std::string inputSizeProblem(cv::Size size) const;
    // Bytes a forward pass at `size` allocates, from the layers' shapes (checked against the budget).
    double forwardBytesEstimate(cv::Size size) const;
    Status setInputSize(cv::Size size);
    Status setTarget(const std::string& name, std::string* note = nullptr);

    // Runs the net on a frame up to `layer` only and copies its (1,C,H,W) output into `out`,
    // reusing out's memory when the shape is unchanged. Not thread-safe: one caller at a time.
    Status forward(const cv::Mat& frame, const std::string& layer, cv::Mat& out);
    // Several layers in one pass (e.g. every conv output of a frame for caching).
    Status forward(const cv::Mat& frame, const std::vector<std::string>& layers, std::vector<cv::Mat>& outs);

    // The bare network: setInput(blob) + forward(layer), nothing copied out (benchmarks).
    Status forwardBlob(const cv::Mat& blob, const std::string& layer);
    // The preprocessed blob of a frame (benchmarks feed it to forwardBlob).
    const cv::Mat& preprocessFrame(const cv::Mat& frame) { return preprocess(frame, m_pre, m_buffers); }

    int64_t flopsTo(const std::string& layer) const;

    // What runs on each convolution layer (oneDNN Winograd/direct or OpenCV's) at the current
    // input size, target and conv mode: what ran at the last forward, else what will run. Call it
    // from the thread that runs forward (the report reads layer state set up there).
    ConvReport convReport() const;  // 2 x multiply-adds of convs up to the layer

    // The precision the next forward runs in (the process-wide request, resolved).
    PrecisionChoice precisionChoice() const { return currentPrecision(); }
    // What ran the last forward: "oneDNN executor, bf16" or "OpenCV dnn" with the reason when the
    // executor could not take it. Empty before the first forward.
    const std::string& engine() const { return m_engine; }

    // After net()'s weights were changed in place (channel ablation): the executor, which keeps
    // its own copy in its layout, is rebuilt at the next forward.
    void weightsChanged();

    // The network itself, for code that reads its layers and weights (the backward engine).
    cv::dnn::Net& net() { return m_net; }

    // The classifier head: what turns the maps into class scores. A Keras file's dense layers
    // (loaded with ModelOptions::head), else the net's own last layer when it gives one value per
    // class (a trailing Softmax is skipped: the logits are its input).
    bool hasHead() const { return m_classes > 0; }
    // Why there is no head (one sentence with the way to get one); empty when there is.
    const std::string& headProblem() const { return m_headProblem; }
    int classCount() const { return m_classes; }
    // Where the logits come from, for messages and captions ("predictions", "classifier.3").
    const std::string& logitsLayer() const { return m_logitsName; }
    // The with-top Keras head as read (empty dense list for other models).
    const SeqHead& kerasHead() const { return m_kerasHead; }
    // Empty when the head can run at the current input size, else why not and the size it takes.
    std::string headSizeProblem() const;
    // The logits of a frame, (1, classes) CV_32F, before any softmax; reuses out's memory.
    Status logits(const cv::Mat& frame, cv::Mat& out);

    ~Model();
    Model(Model&&) noexcept;
    Model& operator=(Model&&) noexcept;

private:
    Model();
    struct Exec;
    // The executor's stages for these net layers when it can run them all (building or
    // rebuilding it for the current precision and conv mode), else empty with m_engine saying why.
    std::vector<size_t> executorStages(const std::vector<std::string>& netNames);
    Status forwardExecutor(const std::vector<size_t>& stages, const std::vector<std::string>& what, std::vector<cv::Mat>& outs);
    void executorReport(ConvReport& report) const;
    void finishSetup();
    void shapesAt(cv::Size size);  // computeShapes, OpenCV's failures as one CoreError
    void setKerasHead(SeqHead head);
    void findNetHead();            // the head of a net OpenCV imported

    cv::dnn::Net m_net;
    std::string m_title, m_source, m_defaultLayer;
    bool m_untrained = false;
    bool m_kerasNames = false;
    Preprocess m_pre;
    TargetChoice m_target;
    std::vector<LayerInfo> m_layers;
    PreprocessBuffers m_buffers;
    std::vector<cv::Mat> m_scratch;
    std::vector<cv::String> m_names;
    // The head: a Keras file's dense layers run as a net of their own on m_headInput's map, or
    // the main net's m_logitsNet.
    SeqHead m_kerasHead;
    cv::dnn::Net m_headNet;
    std::string m_headInputNet, m_logitsNet, m_logitsName, m_headProblem;
    int m_classes = 0;
    std::unique_ptr<Exec> m_exec;
    std::string m_engine;
};

}  // namespace cnnscope
