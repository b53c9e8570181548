// The strict JSON reader of json_read.hpp.
#include "core/base/json_read.hpp"

#include <opencv2/core.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cnnscope {

namespace {

class Reader {
public:
    explicit Reader(const std::string& s) : m_s(s) {}
    bool parse(Json& v, std::string& error) {
        if (!value(v, 0) || (skip(), m_i != m_s.size())) {
            error = m_error.empty() ? cv::format("unexpected text at byte %zu", m_i) : m_error;
            return false;
        }
        return true;
    }

private:
    void skip() {
        while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\n' || m_s[m_i] == '\t' || m_s[m_i] == '\r')) ++m_i;
    }
    bool fail(const std::string& what) {
        if (m_error.empty()) m_error = cv::format("%s at byte %zu", what.c_str(), m_i);
        return false;
    }
    bool literal(const char* word) {
        const size_t n = std::char_traits<char>::length(word);
        if (m_s.compare(m_i, n, word) != 0) return fail("unexpected text");
        m_i += n;
        return true;
    }
    bool string(std::string& out) {
        if (m_i >= m_s.size() || m_s[m_i] != '"') return fail("a string expected");
        ++m_i;
        while (m_i < m_s.size() && m_s[m_i] != '"') {
            char c = m_s[m_i++];
            if (c == '\\') {
                if (m_i >= m_s.size()) return fail("unterminated string");
                const char e = m_s[m_i++];
                if (e == 'n') c = '\n';
                else if (e == 't') c = '\t';
                else if (e == 'r') c = '\r';
                else if (e == 'b') c = '\b';
                else if (e == 'f') c = '\f';
                else if (e == '"' || e == '\\' || e == '/') c = e;
                else if (e == 'u' && m_i + 4 <= m_s.size()) {
                    const long u = std::strtol(m_s.substr(m_i, 4).c_str(), nullptr, 16);
                    m_i += 4;
                    if (u >= 128) return fail("a non-ASCII \\u escape");
                    c = char(u);
                } else
                    return fail("a bad escape");
            }
            out += c;
        }
        if (m_i >= m_s.size()) return fail("unterminated string");
        ++m_i;
        return true;
    }
    bool value(Json& v, int depth) {
        if (depth > 16) return fail("nesting too deep");
        skip();
        if (m_i >= m_s.size()) return fail("unexpected end");
        const char c = m_s[m_i];
        if (c == '{') {
            v.kind = Json::Object;
            ++m_i;
            skip();
            if (m_i < m_s.size() && m_s[m_i] == '}') return ++m_i, true;
            for (;;) {
                skip();
                std::string key;
                if (!string(key)) return false;
                skip();
                if (m_i >= m_s.size() || m_s[m_i] != ':') return fail("':' expected");
                ++m_i;
                if (!value(v.members[key], depth + 1)) return false;
                skip();
                if (m_i < m_s.size() && m_s[m_i] == ',') { ++m_i; continue; }
                if (m_i < m_s.size() && m_s[m_i] == '}') return ++m_i, true;
                return fail("',' or '}' expected");
            }
        }
        if (c == '[') {
            v.kind = Json::Array;
            ++m_i;
            skip();
            if (m_i < m_s.size() && m_s[m_i] == ']') return ++m_i, true;
            for (;;) {
                v.items.emplace_back();
                if (!value(v.items.back(), depth + 1)) return false;
                skip();
                if (m_i < m_s.size() && m_s[m_i] == ',') { ++m_i; continue; }
                if (m_i < m_s.size() && m_s[m_i] == ']') return ++m_i, true;
                return fail("',' or ']' expected");
            }
        }
        if (c == '"') return v.kind = Json::String, string(v.text);
        if (c == 't') return v.kind = Json::Bool, v.boolean = true, literal("true");
        if (c == 'f') return v.kind = Json::Bool, v.boolean = false, literal("false");
        if (c == 'n') return v.kind = Json::Null, literal("null");
        const size_t start = m_i;
        while (m_i < m_s.size() && std::strchr("+-0123456789.eE", m_s[m_i])) ++m_i;
        if (m_i == start) return fail("unexpected text");
        v.kind = Json::Number;
        v.text = m_s.substr(start, m_i - start);
        char* end = nullptr;
        errno = 0;
        v.number = std::strtod(v.text.c_str(), &end);
        if (end != v.text.c_str() + v.text.size()) return fail("a bad number");
        return true;
    }
    const std::string& m_s;
    size_t m_i = 0;
    std::string m_error;
};


}  // namespace

bool parseJson(const std::string& text, Json& root, std::string& error) { return Reader(text).parse(root, error); }

Expected<std::string> readSmallFile(const std::string& path, const std::string& what, size_t maxBytes) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return Error{"cannot read '" + path + "'"};
    std::ostringstream s;
    s << f.rdbuf();
    if (s.str().size() > maxBytes) return Error{"'" + path + "' is too large for " + what};
    return s.str();
}

}  // namespace cnnscope
