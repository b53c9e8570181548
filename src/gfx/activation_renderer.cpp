// The activation renderer.
#include "gfx/activation_renderer.hpp"

#include "gfx/shaders.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace cnnscope::gfx {

namespace {
enum Loc { kActs, kRanges, kLut, kFrame, kRect, kMode, kMap, kGamma, kChannel, kGrid, kTile, kOrigin, kOpacity, kGutter, kLabel, kCount };
const char* kNames[kCount] = {"u_acts", "u_ranges", "u_lut", "u_frame", "u_rect", "u_mode", "u_map",
                              "u_gamma", "u_channel", "u_grid", "u_tile", "u_gridOrigin", "u_opacity", "u_gutter", "u_label"};

}  // namespace

int GridLayout::channelAt(int px, int py, int channels, int mapW, int mapH, int* tx, int* ty) const {
    const int qx = px - originX - gutter, qy = py - originY - gutter;
    if (qx < 0 || qy < 0 || tileW <= 0 || tileH <= 0) return -1;
    const int cx = qx / pitchX(), cy = qy / pitchY();
    const int lx = qx % pitchX(), ly = qy % pitchY() - label;
    const int ch = first + cy * cols + cx;
    if (cx >= cols || cy >= rows || lx >= tileW || ly < 0 || ly >= tileH || ch >= channels) return -1;
    if (tx) *tx = std::min(mapW - 1, int((lx + 0.5) * mapW / tileW));
    if (ty) *ty = std::min(mapH - 1, int((ly + 0.5) * mapH / tileH));
    return ch;
}

namespace {
GridLayout layoutGridWith(int viewW, int viewH, int cols, int rows, int first, int mapW, int mapH, int gutter, int label) {
    GridLayout g;
    g.cols = std::max(1, cols);
    g.rows = std::max(1, rows);
    g.first = first;
    g.gutter = gutter;
    g.label = label;
    const double maxW = double(viewW - gutter * (g.cols + 1)) / g.cols;
    const double maxH = double(viewH - gutter * (g.rows + 1) - label * g.rows) / g.rows;
    const double scale = std::max(0.0, std::min(maxW / std::max(1, mapW), maxH / std::max(1, mapH)));
    g.tileW = std::max(1, int(mapW * scale));
    g.tileH = std::max(1, int(mapH * scale));
    const int totalW = g.cols * g.tileW + (g.cols + 1) * gutter, totalH = g.rows * (g.tileH + label) + (g.rows + 1) * gutter;
    g.originX = std::max(0, (viewW - totalW) / 2);
    g.originY = std::max(0, (viewH - totalH) / 2);
    return g;
}
}  // namespace

GridLayout layoutGrid(int viewW, int viewH, int cols, int rows, int first, int mapW, int mapH, int gutter, int label) {
    if (label > 0) {
        const GridLayout g = layoutGridWith(viewW, viewH, cols, rows, first, mapW, mapH, gutter, label);
        if (g.tileH >= 3 * label && g.tileW >= 3 * label) return g;
    }
    return layoutGridWith(viewW, viewH, cols, rows, first, mapW, mapH, gutter, 0);
}

PixelRect fitAspect(const PixelRect& area, int aw, int ah) {
    if (aw <= 0 || ah <= 0 || area.w <= 0 || area.h <= 0) return area;
    const double s = std::min(double(area.w) / aw, double(area.h) / ah);
    const int w = std::max(1, int(aw * s)), h = std::max(1, int(ah * s));
    return {area.x + (area.w - w) / 2, area.y + (area.h - h) / 2, w, h};
}

bool ActivationRenderer::init(std::string* error) {
    m_program = buildProgram(shaders::fullscreen_vert, shaders::activation_frag, "activation", kNames, kCount, m_loc, error);
    if (!m_program) return false;
    m_vao = makeVertexArray();
    m_acts = makeTexture();
    m_ranges = makeTexture();
    m_frame = makeTexture();
    m_lut = makeColormapLutTexture();
    return true;
}

void ActivationRenderer::upload(const cv::Mat& act, const std::vector<Range>& ranges) {
    CV_Assert(act.dims == 4 && act.type() == CV_32F && act.isContinuous());
    const int C = act.size[1], H = act.size[2], W = act.size[3];
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glBindTexture(GL_TEXTURE_2D_ARRAY, m_acts.get());
    if (C != m_channels || cv::Size(W, H) != m_mapSize) {
        setTextureParams(GL_TEXTURE_2D_ARRAY, GL_NEAREST);
        glTexImage3D(GL_TEXTURE_2D_ARRAY, 0, GL_R32F, W, H, C, 0, GL_RED, GL_FLOAT, act.ptr<float>());
        m_channels = C;
        m_mapSize = cv::Size(W, H);
    } else {
        glTexSubImage3D(GL_TEXTURE_2D_ARRAY, 0, 0, 0, 0, W, H, C, GL_RED, GL_FLOAT, act.ptr<float>());
    }
    glBindTexture(GL_TEXTURE_2D_ARRAY, 0);
    uploadRanges(ranges);
}

void ActivationRenderer::uploadRanges(const std::vector<Range>& ranges) {
    m_rangeData.resize(ranges.size() * 2);
    for (size_t i = 0; i < ranges.size(); ++i) {
        m_rangeData[2 * i] = ranges[i].lo;
        m_rangeData[2 * i + 1] = ranges[i].hi;
    }
    glBindTexture(GL_TEXTURE_2D, m_ranges.get());
    setTextureParams(GL_TEXTURE_2D, GL_NEAREST);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RG32F, GLsizei(ranges.size()), 1, 0, GL_RG, GL_FLOAT, m_rangeData.data());
    glBindTexture(GL_TEXTURE_2D, 0);
}

void ActivationRenderer::uploadFrame(const cv::Mat& bgr) {
    CV_Assert(bgr.type() == CV_8UC3);
    glBindTexture(GL_TEXTURE_2D, m_frame.get());
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, int(bgr.step / 3));
    if (bgr.size() != m_frameSize) {
        setTextureParams(GL_TEXTURE_2D, GL_LINEAR);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB8, bgr.cols, bgr.rows, 0, GL_BGR, GL_UNSIGNED_BYTE, bgr.data);
        m_frameSize = bgr.size();
    } else {
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, bgr.cols, bgr.rows, GL_BGR, GL_UNSIGNED_BYTE, bgr.data);
    }
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glBindTexture(GL_TEXTURE_2D, 0);
}

void ActivationRenderer::draw(const PixelRect& rect, int fbHeight, const Params& p) {
    if (rect.w <= 0 || rect.h <= 0 || !m_program) return;
    if (p.mode != ViewMode::Frame && !hasActivations()) return;
    if ((p.mode == ViewMode::Frame || p.mode == ViewMode::Overlay) && !hasFrame()) return;
    GLint lastViewport[4], lastProgram = 0, lastVao = 0, lastTexture = 0, lastActive = 0;
    glGetIntegerv(GL_VIEWPORT, lastViewport);
    glGetIntegerv(GL_CURRENT_PROGRAM, &lastProgram);
    glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &lastVao);
    glGetIntegerv(GL_ACTIVE_TEXTURE, &lastActive);
    const GLboolean blend = glIsEnabled(GL_BLEND), scissor = glIsEnabled(GL_SCISSOR_TEST), depth = glIsEnabled(GL_DEPTH_TEST);
    glDisable(GL_BLEND);
    glDisable(GL_SCISSOR_TEST);
    glDisable(GL_DEPTH_TEST);

    const int glY = fbHeight - rect.y - rect.h;
    glViewport(rect.x, glY, rect.w, rect.h);
    glUseProgram(m_program.get());
    glActiveTexture(GL_TEXTURE0);
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &lastTexture);
    glBindTexture(GL_TEXTURE_2D_ARRAY, m_acts.get());
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D, m_ranges.get());
    glActiveTexture(GL_TEXTURE2);
    glBindTexture(GL_TEXTURE_2D, m_lut.get());
    glActiveTexture(GL_TEXTURE3);
    glBindTexture(GL_TEXTURE_2D, m_frame.get());
    glUniform1i(m_loc[kActs], 0);
    glUniform1i(m_loc[kRanges], 1);
    glUniform1i(m_loc[kLut], 2);
    glUniform1i(m_loc[kFrame], 3);
    glUniform4i(m_loc[kRect], rect.x, glY, rect.w, rect.h);
    glUniform1i(m_loc[kMode], int(p.mode));
    glUniform1i(m_loc[kMap], int(p.colormap));
    glUniform1f(m_loc[kGamma], p.gamma);
    glUniform1i(m_loc[kChannel], std::clamp(p.channel, 0, std::max(0, m_channels - 1)));
    glUniform4i(m_loc[kGrid], p.grid.cols, p.grid.rows, p.grid.first, m_channels);
    glUniform3i(m_loc[kTile], p.grid.tileW, p.grid.tileH, p.grid.gutter);
    glUniform2i(m_loc[kOrigin], p.grid.originX, p.grid.originY);
    glUniform1i(m_loc[kLabel], p.grid.label);
    glUniform1f(m_loc[kOpacity], p.opacity);
    glUniform3f(m_loc[kGutter], 48 / 255.f, 48 / 255.f, 48 / 255.f);
    glBindVertexArray(m_vao.get());
    glDrawArrays(GL_TRIANGLES, 0, 3);

    // Restore what we changed.
    glBindVertexArray(GLuint(lastVao));
    glActiveTexture(GL_TEXTURE3);
    glBindTexture(GL_TEXTURE_2D, 0);
    glActiveTexture(GL_TEXTURE2);
    glBindTexture(GL_TEXTURE_2D, 0);
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D, 0);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D_ARRAY, 0);
    glBindTexture(GL_TEXTURE_2D, GLuint(lastTexture));
    glActiveTexture(GLenum(lastActive));
    glUseProgram(GLuint(lastProgram));
    glViewport(lastViewport[0], lastViewport[1], lastViewport[2], lastViewport[3]);
    if (blend) glEnable(GL_BLEND);
    if (scissor) glEnable(GL_SCISSOR_TEST);
    if (depth) glEnable(GL_DEPTH_TEST);
}

cv::Mat readPixels(const PixelRect& rect, int fbHeight) {
    cv::Mat rgb(rect.h, rect.w, CV_8UC3);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(rect.x, fbHeight - rect.y - rect.h, rect.w, rect.h, GL_BGR, GL_UNSIGNED_BYTE, rgb.data);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    cv::Mat out;
    cv::flip(rgb, out, 0);
    return out;
}

}  // namespace cnnscope::gfx
