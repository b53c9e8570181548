// An offscreen render target for recordings and screenshots, with asynchronous read-back through
// two pixel-pack buffers: a frame is read the UI frame after it was drawn, so the UI never waits
// for the GPU. Main thread only.
#pragma once

#include "gfx/gl_objects.hpp"

#include <opencv2/core.hpp>

namespace cnnscope::gfx {

class OffscreenTarget {
public:
    // (Re)creates the target when the size changes. False if the framebuffer is incomplete.
    bool ensure(cv::Size size);
    cv::Size size() const { return m_size; }
    // Binds the target for drawing (and sets the viewport); unbind() restores the window's.
    void bind();
    void unbind();

    // Starts reading what was drawn; the pixels are ready at the next collect().
    void requestRead();
    // The oldest finished read, as 8-bit BGR top row first; false when none is pending.
    bool collect(cv::Mat& bgr);
    // Blocking read of what was drawn (screenshots).
    cv::Mat readNow();
    void dropPending() { m_pending = 0; }

private:
    Framebuffer m_fbo;
    Texture m_color;
    Buffer m_pbo[2];
    cv::Size m_size;
    int m_next = 0;     // PBO the next read goes into
    int m_pending = 0;  // reads in flight (0..2)
    GLint m_prevFbo = 0, m_prevViewport[4] = {};
};

}  // namespace cnnscope::gfx
