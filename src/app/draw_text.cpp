// Text over the window's views (see draw_text.hpp).
#include "app/draw_text.hpp"

namespace cnnscope::app {

std::string fitText(const std::string& text, float width, bool* cut) {
    if (cut) *cut = false;
    if (ImGui::CalcTextSize(text.c_str()).x <= width) return text;
    if (cut) *cut = true;
    size_t n = text.size();
    while (n > 0 && ImGui::CalcTextSize((text.substr(0, n) + "...").c_str()).x > width) --n;
    return text.substr(0, n) + "...";
}

void textIn(ImDrawList* dl, const gfx::PixelRect& r, const std::string& text, ImU32 colour, float dy) {
    if (r.w <= 0 || r.h <= 0 || text.empty()) return;
    dl->PushClipRect(ImVec2(float(r.x), float(r.y)), ImVec2(float(r.x + r.w), float(r.y + r.h)), true);
    dl->AddText(ImVec2(float(r.x + 4), float(r.y) + dy), colour, fitText(text, float(r.w - 8)).c_str());
    dl->PopClipRect();
}

}  // namespace cnnscope::app
