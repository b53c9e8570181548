// The colormap shader against its CPU twin: the same values drawn by the GPU and by colorize()
// must give the same colours (run under Xvfb; Mesa llvmpipe gives a GL 3.3+ core context).
#include "core/render/colormap.hpp"
#include "gfx/activation_renderer.hpp"

#include <GLFW/glfw3.h>
#include <string>
#include <doctest/doctest.h>

using namespace cnnscope;

namespace {

// One GL context for the whole process, made on first use and ended at exit. Each test case used
// to make its own: closing the last connection makes Xvfb reset, and a reconnect that lands in
// the reset fails (CI saw the second case's window come back null under ASan).
struct GlContext {
    GLFWwindow* window = nullptr;
    std::string error;
    GlContext() {
        glfwSetErrorCallback(nullptr);
        if (!glfwInit()) { error = lastError("glfwInit"); return; }
        glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
        glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
        glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
        glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
        glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
        window = glfwCreateWindow(1100, 300, "test", nullptr, nullptr);
        if (!window) { error = lastError("glfwCreateWindow"); return; }
        glfwMakeContextCurrent(window);
        if (!gladLoadGL(glfwGetProcAddress)) { error = "gladLoadGL failed"; window = nullptr; }
    }
    ~GlContext() {
        if (window) glfwDestroyWindow(window);
        glfwTerminate();
    }
    static std::string lastError(const char* what) {
        const char* d = nullptr;
        glfwGetError(&d);
        return std::string(what) + " failed: " + (d ? d : "no GLFW description") + " (run under xvfb-run)";
    }
};

GlContext& gl() {
    static GlContext ctx;
    return ctx;
}

}  // namespace

TEST_CASE("every shader colormap matches its CPU twin (99% exact - the rest one level or one LUT entry off at a tie)") {
    GlContext& gl = ::gl();
    REQUIRE_MESSAGE(gl.window, gl.error);
    gfx::ActivationRenderer r;
    std::string error;
    REQUIRE_MESSAGE(r.init(&error), error);

    // One channel, one row: a ramp through every LUT entry and its boundaries, plus out-of-range values.
    const int W = 1024;
    const int sz[4] = {1, 1, 1, W};
    cv::Mat act(4, sz, CV_32F);
    for (int i = 0; i < W; ++i) act.ptr<float>()[i] = -0.1f + 1.2f * float(i) / float(W - 1);
    const std::vector<Range> ranges = {{0.f, 1.f}};
    r.upload(act, ranges);
    const cv::Mat plane(1, W, CV_32F, act.ptr<float>());

    int fbW = 0, fbH = 0;
    glfwGetFramebufferSize(gl.window, &fbW, &fbH);
    const gfx::PixelRect rect{10, 20, W, 4};
    for (size_t m = 0; m < colormapNames().size(); ++m)
        for (float gamma : {1.f, 0.5f, 2.2f}) {
            CAPTURE(colormapNames()[m]);
            CAPTURE(gamma);
            gfx::ActivationRenderer::Params p;
            p.mode = ViewMode::Single;
            p.colormap = Colormap(m);
            p.gamma = gamma;
            glClear(GL_COLOR_BUFFER_BIT);
            r.draw(rect, fbH, p);
            const cv::Mat gpu = gfx::readPixels(rect, fbH);
            cv::Mat cpu;
            colorize(plane, ranges[0], gamma, Colormap(m), cpu);
            int exact = 0, near = 0;
            for (int x = 0; x < W; ++x) {
                const cv::Vec3b g = gpu.at<cv::Vec3b>(2, x);
                const cv::Vec3b c = cpu.at<cv::Vec3b>(0, x);
                if (g == c) { ++exact; continue; }
                // GL's float -> 8-bit conversion may round a value at .5 the other way.
                if (std::abs(g[0] - c[0]) <= 1 && std::abs(g[1] - c[1]) <= 1 && std::abs(g[2] - c[2]) <= 1) { ++near; continue; }
                const int idx = lutIndex(normalizeValue(plane.at<float>(0, x), ranges[0], gamma));
                if ((idx > 0 && g == lutBgr8(Colormap(m), idx - 1)) || (idx < 255 && g == lutBgr8(Colormap(m), idx + 1))) ++near;
            }
            CHECK(exact + near == W);
            CHECK(exact >= W * 99 / 100);
        }
}

TEST_CASE("grid layout in the shader puts channel c where GridLayout says") {
    GlContext& gl = ::gl();
    REQUIRE_MESSAGE(gl.window, gl.error);
    gfx::ActivationRenderer r;
    std::string error;
    REQUIRE(r.init(&error));
    // 6 channels of 3x2 maps, each constant-valued c, with a shared range: tile colour identifies c.
    const int sz[4] = {1, 6, 2, 3};
    cv::Mat act(4, sz, CV_32F);
    for (int c = 0; c < 6; ++c)
        for (int i = 0; i < 6; ++i) act.ptr<float>(0, c)[i] = float(c);
    std::vector<Range> ranges(6, Range{0.f, 5.f});
    r.upload(act, ranges);
    int fbW = 0, fbH = 0;
    glfwGetFramebufferSize(gl.window, &fbW, &fbH);
    const gfx::PixelRect rect{0, 0, 400, 200};
    gfx::ActivationRenderer::Params p;
    p.mode = ViewMode::Grid;
    p.colormap = Colormap::Gray;
    p.grid = gfx::layoutGrid(rect.w, rect.h, 3, 2, 0, 3, 2);
    glClear(GL_COLOR_BUFFER_BIT);
    r.draw(rect, fbH, p);
    const cv::Mat gpu = gfx::readPixels(rect, fbH);
    for (int c = 0; c < 6; ++c) {
        const int x = p.grid.originX + p.grid.gutter + (c % 3) * (p.grid.tileW + p.grid.gutter) + p.grid.tileW / 2;
        const int y = p.grid.originY + p.grid.gutter + (c / 3) * (p.grid.tileH + p.grid.gutter) + p.grid.tileH / 2;
        CAPTURE(c);
        CHECK(p.grid.channelAt(x, y, 6, 3, 2, nullptr, nullptr) == c);
        CHECK(gpu.at<cv::Vec3b>(y, x) == lutBgr8(Colormap::Gray, lutIndex(float(c) / 5.f)));
    }
    CHECK(gpu.at<cv::Vec3b>(p.grid.originY, p.grid.originX) == cv::Vec3b(48, 48, 48));  // gutter
}
