// Animated GIF writer.
#include "record/gif_writer.hpp"

#include <gif_lib.h>
#include <libimagequant.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <sys/stat.h>
#include <unistd.h>

namespace cnnscope {

namespace {
GifFileType* gifOf(void* p) { return static_cast<GifFileType*>(p); }
std::string gifError(int code) {
    const char* s = GifErrorString(code);
    return s ? s : "unknown giflib error";
}
}  // namespace

Expected<std::unique_ptr<GifWriter>> GifWriter::create(const std::string& path, cv::Size size, int loop) {
    if (size.width <= 0 || size.height <= 0 || size.width > 65535 || size.height > 65535)
        return Error{"GIF size " + std::to_string(size.width) + "x" + std::to_string(size.height) + " is not valid"};
    auto file = AtomicFile::create(path);
    if (!file) return Error{file.error()};
    std::unique_ptr<GifWriter> w(new GifWriter(std::move(*file), size));
    int err = 0;
    // The exclusively created temporary's descriptor: giflib never opens a name (and closes it).
    const int fd = w->m_file.takeFd();
    GifFileType* gif = EGifOpenFileHandle(fd, &err);
    if (!gif) {
        ::close(fd);
        return Error{"cannot create '" + path + "': " + gifError(err)};
    }
    w->m_gif = gif;
    EGifSetGifVersion(gif, true);  // GIF89a: delays and looping
    if (EGifPutScreenDesc(gif, size.width, size.height, 8, 0, nullptr) == GIF_ERROR)
        return Error{"cannot write '" + path + "': " + writeFailureReason(w->m_file.tempPath(), errno)};
    unsigned char app[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
    unsigned char loopBlock[] = {1, (unsigned char)(loop & 0xff), (unsigned char)((loop >> 8) & 0xff)};
    if (EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
        EGifPutExtensionBlock(gif, sizeof app, app) == GIF_ERROR ||
        EGifPutExtensionBlock(gif, sizeof loopBlock, loopBlock) == GIF_ERROR || EGifPutExtensionTrailer(gif) == GIF_ERROR)
        return Error{"cannot write '" + path + "': " + writeFailureReason(w->m_file.tempPath(), errno)};
    return w;
}

GifWriter::~GifWriter() {
    if (m_gif) {
        int err = 0;
        EGifCloseFile(gifOf(m_gif), &err);
    }
    // m_file's destructor removes the temporary file unless finish() committed it.
}

Status GifWriter::addFrame(const cv::Mat& bgr, int delayMs) {
    if (!m_gif) return Error{"GIF writer already finished"};
    if (bgr.size() != m_size || bgr.type() != CV_8UC3)
        return Error{"internal: GIF frame must be " + std::to_string(m_size.width) + "x" + std::to_string(m_size.height) + " BGR"};
    cv::cvtColor(bgr, m_rgba, cv::COLOR_BGR2RGBA);
    if (!m_rgba.isContinuous()) m_rgba = m_rgba.clone();

    liq_attr* attr = liq_attr_create();
    liq_set_speed(attr, 6);
    liq_image* img = liq_image_create_rgba(attr, m_rgba.data, m_size.width, m_size.height, 0);
    liq_result* res = nullptr;
    if (!img || liq_image_quantize(img, attr, &res) != LIQ_OK) {
        if (img) liq_image_destroy(img);
        liq_attr_destroy(attr);
        return Error{"palette quantisation failed for frame " + std::to_string(m_frames)};
    }
    liq_set_dithering_level(res, 0.0f);
    m_indices.resize(size_t(m_size.area()));
    liq_write_remapped_image(res, img, m_indices.data(), m_indices.size());
    const liq_palette* pal = liq_get_palette(res);
    int colors = 2;
    while (colors < int(pal->count)) colors *= 2;  // GIF palettes are powers of two
    ColorMapObject* cmap = GifMakeMapObject(colors, nullptr);
    for (int i = 0; i < colors; ++i) {
        const liq_color c = i < int(pal->count) ? pal->entries[i] : liq_color{0, 0, 0, 255};
        cmap->Colors[i] = GifColorType{c.r, c.g, c.b};
    }
    liq_result_destroy(res);
    liq_image_destroy(img);
    liq_attr_destroy(attr);

    GifFileType* gif = gifOf(m_gif);
    GraphicsControlBlock gcb{};
    gcb.DisposalMode = DISPOSE_DO_NOT;
    gcb.DelayTime = std::max(2, int(std::lround(delayMs / 10.0)));
    gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    GifByteType ext[4];
    const size_t n = EGifGCBToExtension(&gcb, ext);
    bool ok = EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, int(n), ext) != GIF_ERROR &&
              EGifPutImageDesc(gif, 0, 0, m_size.width, m_size.height, false, cmap) != GIF_ERROR;
    for (int y = 0; ok && y < m_size.height; ++y)
        ok = EGifPutLine(gif, m_indices.data() + size_t(y) * m_size.width, m_size.width) != GIF_ERROR;
    GifFreeMapObject(cmap);
    if (!ok) {
        const int err = errno;
        return Error{"cannot write GIF frame to '" + m_file.finalPath() + "': " + writeFailureReason(m_file.tempPath(), err) +
                     "; nothing was kept"};
    }
    ++m_frames;
    return {};
}

Status GifWriter::finish() {
    if (!m_gif) return Error{"GIF writer already finished"};
    int err = 0;
    errno = 0;
    const bool closed = EGifCloseFile(gifOf(m_gif), &err) != GIF_ERROR;
    const int why = errno;
    m_gif = nullptr;
    if (!closed) {
        const std::string reason = writeFailureReason(m_file.tempPath(), why);
        m_file.discard();
        return Error{"cannot finish '" + m_file.finalPath() + "': " + reason + "; nothing was kept"};
    }
    if (m_frames == 0) {
        m_file.discard();
        return Error{"no frames were written; '" + m_file.finalPath() + "' not created"};
    }
    return m_file.commit();
}

}  // namespace cnnscope
