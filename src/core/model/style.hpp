// The style stage: an image-to-image network (fast-neural-style .t7, or its ONNX versions) run
// with OpenCV dnn on each frame before the visualised network sees it. Pre- and post-processing
// are data (models/models.yml, kind: style), with defaults by file type for files not listed.
#pragma once

#include "core/model/backend.hpp"
#include "core/base/expected.hpp"
#include "core/model/model_zoo.hpp"
#include "core/model/preprocess.hpp"

#include <opencv2/dnn.hpp>

#include <string>
#include <vector>

namespace cnnscope {

struct StyleOptions {
    std::string style;     // path or models.yml name (kind: style)
    cv::Size workSize;     // size the network runs at when the model does not fix one; 0x0: 320x240-ish
    std::string target = "cpu";
};

// Pre/post-processing of a style network when models.yml has no entry for its file: Johnson's
// Torch models take BGR minus the ImageNet mean and return it; ONNX ones take and return RGB 0..255.
ZooEntry defaultStyleEntry(const std::string& path);

class StyleStage {
public:
    static Expected<StyleStage> load(const StyleOptions& opts, std::vector<std::string>* warnings = nullptr);
    // A stage around a network built in code (tests), with the entry's processing.
    static StyleStage fromNet(cv::dnn::Net net, const ZooEntry& entry, cv::Size workSize, const std::string& label);

    // Stylises an 8-bit gray/BGR/BGRA frame into `out` (8-bit BGR, the frame's size), running the
    // network at runSize(). Errors name the network's file. Not thread-safe: one caller at a time.
    Status apply(const cv::Mat& frame, cv::Mat& out);

    const std::string& label() const { return m_label; }    // e.g. "starry_night"
    const std::string& source() const { return m_source; }  // the file
    cv::Size runSize(cv::Size frame) const;                 // the size the network runs at
    const TargetChoice& target() const { return m_target; }
    double lastMs() const { return m_lastMs; }

private:
    StyleStage() = default;
    Status applyAt(const cv::Mat& frame, cv::Size size, cv::Mat& out);
    cv::dnn::Net m_net;
    ZooEntry m_entry;
    cv::Size m_workSize;
    std::string m_label, m_source;
    TargetChoice m_target;
    PreprocessBuffers m_buffers;
    cv::Mat m_planes[3], m_merged;
    double m_lastMs = 0;
};

}  // namespace cnnscope
