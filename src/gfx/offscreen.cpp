// Offscreen render target with PBO read-back.
#include "gfx/offscreen.hpp"

#include <opencv2/core.hpp>

namespace cnnscope::gfx {

bool OffscreenTarget::ensure(cv::Size size) {
    if (size == m_size && m_fbo) return true;
    m_size = size;
    m_pending = 0;
    m_fbo = makeFramebuffer();
    m_color = makeTexture();
    glBindTexture(GL_TEXTURE_2D, m_color.get());
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, size.width, size.height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glBindTexture(GL_TEXTURE_2D, 0);
    GLint prev = 0;
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &prev);
    glBindFramebuffer(GL_FRAMEBUFFER, m_fbo.get());
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, m_color.get(), 0);
    const bool complete = glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
    glBindFramebuffer(GL_FRAMEBUFFER, GLuint(prev));
    for (Buffer& b : m_pbo) {
        b = makeBuffer();
        glBindBuffer(GL_PIXEL_PACK_BUFFER, b.get());
        glBufferData(GL_PIXEL_PACK_BUFFER, GLsizeiptr(size.area()) * 3, nullptr, GL_STREAM_READ);
    }
    glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
    return complete;
}

void OffscreenTarget::bind() {
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &m_prevFbo);
    glGetIntegerv(GL_VIEWPORT, m_prevViewport);
    glBindFramebuffer(GL_FRAMEBUFFER, m_fbo.get());
    glViewport(0, 0, m_size.width, m_size.height);
}

void OffscreenTarget::unbind() {
    glBindFramebuffer(GL_FRAMEBUFFER, GLuint(m_prevFbo));
    glViewport(m_prevViewport[0], m_prevViewport[1], m_prevViewport[2], m_prevViewport[3]);
}

void OffscreenTarget::requestRead() {
    if (m_pending == 2) return;  // both buffers busy: the caller collects first
    GLint prev = 0;
    glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &prev);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, m_fbo.get());
    glBindBuffer(GL_PIXEL_PACK_BUFFER, m_pbo[m_next].get());
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, m_size.width, m_size.height, GL_BGR, GL_UNSIGNED_BYTE, nullptr);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, GLuint(prev));
    m_next ^= 1;
    ++m_pending;
}

bool OffscreenTarget::collect(cv::Mat& bgr) {
    if (m_pending == 0) return false;
    const int index = (m_next + 2 - m_pending) % 2;  // oldest in flight
    glBindBuffer(GL_PIXEL_PACK_BUFFER, m_pbo[index].get());
    const void* data = glMapBufferRange(GL_PIXEL_PACK_BUFFER, 0, GLsizeiptr(m_size.area()) * 3, GL_MAP_READ_BIT);
    bool ok = data != nullptr;
    if (ok) {
        // GL rows go bottom-up: flip while copying out.
        const cv::Mat view(m_size, CV_8UC3, const_cast<void*>(data));
        cv::flip(view, bgr, 0);
        glUnmapBuffer(GL_PIXEL_PACK_BUFFER);
    }
    glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
    --m_pending;
    return ok;
}

cv::Mat OffscreenTarget::readNow() {
    cv::Mat out;
    m_pending = 0;
    requestRead();
    collect(out);
    return out;
}

}  // namespace cnnscope::gfx
