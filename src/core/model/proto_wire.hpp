// A bounded protobuf wire-format reader over a read-only mapped file (used by proto_check.cpp):
// every read is checked against the bytes left, nothing is allocated from a declared length.
#pragma once

#include "core/base/expected.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace cnnscope::wire {

// One length-delimited region of the file; every read stays inside [p, end).
struct Wire {
    const uint8_t* p;
    const uint8_t* end;

    bool done() const { return p >= end; }
    bool varint(uint64_t& v) {
        v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p >= end) return false;
            const uint8_t b = *p++;
            v |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) return true;
        }
        return false;
    }
    bool key(uint32_t& field, int& type) {
        uint64_t k;
        if (!varint(k) || (k >> 3) == 0 || (k >> 3) > 0x1fffffff) return false;
        field = uint32_t(k >> 3);
        type = int(k & 7);
        return true;
    }
    bool bytes(Wire& sub) {
        uint64_t n;
        if (!varint(n) || n > uint64_t(end - p)) return false;
        sub = Wire{p, p + n};
        p += n;
        return true;
    }
    bool skip(int type) {
        uint64_t v;
        Wire s{};
        switch (type) {
        case 0: return varint(v);
        case 1: if (end - p < 8) return false; p += 8; return true;
        case 2: return bytes(s);
        case 5: if (end - p < 4) return false; p += 4; return true;
        default: return false;  // groups (3, 4) are not used by ONNX
        }
    }
    std::string str() const { return std::string(reinterpret_cast<const char*>(p), size_t(end - p)); }
};

// The file mapped read-only (no copy: an ONNX file can be gigabytes); empty for an empty file.
class Mapped {
public:
    explicit Mapped(const std::string& path) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw CoreError("cannot open model file '" + path + "'");
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(fd);
            throw CoreError("model file '" + path + "' is not a regular file");
        }
        m_size = size_t(st.st_size);
        if (m_size > 0) {
            void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) {
                ::close(fd);
                throw CoreError("cannot read model file '" + path + "'");
            }
            m_data = static_cast<const uint8_t*>(p);
        }
        ::close(fd);
    }
    ~Mapped() { if (m_data) ::munmap(const_cast<uint8_t*>(m_data), m_size); }
    Mapped(const Mapped&) = delete;
    Mapped& operator=(const Mapped&) = delete;
    const uint8_t* data() const { return m_data; }
    size_t size() const { return m_size; }
private:
    const uint8_t* m_data = nullptr;
    size_t m_size = 0;
};

}  // namespace cnnscope::wire
