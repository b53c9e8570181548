// Image dimensions from the file header, without decoding (cv::imread decodes everything first).
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/core.hpp>

#include <cstddef>
#include <string>

namespace cnnscope {

struct ImageHeader {
    bool known = false;  // a format this reader understands (PNG, JPEG, BMP, GIF, PNM, WebP)
    std::string format;
    cv::Size size;       // valid when known
};

// Reads the size from the first bytes of a file (for JPEG the frame header may come after large
// metadata: pass up to a few hundred KB). Never reads past n; garbage gives known = false.
ImageHeader parseImageHeader(const unsigned char* data, size_t n);

// Refuses an image whose header declares more than maxImagePixels() before anything is decoded.
// Formats the reader does not know are left to OpenCV's own limit (CV_IO_MAX_IMAGE_PIXELS).
Status checkImageFileHeader(const std::string& path);

}  // namespace cnnscope
