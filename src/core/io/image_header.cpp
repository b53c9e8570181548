// Image header sizes: PNG, JPEG, BMP, GIF, PNM, WebP.
#include "core/io/image_header.hpp"

#include "core/base/limits.hpp"

#include <cctype>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

namespace cnnscope {

namespace {

uint32_t be32(const unsigned char* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
uint16_t be16(const unsigned char* p) { return uint16_t(p[0] << 8 | p[1]); }
uint16_t le16(const unsigned char* p) { return uint16_t(p[0] | p[1] << 8); }
uint32_t le24(const unsigned char* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16; }
int32_t le32s(const unsigned char* p) { return int32_t(uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24); }

// Sides are clamped to int range; an absurd side becomes INT32_MAX so the pixel check refuses it.
int side(uint64_t v) { return v > uint64_t(INT32_MAX) ? INT32_MAX : int(v); }

ImageHeader found(const char* format, uint64_t w, uint64_t h) {
    ImageHeader r;
    r.known = true;
    r.format = format;
    r.size = cv::Size(side(w), side(h));
    return r;
}

ImageHeader jpeg(const unsigned char* d, size_t n) {
    size_t i = 2;
    while (i + 4 <= n) {
        if (d[i] != 0xFF) return {};
        const unsigned char m = d[i + 1];
        if (m == 0xFF) { ++i; continue; }  // fill bytes
        if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) { i += 2; continue; }
        const size_t len = be16(d + i + 2);
        if (len < 2) return {};
        const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
        if (sof) {
            if (i + 9 > n) return {};
            return found("JPEG", be16(d + i + 7), be16(d + i + 5));
        }
        if (m == 0xD9 || m == 0xDA) return {};  // image data before any frame header
        i += 2 + len;
    }
    return {};
}

ImageHeader pnm(const unsigned char* d, size_t n) {
    size_t i = 2;
    uint64_t v[2] = {0, 0};
    for (int k = 0; k < 2; ++k) {
        while (i < n && (std::isspace(d[i]) || d[i] == '#')) {
            if (d[i] == '#')
                while (i < n && d[i] != '\n') ++i;
            else
                ++i;
        }
        if (i >= n || !std::isdigit(d[i])) return {};
        while (i < n && std::isdigit(d[i])) {
            v[k] = v[k] * 10 + uint64_t(d[i] - '0');
            if (v[k] > (uint64_t(1) << 40)) v[k] = uint64_t(1) << 40;
            ++i;
        }
    }
    return found("PNM", v[0], v[1]);
}

}  // namespace

ImageHeader parseImageHeader(const unsigned char* d, size_t n) {
    if (n >= 24 && std::memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0 && std::memcmp(d + 12, "IHDR", 4) == 0)
        return found("PNG", be32(d + 16), be32(d + 20));
    if (n >= 4 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return jpeg(d, n);
    if (n >= 10 && (std::memcmp(d, "GIF87a", 6) == 0 || std::memcmp(d, "GIF89a", 6) == 0)) return found("GIF", le16(d + 6), le16(d + 8));
    if (n >= 26 && d[0] == 'B' && d[1] == 'M') {
        const int32_t w = le32s(d + 18), h = le32s(d + 22);
        return found("BMP", uint64_t(w < 0 ? -int64_t(w) : w), uint64_t(h < 0 ? -int64_t(h) : h));
    }
    if (n >= 3 && d[0] == 'P' && d[1] >= '1' && d[1] <= '6' && std::isspace(d[2])) return pnm(d, n);
    if (n >= 30 && std::memcmp(d, "RIFF", 4) == 0 && std::memcmp(d + 8, "WEBP", 4) == 0) {
        if (std::memcmp(d + 12, "VP8 ", 4) == 0) return found("WebP", le16(d + 26) & 0x3fff, le16(d + 28) & 0x3fff);
        if (std::memcmp(d + 12, "VP8L", 4) == 0 && n >= 25) {
            const uint32_t b = uint32_t(d[21]) | uint32_t(d[22]) << 8 | uint32_t(d[23]) << 16 | uint32_t(d[24]) << 24;
            return found("WebP", (b & 0x3fff) + 1, ((b >> 14) & 0x3fff) + 1);
        }
        if (std::memcmp(d + 12, "VP8X", 4) == 0) return found("WebP", le24(d + 24) + 1, le24(d + 27) + 1);
    }
    return {};
}

Status checkImageFileHeader(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{"cannot read image '" + path + "'"};
    std::vector<unsigned char> buf(size_t(1) << 20);
    in.read(reinterpret_cast<char*>(buf.data()), std::streamsize(buf.size()));
    const ImageHeader h = parseImageHeader(buf.data(), size_t(in.gcount()));
    if (!h.known) return {};
    return checkImagePixels("image '" + path + "' (" + h.format + " header)", h.size);
}

}  // namespace cnnscope
