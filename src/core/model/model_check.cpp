// readNetChecked: the one door from a model file to cv::dnn (see model_check.hpp).
#include "core/model/model_check.hpp"

#include "core/base/parse.hpp"

#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;

namespace cnnscope {

namespace {

std::string ext(const std::string& path) { return lower(fs::path(path).extension().string()); }

const char* depthName(int depth) {
    switch (depth) {
    case CV_8U: return "uint8";
    case CV_8S: return "int8";
    case CV_16U: return "uint16";
    case CV_16S: return "int16";
    case CV_32S: return "int32";
    case CV_32F: return "float32";
    case CV_64F: return "float64";
    case CV_16F: return "float16";
    default: return "unknown";
    }
}

bool weighted(const std::string& type) {
    return type == "Convolution" || type == "Deconvolution" || type == "InnerProduct" || type == "BatchNorm" || type == "Scale";
}

// OpenCV's error in the user's terms: the node it was importing (ONNX: "> Node [Op@domain]:
// (onnx_node!name) parse error: OpenCV(4.6.0) file.cpp:N: error: (-215:Assertion failed) expr in
// function") and what it checked, without source files, line numbers or versions.
}  // namespace

std::string shortCvError(const cv::Exception& e) {
    std::string s = e.err.empty() ? std::string(e.what()) : e.err;
    std::string node;
    if (auto n = s.find("> Node ["); n != std::string::npos) {
        const auto at = s.find_first_of("@]", n + 8);
        const std::string op = s.substr(n + 8, at == std::string::npos ? 0 : at - n - 8);
        std::string name;
        if (auto o = s.find("(onnx_node!", n); o != std::string::npos) name = s.substr(o + 11, s.find(')', o) - o - 11);
        node = "node '" + shownName(name) + "' (" + shownName(op) + "): ";
    }
    if (auto a = s.rfind("error: ("); a != std::string::npos) {
        s = s.substr(a + 8);
        if (auto close = s.find(") "); close != std::string::npos) s = s.substr(close + 2);
    }
    if (s.rfind("in function ", 0) == 0) {  // CV_Check*: "in function 'f'\n> (expected: 'a > b'), where\n>     'a' is 0"
        const auto nl = s.find('\n');
        std::string checks;
        for (size_t i = nl == std::string::npos ? s.size() : nl; i < s.size(); ++i) {
            if (s[i] == '\n' || (s[i] == '>' && (i == 0 || s[i - 1] == '\n'))) continue;
            if (s[i] == ' ' && !checks.empty() && checks.back() == ' ') continue;
            checks += s[i];
        }
        s = checks.empty() ? std::string("an internal check") : checks.substr(checks.find_first_not_of(' '));
    }
    if (auto fn = s.find(" in function "); fn != std::string::npos) s.resize(fn);
    if (auto r = s.find("read error: read "); r != std::string::npos)  // Torch7
        return "the file ends early (read " + s.substr(r + 17) + "): it is truncated";
    if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
    if (s.size() > 160) s = s.substr(0, 160) + "...";
    return node.empty() ? s : node + "OpenCV 4.6 does not accept its inputs or attributes (it checks: " + s + ")";
}


std::string shownName(const std::string& name) {
    std::string out;
    const auto* p = reinterpret_cast<const unsigned char*>(name.data());
    const size_t n = name.size();
    auto hex = [&](unsigned char c) {
        static const char* digits = "0123456789abcdef";
        out += "\\x";
        out += digits[c >> 4];
        out += digits[c & 15];
    };
    for (size_t i = 0; i < n && out.size() < 120;) {
        const unsigned char c = p[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = len > 0 && i + len <= n && !(c >= 0x80 && c < 0xc2) && c <= 0xf4;
        for (size_t k = 1; ok && k < len; ++k) ok = (p[i + k] & 0xc0) == 0x80;
        if (!ok || c < 0x20 || c == 0x7f) { hex(c); ++i; continue; }
        out.append(name, i, len);
        i += len;
    }
    if (out.size() >= 120 && n > out.size()) out += "...";
    return out;
}

Status checkLoadedNet(const cv::dnn::Net& netIn) {
    return guard([&]() -> Status {
        cv::dnn::Net net = netIn;  // a handle on the same net
        for (const auto& name : net.getLayerNames()) {
            cv::Ptr<cv::dnn::Layer> layer = net.getLayer(name);
            if (!layer || !weighted(layer->type)) continue;
            const std::string shown = shownName(name.rfind("onnx_node!", 0) == 0 ? name.substr(10) : std::string(name));
            if ((layer->type == "Convolution" || layer->type == "Deconvolution") &&
                (layer->blobs.empty() || layer->blobs[0].empty()))
                return Error{"layer '" + shown + "' (" + layer->type + ") has no weights in the file; the file is incomplete "
                             "or its weights do not match the network description"};
            for (const cv::Mat& b : layer->blobs)
                if (!b.empty() && b.depth() != CV_32F)
                    return Error{"layer '" + shown + "' (" + layer->type + ") holds " + depthName(b.depth()) +
                                 " weights; OpenCV runs float32 weights only: convert the model to float32"};
        }
        return {};
    });
}

Status checkDarknetWeights(const std::string& weights, const cv::dnn::Net& netIn) {
    return guard([&]() -> Status {
        std::error_code ec;
        const uint64_t size = fs::file_size(weights, ec);
        if (ec) return Error{"cannot read Darknet weights '" + weights + "'"};
        int32_t head[3] = {};
        FILE* f = std::fopen(weights.c_str(), "rb");
        if (!f) return Error{"cannot open Darknet weights '" + weights + "'"};
        const size_t got = std::fread(head, sizeof(int32_t), 3, f);
        std::fclose(f);
        const uint64_t header = 12 + ((int64_t(head[0]) * 10 + head[1]) >= 2 ? 8 : 4);
        if (got != 3 || size < header)
            return Error{"Darknet weights '" + weights + "' are " + std::to_string(size) + " bytes, shorter than their " +
                         std::to_string(header) + "-byte header; the file is truncated: download it again"};
        // OpenCV reads, per layer in order, exactly the floats its blobs hold (a batch-normalised
        // conv's bias, scale, mean and variance are the BatchNorm layer's four blobs).
        cv::dnn::Net net = netIn;
        uint64_t need = 0;
        for (const auto& name : net.getLayerNames()) {
            cv::Ptr<cv::dnn::Layer> layer = net.getLayer(name);
            if (!layer || !weighted(layer->type)) continue;
            for (const cv::Mat& b : layer->blobs) need += b.total();
        }
        const uint64_t have = (size - header) / 4;
        if (have < need)
            return Error{"Darknet weights '" + weights + "' hold " + std::to_string(have) + " weights but the network in its "
                         ".cfg needs " + std::to_string(need) + " (" + std::to_string(header + need * 4) +
                         " bytes); the file is truncated or belongs to another .cfg: download it again"};
        return {};
    });
}

Expected<cv::dnn::Net> readNetChecked(const std::string& path, const std::string& config, const std::string& what) {
    const std::string e = ext(path);
    if (e == ".onnx")
        if (auto st = checkOnnxFile(path); !st) return Error{"cannot read " + what + ": " + st.error()};
    for (const std::string& file : {path, config}) {
        Status st;
        if (ext(file) == ".caffemodel") st = checkCaffeModel(file);
        else if (ext(file) == ".pb") st = checkTensorflowGraph(file);
        if (!st) return Error{"cannot read " + what + ": " + st.error()};
    }
    cv::dnn::Net net;
    try {
        net = cv::dnn::readNet(path, config);
    } catch (const cv::Exception& ex) {
        return Error{"cannot read " + what + ": OpenCV could not import it (" + shortCvError(ex) +
                     "); is it an ONNX, Caffe, TensorFlow, Torch7 or Darknet file, complete and uncorrupted?"};
    } catch (const std::exception& ex) {
        return Error{"cannot read " + what + ": " + ex.what()};
    }
    if (net.empty()) return Error{"cannot read " + what + ": OpenCV returned an empty network"};
    const std::string ce = ext(config);
    if (e == ".weights" || ce == ".weights")
        if (auto st = checkDarknetWeights(e == ".weights" ? path : config, net); !st)
            return Error{"cannot read " + what + ": " + st.error()};
    if (auto st = checkLoadedNet(net); !st) return Error{"cannot read " + what + ": " + st.error()};
    return net;
}

}  // namespace cnnscope
