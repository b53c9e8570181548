// Class names and top-K scores.
#include "core/model/classifier.hpp"

#include "core/model/model_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>

namespace cnnscope {

namespace {

constexpr std::uintmax_t kMaxLabelsBytes = 64u << 20;  // ImageNet's list is 31 KB

}  // namespace

std::string imageNetLabelsPath() {
    if (const char* p = std::getenv("CNNSCOPE_IMAGENET_LABELS"); p && *p) return p;
    return "/usr/share/doc/opencv-doc/examples/data/dnn/classification_classes_ILSVRC2012.txt";
}

Expected<std::vector<std::string>> loadClassLabels(const std::string& labelsFile, int classes) {
    namespace fs = std::filesystem;
    const bool imagenet = labelsFile.empty();
    if (imagenet && classes != kImageNetClasses)
        return Error{"the model has " + std::to_string(classes) + " classes, not ImageNet's " + std::to_string(kImageNetClasses) +
                     ": pass --labels FILE with its " + std::to_string(classes) + " class names, one per line"};
    const std::string path = imagenet ? imageNetLabelsPath() : labelsFile;
    const std::string what = imagenet ? "ImageNet's class names '" + path + "'" : "--labels '" + path + "'";
    std::error_code ec;
    if (!fs::exists(path, ec))
        return Error{imagenet ? what + " not found: install them with `sudo apt install opencv-doc` (OpenCV's samples ship "
                                       "classification_classes_ILSVRC2012.txt), or pass --labels FILE"
                              : what + " does not exist"};
    if (!fs::is_regular_file(path, ec)) return Error{what + " is not a regular file; give a text file with one class name per line"};
    if (const auto size = fs::file_size(path, ec); !ec && size > kMaxLabelsBytes)
        return Error{what + " is " + std::to_string(size >> 20) + " MB, too large for a list of class names (one per line)"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{what + " cannot be read (permissions?)"};
    std::vector<std::string> names;
    std::string line;
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
        names.push_back(line);
        if (names.size() > size_t(classes) + 1) break;
    }
    if (in.bad()) return Error{what + " could not be read to the end (I/O error)"};
    while (!names.empty() && names.back().empty() && names.size() > size_t(classes)) names.pop_back();
    if (names.size() != size_t(classes))
        return Error{what + " has " + (names.size() > size_t(classes) ? "more than " + std::to_string(classes) : std::to_string(names.size())) +
                     " names but the model has " + std::to_string(classes) + " classes; give a file with one name per class, one per line, in the model's index order"};
    for (auto& n : names)
        if (n.empty()) n = "(unnamed)";
    return names;
}

std::vector<ClassScore> topClasses(const cv::Mat& logits, int k, const std::vector<std::string>& labels) {
    cv::Mat flat = logits.isContinuous() ? logits.reshape(1, 1) : logits.clone().reshape(1, 1);
    const int n = int(flat.total());
    const float* z = flat.ptr<float>();
    double top = -INFINITY;
    for (int i = 0; i < n; ++i) top = std::max(top, double(z[i]));
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += std::exp(double(z[i]) - top);
    std::vector<int> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    k = std::clamp(k, 0, n);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int a, int b) { return z[a] > z[b] || (z[a] == z[b] && a < b); });
    std::vector<ClassScore> out;
    for (int j = 0; j < k; ++j) {
        const int i = order[size_t(j)];
        ClassScore s;
        s.index = i;
        s.label = size_t(i) < labels.size() ? labels[size_t(i)] : "class " + std::to_string(i);
        s.logit = z[i];
        s.probability = std::exp(double(z[i]) - top) / sum;
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace cnnscope
