// GL object wrappers and shader compilation.
#include "gfx/gl_objects.hpp"

#include "core/render/colormap.hpp"

#include <vector>

namespace cnnscope::gfx {

void deleteTexture(GLuint id) { glDeleteTextures(1, &id); }
void deleteVertexArray(GLuint id) { glDeleteVertexArrays(1, &id); }
void deleteProgram(GLuint id) { glDeleteProgram(id); }
void deleteFramebuffer(GLuint id) { glDeleteFramebuffers(1, &id); }
void deleteBuffer(GLuint id) { glDeleteBuffers(1, &id); }

namespace {
// glGenTextures, glGenVertexArrays, glGenFramebuffers and glGenBuffers share one signature.
GLuint generate(void(GLAD_API_PTR* gen)(GLsizei, GLuint*)) {
    GLuint id = 0;
    gen(1, &id);
    return id;
}
}  // namespace

Texture makeTexture() { return Texture(generate(glGenTextures)); }
VertexArray makeVertexArray() { return VertexArray(generate(glGenVertexArrays)); }
Framebuffer makeFramebuffer() { return Framebuffer(generate(glGenFramebuffers)); }
Buffer makeBuffer() { return Buffer(generate(glGenBuffers)); }

void setTextureParams(GLenum target, GLint filter) {
    glTexParameteri(target, GL_TEXTURE_MIN_FILTER, filter);
    glTexParameteri(target, GL_TEXTURE_MAG_FILTER, filter);
    glTexParameteri(target, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(target, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
}

Texture makeColormapLutTexture() {
    Texture lutTex = makeTexture();
    const int maps = int(colormapNames().size());
    std::vector<float> lut(size_t(256) * maps * 3);
    for (int m = 0; m < maps; ++m)
        for (int i = 0; i < 256; ++i)
            for (int k = 0; k < 3; ++k) lut[(size_t(m) * 256 + i) * 3 + k] = colormapLut(Colormap(m))[size_t(i)][k];
    glBindTexture(GL_TEXTURE_2D, lutTex.get());
    setTextureParams(GL_TEXTURE_2D, GL_NEAREST);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB32F, 256, maps, 0, GL_RGB, GL_FLOAT, lut.data());
    glBindTexture(GL_TEXTURE_2D, 0);
    return lutTex;
}

static GLuint compile(GLenum type, const char* src, std::string* log) {
    GLuint s = glCreateShader(type);
    glShaderSource(s, 1, &src, nullptr);
    glCompileShader(s);
    GLint ok = 0;
    glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char buf[4096];
        glGetShaderInfoLog(s, sizeof buf, nullptr, buf);
        if (log) *log += std::string(type == GL_VERTEX_SHADER ? "vertex" : "fragment") + " shader: " + buf;
        glDeleteShader(s);
        return 0;
    }
    return s;
}

Program compileProgram(const char* vertexSource, const char* fragmentSource, std::string* log) {
    GLuint vs = compile(GL_VERTEX_SHADER, vertexSource, log);
    GLuint fs = compile(GL_FRAGMENT_SHADER, fragmentSource, log);
    if (!vs || !fs) {
        if (vs) glDeleteShader(vs);
        if (fs) glDeleteShader(fs);
        return Program();
    }
    GLuint p = glCreateProgram();
    glAttachShader(p, vs);
    glAttachShader(p, fs);
    glLinkProgram(p);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0;
    glGetProgramiv(p, GL_LINK_STATUS, &ok);
    if (!ok) {
        char buf[4096];
        glGetProgramInfoLog(p, sizeof buf, nullptr, buf);
        if (log) *log += std::string("link: ") + buf;
        glDeleteProgram(p);
        return Program();
    }
    return Program(p);
}

Program buildProgram(const char* vertexSource, const char* fragmentSource, const char* what, const char* const* names, int count,
                     GLint* locations, std::string* error) {
    std::string log;
    Program program = compileProgram(vertexSource, fragmentSource, &log);
    if (!program) {
        if (error) *error = std::string(what) + " shader failed to build: " + log;
        return program;
    }
    for (int i = 0; i < count; ++i) locations[i] = glGetUniformLocation(program.get(), names[i]);
    return program;
}

}  // namespace cnnscope::gfx
