// Move-only RAII wrappers for GL objects, and shader compilation that logs and yields an invalid
// program instead of crashing. Include <glad/gl.h> through this header only.
#pragma once

#include <glad/gl.h>

#include <string>
#include <utility>

namespace cnnscope::gfx {

template <void (*Delete)(GLuint)>
class GlHandle {
public:
    GlHandle() = default;
    explicit GlHandle(GLuint id) : m_id(id) {}
    GlHandle(GlHandle&& o) noexcept : m_id(std::exchange(o.m_id, 0)) {}
    GlHandle& operator=(GlHandle&& o) noexcept {
        if (this != &o) {
            reset();
            m_id = std::exchange(o.m_id, 0);
        }
        return *this;
    }
    GlHandle(const GlHandle&) = delete;
    GlHandle& operator=(const GlHandle&) = delete;
    ~GlHandle() { reset(); }
    void reset() {
        if (m_id) Delete(m_id);
        m_id = 0;
    }
    GLuint get() const { return m_id; }
    explicit operator bool() const { return m_id != 0; }

private:
    GLuint m_id = 0;
};

void deleteTexture(GLuint id);
void deleteVertexArray(GLuint id);
void deleteProgram(GLuint id);
void deleteFramebuffer(GLuint id);
void deleteBuffer(GLuint id);

using Texture = GlHandle<deleteTexture>;
using VertexArray = GlHandle<deleteVertexArray>;
using Program = GlHandle<deleteProgram>;
using Framebuffer = GlHandle<deleteFramebuffer>;
using Buffer = GlHandle<deleteBuffer>;

Texture makeTexture();
VertexArray makeVertexArray();
Framebuffer makeFramebuffer();
Buffer makeBuffer();

// Filter FILTER and clamp-to-edge on the texture bound to TARGET.
void setTextureParams(GLenum target, GLint filter);
// Every colormap's 256-entry table, one RGB32F row each (row = Colormap value): the same data the
// CPU twin indexes, for every shader that colours maps.
Texture makeColormapLutTexture();

// Compiles and links; on failure returns an invalid Program and fills *log.
Program compileProgram(const char* vertexSource, const char* fragmentSource, std::string* log);
// compileProgram, then the locations of the `count` uniforms `names` into `locations`; on failure
// an invalid Program and *error = "WHAT shader failed to build: " + the log.
Program buildProgram(const char* vertexSource, const char* fragmentSource, const char* what, const char* const* names, int count,
                     GLint* locations, std::string* error);

}  // namespace cnnscope::gfx
