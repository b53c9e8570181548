// GLFW + glad + Dear ImGui set up and torn down in pairs.
#include "app/window.hpp"

#include <glad/gl.h>
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

namespace cnnscope::app {

namespace {
std::string g_glfwError;
void onGlfwError(int, const char* description) { g_glfwError = description ? description : "unknown GLFW error"; }

std::vector<int> g_keys;  // key presses queued by the GLFW callback, taken by pollKeys
void onKey(GLFWwindow*, int key, int, int action, int) {
    if (action == GLFW_PRESS || action == GLFW_REPEAT) g_keys.push_back(key);
}
}  // namespace

bool Window::open(int w, int h, std::string& error) {
    glfwSetErrorCallback(onGlfwError);
    if (!glfwInit()) {
        error = "cannot open a window: " + g_glfwError +
                ". Run it on a desktop, or under a virtual display (xvfb-run -a cnnscope ...); "
                "grid, dump and sweep work without a display";
        return false;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    m_window = glfwCreateWindow(w, h, "cnnscope", nullptr, nullptr);
    if (!m_window) {
        error = "cannot create an OpenGL 3.3 core window: " + g_glfwError;
        glfwTerminate();
        return false;
    }
    glfwMakeContextCurrent(m_window);
    glfwSwapInterval(0);  // paced by the loop, so a slow vsync never throttles input
    if (!gladLoadGL(glfwGetProcAddress)) {
        error = "cannot load OpenGL 3.3 functions";
        close();
        return false;
    }
    glfwSetKeyCallback(m_window, onKey);  // installed first: ImGui's backend chains to it
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;  // our own settings file persists what matters
    ImGui::StyleColorsDark();
    ImGui_ImplGlfw_InitForOpenGL(m_window, true);
    ImGui_ImplOpenGL3_Init("#version 330 core");
    m_imgui = true;
    return true;
}

void Window::close() {
    if (!m_window) return;
    if (m_imgui) {
        ImGui_ImplOpenGL3_Shutdown();
        ImGui_ImplGlfw_Shutdown();
        ImGui::DestroyContext();
        m_imgui = false;
    }
    glfwDestroyWindow(m_window);
    glfwTerminate();
    m_window = nullptr;
}

std::vector<int> Window::pollKeys(double seconds) {
    if (seconds > 0) glfwWaitEventsTimeout(seconds);
    else glfwPollEvents();
    std::vector<int> keys;
    keys.swap(g_keys);
    return keys;
}

bool Window::shouldClose() const { return glfwWindowShouldClose(m_window); }
void Window::requestClose() { glfwSetWindowShouldClose(m_window, GLFW_TRUE); }
void Window::framebufferSize(int& w, int& h) const { glfwGetFramebufferSize(m_window, &w, &h); }
void Window::windowSize(int& w, int& h) const { glfwGetWindowSize(m_window, &w, &h); }

void Window::beginFrame() {
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
}

void Window::renderImGui() {
    ImGui::Render();
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void Window::swap() { glfwSwapBuffers(m_window); }

}  // namespace cnnscope::app
