#include "core/model/style.hpp"

#include "core/model/conv_mode.hpp"
#include "core/model/model_check.hpp"
#include "core/base/finite.hpp"
#include "core/model/model.hpp"
#include "core/base/parse.hpp"

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <filesystem>

namespace fs = std::filesystem;

namespace cnnscope {

namespace {
constexpr int kDefaultWorkWidth = 320;  // fast-neural-style on 2 CPU cores: a few frames per second
}

ZooEntry defaultStyleEntry(const std::string& path) {
    ZooEntry e;
    e.kind = "style";
    e.file = fs::path(path).filename().string();
    e.name = fs::path(path).stem().string();
    e.title = e.name;
    e.pre.size = cv::Size();
    e.pre.scale = 1.0;
    if (lower(fs::path(path).extension().string()) == ".onnx") {
        e.framework = "onnx";
        e.pre.mean = cv::Scalar(0, 0, 0);
        e.pre.swapRB = true;
        e.outMean = cv::Scalar(0, 0, 0);
    } else {
        e.framework = "torch";
        e.pre.mean = cv::Scalar(103.939, 116.779, 123.68);
        e.outMean = e.pre.mean;
    }
    return e;
}

Expected<StyleStage> StyleStage::load(const StyleOptions& opts, std::vector<std::string>* warnings) {
    return guard([&]() -> Expected<StyleStage> {
        std::string zooWarning;
        std::error_code ec;
        Expected<std::vector<ZooEntry>> zoo = fs::is_regular_file(opts.style, ec)
                                                  ? Expected<std::vector<ZooEntry>>(loadZooForFile(opts.style, &zooWarning))
                                                  : loadZoo();
        if (!zoo) return Error{zoo.error()};
        if (!zooWarning.empty() && warnings) warnings->push_back(zooWarning);
        auto path = resolveModelFile(opts.style, "--style", *zoo);
        if (!path) return Error{path.error()};
        const ZooEntry* known = findZooEntry(*zoo, *path);
        if (known && !known->style())
            return Error{"'" + opts.style + "' is not a style network (its models.yml entry has no 'kind: style'); give it as --model"};
        ZooEntry entry = known ? *known : defaultStyleEntry(*path);
        if (!known && warnings)
            warnings->push_back("no models.yml entry for style network '" + fs::path(*path).filename().string() + "': using " +
                                (entry.framework == "onnx" ? "ONNX fast-neural-style processing (RGB 0..255 in and out)"
                                                           : "Torch fast-neural-style processing (BGR minus the ImageNet mean, added back)"));
        installFastConv();
        auto read = readNetChecked(*path, "", "style network '" + *path + "'");
        if (!read) return Error{read.error()};
        cv::dnn::Net net = *read;
        if (auto st = checkNetWeights(net, "style network '" + *path + "'"); !st) return Error{st.error()};
        StyleStage s = fromNet(net, entry, opts.workSize, entry.title.empty() ? entry.name : entry.title);
        s.m_source = *path;
        auto choice = chooseTarget(opts.target);
        if (!choice) return Error{choice.error()};
        s.m_target = *choice;
        if (!choice->note.empty() && warnings) warnings->push_back("style network: " + choice->note);
        s.m_net.setPreferableBackend(choice->backend);
        s.m_net.setPreferableTarget(choice->target);
        // One small trial run, so that a network that is not image-to-image fails here, not mid-stream.
        const cv::Mat probe(64, 64, CV_8UC3, cv::Scalar(90, 120, 150));
        cv::Mat out;
        if (auto st = s.applyAt(probe, s.m_entry.pre.size.area() > 0 ? s.m_entry.pre.size : probe.size(), out); !st)
            return Error{st.error()};
        return s;
    });
}

StyleStage StyleStage::fromNet(cv::dnn::Net net, const ZooEntry& entry, cv::Size workSize, const std::string& label) {
    StyleStage s;
    s.m_net = std::move(net);
    avoidNormFusionBug(s.m_net);
    s.m_entry = entry;
    s.m_workSize = workSize;
    s.m_label = label;
    s.m_source = entry.file;
    s.m_target = *chooseTarget("cpu");
    return s;
}

cv::Size StyleStage::runSize(cv::Size frame) const {
    if (m_entry.pre.size.area() > 0) return m_entry.pre.size;  // a network with a fixed input
    if (m_workSize.area() > 0) return m_workSize;
    if (frame.width <= kDefaultWorkWidth) return frame;
    const int h = std::max(1, int(std::lround(double(frame.height) * kDefaultWorkWidth / frame.width)));
    return {kDefaultWorkWidth, h};
}

Status StyleStage::apply(const cv::Mat& frame, cv::Mat& out) { return applyAt(frame, runSize(frame.size()), out); }

Status StyleStage::applyAt(const cv::Mat& frame, cv::Size size, cv::Mat& out) {
    if (frame.empty() || frame.depth() != CV_8U) return Error{"style network '" + m_source + "': needs an 8-bit frame"};
    const auto t0 = std::chrono::steady_clock::now();
    Status st = guard([&]() -> Status {
        Preprocess pre = m_entry.pre;
        pre.size = size;
        m_net.setInput(preprocess(frame, pre, m_buffers));
        cv::Mat y = m_net.forward();
        if (y.dims != 4 || y.size[0] != 1 || y.size[1] != 3 || y.size[2] < 1 || y.size[3] < 1) {
            std::string shape = "(";
            for (int i = 0; i < y.dims; ++i) shape += (i ? ", " : "") + std::to_string(y.size[i]);
            return Error{"outputs " + shape + "), not an image (1, 3, H, W): is it an image-to-image (style) network?"};
        }
        if (auto fin = checkFinite(y, "its output"); !fin) return fin;
        const int H = y.size[2], W = y.size[3];
        // Planes come out in the network's channel order: RGB when the entry says rgb: 1.
        for (int c = 0; c < 3; ++c) {
            const int dst = m_entry.pre.swapRB ? 2 - c : c;
            cv::Mat plane(H, W, CV_32F, y.ptr<float>(0, c));
            plane.convertTo(m_planes[dst], CV_8U, m_entry.outScale, m_entry.outMean[c]);  // saturates to 0..255
        }
        cv::merge(m_planes, 3, m_merged);
        if (m_merged.size() == frame.size()) m_merged.copyTo(out);
        else cv::resize(m_merged, out, frame.size(), 0, 0, cv::INTER_LINEAR);
        m_lastMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        return {};
    });
    if (!st) return Error{"style network '" + m_source + "': " + st.error()};  // every caller's errors name the file
    return st;
}

}  // namespace cnnscope
