// NumPy .npy writer/reader.
#include "core/io/npy.hpp"

#include "core/io/atomic_file.hpp"

#include <cstdio>
#include <cstring>

namespace cnnscope {

std::string npyHeader(const std::vector<int>& shape) {
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
    for (size_t i = 0; i < shape.size(); ++i) dict += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? ", " : "");
    dict += "), }";
    // magic(6) + version(2) + len(2) + dict + padding + '\n' is a multiple of 64.
    size_t total = 10 + dict.size() + 1;
    dict.append((64 - total % 64) % 64, ' ');
    dict += '\n';
    std::string h = "\x93NUMPY";
    h += char(1);
    h += char(0);
    const uint16_t len = uint16_t(dict.size());
    h += char(len & 0xff);
    h += char(len >> 8);
    return h + dict;
}

Status writeNpy(const std::string& path, const cv::Mat& a) {
    if (a.type() != CV_32F || !a.isContinuous()) return Error{"internal: .npy writer needs a continuous float32 array"};
    auto file = AtomicFile::create(path);
    if (!file) return Error{file.error()};
    std::vector<int> shape(a.size.p, a.size.p + a.dims);
    const std::string header = npyHeader(shape);
    FILE* f = ::fdopen(file->takeFd(), "wb");  // the exclusively created temporary, not reopened by name
    if (!f) return Error{"cannot create '" + path + "': " + std::strerror(errno)};
    const size_t bytes = a.total() * sizeof(float);
    errno = 0;
    bool ok = std::fwrite(header.data(), 1, header.size(), f) == header.size() && std::fwrite(a.data, 1, bytes, f) == bytes;
    int err = errno;
    ok = (std::fclose(f) == 0) && ok;
    if (!err) err = errno;
    if (!ok) return Error{"cannot write '" + path + "': " + writeFailureReason(file->tempPath(), err) + "; nothing was left behind"};
    return file->commit();
}

Expected<cv::Mat> parseNpy(const std::string& b) {
    if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) return Error{"not a .npy file"};
    const size_t len = size_t(uint8_t(b[8])) | (size_t(uint8_t(b[9])) << 8);
    if (b[6] != 1 || 10 + len > b.size()) return Error{"unsupported or truncated .npy header"};
    const std::string dict = b.substr(10, len);
    if (dict.find("'descr': '<f4'") == std::string::npos || dict.find("'fortran_order': False") == std::string::npos)
        return Error{".npy is not little-endian float32 in C order"};
    const auto open = dict.find("'shape': (");
    const auto close = dict.find(')', open);
    if (open == std::string::npos || close == std::string::npos) return Error{".npy header has no shape"};
    std::vector<int> shape;
    size_t total = 1;
    const std::string inner = dict.substr(open + 10, close - open - 10);
    size_t pos = 0;
    while (pos < inner.size()) {
        while (pos < inner.size() && (inner[pos] == ' ' || inner[pos] == ',')) ++pos;
        if (pos >= inner.size()) break;
        size_t used = 0;
        long v = 0;
        try {
            v = std::stol(inner.substr(pos), &used);
        } catch (...) {
            return Error{".npy shape is malformed"};
        }
        if (v < 0 || v > (1 << 24) || shape.size() >= 8) return Error{".npy shape is out of range"};
        shape.push_back(int(v));
        total *= size_t(v);
        if (total > (size_t(1) << 31)) return Error{".npy array too large"};
        pos += used;
    }
    if (shape.empty()) shape.push_back(1);
    if (total == 0) return Error{".npy array has no elements"};
    if (b.size() - 10 - len != total * sizeof(float)) return Error{".npy data size does not match its shape"};
    cv::Mat m(int(shape.size()), shape.data(), CV_32F);
    if (total) std::memcpy(m.data, b.data() + 10 + len, total * sizeof(float));
    return m;
}

}  // namespace cnnscope
