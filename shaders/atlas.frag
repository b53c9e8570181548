#version 330 core
// The whole-network atlas, coloured exactly like the CPU twin (renderAtlas in src/core/render/atlas.cpp):
// canvas pixel -> (packed texel, tile) through an index texture built once per layout; then
//   t = clamp((v - lo) / (hi - lo), 0, 1) ^ gamma (0 when hi <= lo), colour = lut[min(int(t * 256), 255)].
// The view shows canvas point u_offset at its top-left, u_zoom window pixels per canvas pixel.
uniform sampler2D u_packed;   // R32F: every tile's downsampled map (AtlasFrame::packed)
uniform isampler2D u_index;   // RGBA16I, canvas size: packed x, packed y, tile (-1: none), 1 on label strips
uniform sampler2D u_ranges;   // RG32F (128, rows): lo, hi per tile
uniform sampler2D u_lut;      // RGB32F (256, maps)
uniform ivec4 u_rect;         // view x, y (bottom-left, window pixels), width, height
uniform vec2 u_offset;
uniform float u_zoom;
uniform int u_map;
uniform float u_gamma;
uniform vec3 u_background;
uniform vec3 u_label;
out vec4 o_color;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy) - u_rect.xy;
    p.y = u_rect.w - 1 - p.y;
    ivec2 c = ivec2(floor(u_offset + (vec2(p) + 0.5) / u_zoom));
    ivec2 size = textureSize(u_index, 0);
    if (c.x < 0 || c.y < 0 || c.x >= size.x || c.y >= size.y) { o_color = vec4(u_background, 1.0); return; }
    ivec4 e = texelFetch(u_index, c, 0);
    if (e.z < 0) { o_color = vec4(e.w > 0 ? u_label : u_background, 1.0); return; }
    float v = texelFetch(u_packed, e.xy, 0).r;
    vec2 r = texelFetch(u_ranges, ivec2(e.z % 128, e.z / 128), 0).rg;
    float t = r.y > r.x ? clamp((v - r.x) / (r.y - r.x), 0.0, 1.0) : 0.0;
    if (u_gamma != 1.0) t = pow(t, u_gamma);
    int index = min(int(t * 256.0), 255);
    o_color = vec4(texelFetch(u_lut, ivec2(index, u_map), 0).rgb, 1.0);
}
