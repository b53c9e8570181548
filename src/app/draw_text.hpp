// Text over the window's views (ImGui's draw lists): fitted to a width with "...", clipped to a strip.
#pragma once

#include "gfx/view_layout.hpp"

#include <imgui.h>

#include <string>

namespace cnnscope::app {

// `text` cut to `width` pixels with "..." (ImGui's font); `cut` says whether it was.
std::string fitText(const std::string& text, float width, bool* cut = nullptr);
// `text` in the strip `r`, 4 px in and `dy` down, cut to fit and clipped to it.
void textIn(ImDrawList* dl, const gfx::PixelRect& r, const std::string& text, ImU32 colour, float dy = 2);

}  // namespace cnnscope::app
