// Window lifetime: GLFW, the GL 3.3 core context (glad) and Dear ImGui, created and destroyed in
// pairs; key presses queued for the loop. Main thread only.
#pragma once

#include <string>
#include <vector>

struct GLFWwindow;

namespace cnnscope::app {

class Window {
public:
    Window() = default;
    Window(const Window&) = delete;
    Window& operator=(const Window&) = delete;
    ~Window() { close(); }

    // Opens a w x h window with a current GL context and ImGui; on failure fills `error` (the
    // message names xvfb-run when there is no display) and leaves nothing open.
    bool open(int w, int h, std::string& error);
    void close();
    bool isOpen() const { return m_window != nullptr; }

    // Waits for input at most `seconds` (0: polls), then returns the keys pressed since the last call.
    std::vector<int> pollKeys(double seconds);
    bool shouldClose() const;
    void requestClose();
    void framebufferSize(int& w, int& h) const;
    void windowSize(int& w, int& h) const;
    void beginFrame();     // ImGui's new frame
    void renderImGui();    // ImGui's draw data into the framebuffer
    void swap();

private:
    GLFWwindow* m_window = nullptr;
    bool m_imgui = false;
};

}  // namespace cnnscope::app
