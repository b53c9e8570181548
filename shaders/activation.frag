#version 330 core
// Colours activations exactly like the CPU twin (src/core/render/normalize.hpp, src/core/render/colormap.cpp):
//   t = clamp((v - lo) / (hi - lo), 0, 1) ^ gamma   (0 when hi <= lo)
//   colour = lut[min(int(t * 256), 255)]            (matplotlib's indexing)
// Pixel (x, y) of a W-wide map drawn D pixels wide samples texel floor((x + 0.5) * W / D).
uniform sampler2DArray u_acts;  // R32F (W, H, C): one layer per channel, row 0 = top
uniform sampler2D u_ranges;     // RG32F (C, 1): lo, hi per channel
uniform sampler2D u_lut;        // RGB32F (256, maps): one row per CPU colormap, in colormapNames() order (rdbu included)
uniform sampler2D u_frame;      // RGB8 input frame, row 0 = top
uniform ivec4 u_rect;           // view x, y (bottom-left, window pixels), width, height
uniform int u_mode;             // 0 grid, 1 single channel, 2 overlay on the frame, 3 frame only
uniform int u_map;              // LUT row
uniform float u_gamma;
uniform int u_channel;          // modes 1 and 2
uniform ivec4 u_grid;           // columns, rows, first channel, channel count
uniform ivec3 u_tile;           // tile width, tile height, gutter
uniform ivec2 u_gridOrigin;     // top-left of the grid inside the view
uniform int u_label;            // a strip above each tile (its channel number is drawn there)
uniform float u_opacity;        // mode 2
uniform vec3 u_gutter;
out vec4 o_color;

vec3 colour(int c, vec2 uv) {
    ivec3 size = textureSize(u_acts, 0);
    ivec2 texel = clamp(ivec2(floor(uv * vec2(size.xy))), ivec2(0), size.xy - 1);
    float v = texelFetch(u_acts, ivec3(texel, c), 0).r;
    vec2 r = texelFetch(u_ranges, ivec2(c, 0), 0).rg;
    float t = r.y > r.x ? clamp((v - r.x) / (r.y - r.x), 0.0, 1.0) : 0.0;
    if (u_gamma != 1.0) t = pow(t, u_gamma);
    int index = min(int(t * 256.0), 255);
    return texelFetch(u_lut, ivec2(index, u_map), 0).rgb;
}

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy) - u_rect.xy;
    p.y = u_rect.w - 1 - p.y;
    vec2 uvView = (vec2(p) + 0.5) / vec2(u_rect.zw);
    if (u_mode == 0) {
        ivec2 q = p - u_gridOrigin - ivec2(u_tile.z);
        ivec2 cell = u_tile.xy + ivec2(u_tile.z) + ivec2(0, u_label);
        if (q.x < 0 || q.y < 0) { o_color = vec4(u_gutter, 1.0); return; }
        ivec2 t = q / cell;
        ivec2 local = q - t * cell - ivec2(0, u_label);
        int ch = u_grid.z + t.y * u_grid.x + t.x;
        if (t.x >= u_grid.x || t.y >= u_grid.y || local.x >= u_tile.x || local.y < 0 || local.y >= u_tile.y || ch >= u_grid.w) {
            o_color = vec4(u_gutter, 1.0);
            return;
        }
        o_color = vec4(colour(ch, (vec2(local) + 0.5) / vec2(u_tile.xy)), 1.0);
    } else if (u_mode == 1) {
        o_color = vec4(colour(u_channel, uvView), 1.0);
    } else if (u_mode == 2) {
        vec3 f = texture(u_frame, uvView).rgb;
        o_color = vec4(mix(f, colour(u_channel, uvView), u_opacity), 1.0);
    } else {
        o_color = vec4(texture(u_frame, uvView).rgb, 1.0);
    }
}
