// The atlas renderer: index texture per layout, packed maps and ranges per frame, one draw.
#include "gfx/atlas_renderer.hpp"

#include "gfx/shaders.hpp"

#include <algorithm>
#include <cmath>

namespace cnnscope::gfx {

namespace {
enum Loc { kPacked, kIndex, kRanges, kLut, kRect, kOffset, kZoom, kMap, kGamma, kBackground, kLabel, kCount };
const char* kNames[kCount] = {"u_packed", "u_index", "u_ranges", "u_lut", "u_rect", "u_offset",
                              "u_zoom", "u_map", "u_gamma", "u_background", "u_label"};
constexpr int kRangeCols = 128;

}  // namespace

cv::Point AtlasCamera::canvasAt(double px, double py) const {
    return {int(std::floor(offsetX + (px + 0.5) / zoom)), int(std::floor(offsetY + (py + 0.5) / zoom))};
}

void AtlasCamera::zoomAbout(double px, double py, double factor, double lo, double hi) {
    const double z = std::clamp(zoom * factor, lo, hi);
    const double cx = offsetX + px / zoom, cy = offsetY + py / zoom;
    zoom = z;
    offsetX = cx - px / z;
    offsetY = cy - py / z;
}

bool AtlasRenderer::init(std::string* error) {
    m_program = buildProgram(shaders::fullscreen_vert, shaders::atlas_frag, "atlas", kNames, kCount, m_loc, error);
    if (!m_program) return false;
    m_vao = makeVertexArray();
    m_packed = makeTexture();
    m_index = makeTexture();
    m_ranges = makeTexture();
    m_lut = makeColormapLutTexture();
    return true;
}

void AtlasRenderer::setLayout(const AtlasLayout& layout) {
    // Canvas pixel -> (packed x, packed y, tile, label strip), by the rule packedTexelAt states.
    const cv::Size cs = layout.canvasSize();
    cv::Mat index(cs, CV_16SC4, cv::Scalar(-1, -1, -1, 0));
    const int lh = layout.options().labelHeight;
    for (size_t i = 0; i < layout.bands().size(); ++i) {
        const AtlasBand& b = layout.bands()[i];
        if (lh > 0) index(cv::Rect(0, b.top, cs.width, lh)).setTo(cv::Scalar(-1, -1, -1, 1));
        for (int c = 0; c < b.channels; ++c) {
            const cv::Rect cell = layout.cellRect(int(i), c), d = layout.dataRect(int(i), c);
            const short tile = short(b.firstTile + c);
            for (int y = 0; y < cell.height; ++y) {
                const int ty = std::min(b.dataH - 1, int((y + 0.5) * b.dataH / b.cellH));
                cv::Vec4s* row = index.ptr<cv::Vec4s>(cell.y + y) + cell.x;
                for (int x = 0; x < cell.width; ++x) {
                    const int tx = std::min(b.dataW - 1, int((x + 0.5) * b.dataW / b.cellW));
                    row[x] = cv::Vec4s(short(d.x + tx), short(d.y + ty), tile, 0);
                }
            }
        }
    }
    glPixelStorei(GL_UNPACK_ALIGNMENT, 2);
    glBindTexture(GL_TEXTURE_2D, m_index.get());
    setTextureParams(GL_TEXTURE_2D, GL_NEAREST);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA16I, cs.width, cs.height, 0, GL_RGBA_INTEGER, GL_SHORT, index.data);
    glBindTexture(GL_TEXTURE_2D, 0);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    m_canvas = cs;
    m_uploaded = false;
}

void AtlasRenderer::upload(const AtlasFrame& frame) {
    CV_Assert(frame.packed.type() == CV_32F && frame.packed.isContinuous());
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glBindTexture(GL_TEXTURE_2D, m_packed.get());
    if (frame.packed.size() != m_packedSize) {
        setTextureParams(GL_TEXTURE_2D, GL_NEAREST);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, frame.packed.cols, frame.packed.rows, 0, GL_RED, GL_FLOAT, frame.packed.data);
        m_packedSize = frame.packed.size();
    } else {
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, frame.packed.cols, frame.packed.rows, GL_RED, GL_FLOAT, frame.packed.data);
    }
    const int rows = int((frame.ranges.size() + kRangeCols - 1) / kRangeCols);
    m_rangeData.assign(size_t(rows) * kRangeCols * 2, 0.f);
    for (size_t i = 0; i < frame.ranges.size(); ++i) {
        m_rangeData[2 * i] = frame.ranges[i].lo;
        m_rangeData[2 * i + 1] = frame.ranges[i].hi;
    }
    glBindTexture(GL_TEXTURE_2D, m_ranges.get());
    setTextureParams(GL_TEXTURE_2D, GL_NEAREST);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RG32F, kRangeCols, std::max(1, rows), 0, GL_RG, GL_FLOAT, m_rangeData.data());
    glBindTexture(GL_TEXTURE_2D, 0);
    m_uploaded = true;
}

void AtlasRenderer::draw(const PixelRect& rect, int fbHeight, const AtlasCamera& cam, Colormap cmap, float gamma) {
    if (rect.w <= 0 || rect.h <= 0 || !m_program || !hasData()) return;
    GLint lastViewport[4], lastProgram = 0, lastVao = 0, lastActive = 0;
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
    const GLuint textures[4] = {m_packed.get(), m_index.get(), m_ranges.get(), m_lut.get()};
    for (int i = 0; i < 4; ++i) {
        glActiveTexture(GLenum(GL_TEXTURE0 + i));
        glBindTexture(GL_TEXTURE_2D, textures[i]);
        glUniform1i(m_loc[kPacked + i], i);
    }
    glUniform4i(m_loc[kRect], rect.x, glY, rect.w, rect.h);
    glUniform2f(m_loc[kOffset], float(cam.offsetX), float(cam.offsetY));
    glUniform1f(m_loc[kZoom], float(cam.zoom));
    glUniform1i(m_loc[kMap], int(cmap));
    glUniform1f(m_loc[kGamma], gamma);
    glUniform3f(m_loc[kBackground], 32 / 255.f, 32 / 255.f, 32 / 255.f);
    glUniform3f(m_loc[kLabel], 40 / 255.f, 48 / 255.f, 64 / 255.f);
    glBindVertexArray(m_vao.get());
    glDrawArrays(GL_TRIANGLES, 0, 3);
    glBindVertexArray(GLuint(lastVao));
    for (int i = 3; i >= 0; --i) {
        glActiveTexture(GLenum(GL_TEXTURE0 + i));
        glBindTexture(GL_TEXTURE_2D, 0);
    }
    glActiveTexture(GLenum(lastActive));
    glUseProgram(GLuint(lastProgram));
    glViewport(lastViewport[0], lastViewport[1], lastViewport[2], lastViewport[3]);
    if (blend) glEnable(GL_BLEND);
    if (scissor) glEnable(GL_SCISSOR_TEST);
    if (depth) glEnable(GL_DEPTH_TEST);
}

}  // namespace cnnscope::gfx
