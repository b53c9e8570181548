// Draws the whole-network atlas (core/render/atlas.hpp) with its own shader (shaders/atlas.frag): the
// packed R32F maps, one range per tile, and an index texture (canvas pixel -> packed texel and
// tile) built once per layout. Zoom and pan are two uniforms. Main thread only.
#pragma once

#include "core/render/atlas.hpp"
#include "gfx/activation_renderer.hpp"
#include "gfx/gl_objects.hpp"

#include <opencv2/core.hpp>

#include <string>

namespace cnnscope::gfx {

// Which canvas point sits at the view's top-left, and how many window pixels a canvas pixel takes.
struct AtlasCamera {
    double offsetX = 0, offsetY = 0, zoom = 1;
    // The canvas point under a view-relative pixel (as the shader computes it).
    cv::Point canvasAt(double px, double py) const;
    // Zoom by `factor` keeping the canvas point under (px, py) in place; zoom stays in [lo, hi].
    void zoomAbout(double px, double py, double factor, double lo, double hi);
};

class AtlasRenderer {
public:
    bool init(std::string* error);
    // A new layout: rebuilds the index texture (call before upload when the layout changes).
    void setLayout(const AtlasLayout& layout);
    void upload(const AtlasFrame& frame);
    bool hasData() const { return m_uploaded && m_canvas.area() > 0; }
    cv::Size canvasSize() const { return m_canvas; }
    void draw(const PixelRect& rect, int fbHeight, const AtlasCamera& cam, Colormap cmap, float gamma);

private:
    Program m_program;
    VertexArray m_vao;
    Texture m_packed, m_index, m_ranges, m_lut;
    cv::Size m_canvas, m_packedSize;
    bool m_uploaded = false;
    std::vector<float> m_rangeData;
    GLint m_loc[12] = {};
};

}  // namespace cnnscope::gfx
