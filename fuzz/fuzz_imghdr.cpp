// Fuzz target: image sizes read from headers before decoding (PNG, JPEG, BMP, GIF, PNM, WebP).
// Invariants: never reads past the input; a size it reports agrees with OpenCV's decoder whenever
// that decodes the same bytes (small claims only, so that each run stays fast).
#include "core/io/image_header.hpp"

#include <opencv2/imgcodecs.hpp>

#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // A copy of exactly `size` bytes, so ASan catches any read past the end.
    std::vector<unsigned char> bytes(data, data + size);
    const cnnscope::ImageHeader h = cnnscope::parseImageHeader(bytes.data(), bytes.size());
    if (!h.known) return 0;
    if (h.size.width < 0 || h.size.height < 0) std::abort();
    if (double(h.size.width) * h.size.height <= 1 << 16 && (h.format == "PNG" || h.format == "GIF" || h.format == "BMP")) {
        cv::Mat img;
        try {
            img = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
        } catch (const cv::Exception&) {
        }
        if (!img.empty() && img.size() != h.size) std::abort();
    }
    return 0;
}
