// GL object wrappers and shader compilation.
#include "gfx/gl_objects.hpp"

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

}  // namespace cnnscope::gfx
