// GLSL sources from shaders/, embedded at build time (see embed_shaders.cmake).
#pragma once

namespace cnnscope::gfx::shaders {
extern const char* const fullscreen_vert;
extern const char* const activation_frag;
extern const char* const atlas_frag;
}  // namespace cnnscope::gfx::shaders
