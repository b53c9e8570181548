// Animated GIF writer: giflib for the file, libimagequant for a good per-frame palette.
// Written under a temporary name and renamed on finish(); an unfinished writer leaves nothing.
#pragma once

#include "core/io/atomic_file.hpp"
#include "core/base/expected.hpp"

#include <opencv2/core.hpp>

#include <memory>
#include <string>

namespace cnnscope {

class GifWriter {
public:
    // loop: 0 = forever (NETSCAPE2.0 extension).
    static Expected<std::unique_ptr<GifWriter>> create(const std::string& path, cv::Size size, int loop = 0);
    ~GifWriter();

    // Adds an 8-bit BGR frame of the writer's size, shown for delayMs (rounded to 1/100 s, >= 20 ms
    // because browsers clamp smaller delays).
    Status addFrame(const cv::Mat& bgr, int delayMs);
    // Closes the file and moves it into place. Without it the temporary file is removed.
    Status finish();

    int frames() const { return m_frames; }
    cv::Size size() const { return m_size; }

private:
    GifWriter(AtomicFile file, cv::Size size) : m_file(std::move(file)), m_size(size) {}
    AtomicFile m_file;
    cv::Size m_size;
    void* m_gif = nullptr;  // GifFileType*
    int m_frames = 0;
    cv::Mat m_rgba;
    std::vector<unsigned char> m_indices;
};

}  // namespace cnnscope
