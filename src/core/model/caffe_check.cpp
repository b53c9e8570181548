// Caffe .caffemodel checked before OpenCV's importer sees it, with the bounded protobuf reader of
// proto_wire.hpp: NetParameter.layer(s) -> BlobProto shape/data, every blob holding what its shape
// says. Every length is checked against the bytes left.
#include "core/model/model_check.hpp"
#include "core/model/proto_wire.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace cnnscope {

namespace {

using wire::Mapped;
using wire::Wire;

struct CaffeReader {
    std::string file;
    [[noreturn]] void corrupt(const std::string& where) const {
        throw CoreError("Caffe model '" + file + "' is truncated or corrupt (" + where +
                        " runs past its end); re-export or re-download it");
    }
};

std::string dimsStr(const std::vector<int64_t>& dims) {
    std::string s = "(";
    for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
    return s + ")";
}

// Caffe BlobProto: the values it holds (data or double_data) against its shape (or the legacy
// num/channels/height/width). Empty when they agree or the blob uses a form not checked here.
std::string caffeBlobProblem(Wire w, const CaffeReader& r) {
    std::vector<int64_t> shape, legacy(4, -1);
    uint64_t data = 0, doubles = 0, v;
    bool hasShape = false, hasRaw = false;
    uint32_t f;
    int type;
    while (!w.done()) {
        if (!w.key(f, type)) r.corrupt("a blob");
        Wire s{};
        if (f == 7 && type == 2) {
            if (!w.bytes(s)) r.corrupt("a blob");
            hasShape = true;
            while (!s.done()) {
                uint32_t g;
                int gt;
                if (!s.key(g, gt)) r.corrupt("a blob's shape");
                if (g == 1 && gt == 2) {
                    Wire d{};
                    if (!s.bytes(d)) r.corrupt("a blob's shape");
                    while (!d.done()) { if (!d.varint(v)) r.corrupt("a blob's shape"); shape.push_back(int64_t(v)); }
                } else if (g == 1 && gt == 0) {
                    if (!s.varint(v)) r.corrupt("a blob's shape");
                    shape.push_back(int64_t(v));
                } else if (!s.skip(gt)) r.corrupt("a blob's shape");
            }
        } else if ((f == 5 || f == 8) && type == 2) {
            if (!w.bytes(s)) r.corrupt("a blob");
            const int width = f == 5 ? 4 : 8;
            if ((s.end - s.p) % width) r.corrupt("a blob's values");
            (f == 5 ? data : doubles) += uint64_t(s.end - s.p) / width;
        } else if ((f == 5 && type == 5) || (f == 8 && type == 1)) {
            if (!w.skip(type)) r.corrupt("a blob");
            ++(f == 5 ? data : doubles);
        } else if (f >= 1 && f <= 4 && type == 0) {
            if (!w.varint(v)) r.corrupt("a blob");
            legacy[f - 1] = int64_t(int32_t(v));
        } else {
            if (f == 12) hasRaw = true;
            if (!w.skip(type)) r.corrupt("a blob");
        }
    }
    if (hasRaw) return {};
    const std::vector<int64_t>& dims = hasShape ? shape : legacy;
    long double count = 1;
    bool any = false;
    for (int64_t d : dims) {
        if (d == -1 && !hasShape) continue;
        if (d < 0) return "has a negative dimension " + dimsStr(dims);
        count *= (long double)d;
        any = true;
    }
    if (!any) return {};
    const uint64_t have = data ? data : doubles;
    if ((long double)have != count)
        return "declares shape " + dimsStr(dims) + " = " + std::to_string((unsigned long long)std::min(count, (long double)1e19)) +
               " values but holds " + std::to_string(have);
    return {};
}

}  // namespace

Status checkCaffeModel(const std::string& path) {
    return guard([&]() -> Status {
        const Mapped data(path);
        CaffeReader reader{path};
        Wire w{data.data(), data.data() + data.size()};
        uint32_t f;
        int type;
        while (!w.done()) {
            if (!w.key(f, type)) reader.corrupt("the net");
            Wire layer{};
            if (!((f == 100 || f == 2) && type == 2)) {
                if (!w.skip(type)) reader.corrupt("the net");
                continue;
            }
            if (!w.bytes(layer)) reader.corrupt("a layer");
            const uint32_t nameField = f == 100 ? 1 : 4, blobField = f == 100 ? 7 : 6;  // LayerParameter / V1LayerParameter
            std::string name;
            std::vector<Wire> blobs;
            uint32_t g;
            int gt;
            while (!layer.done()) {
                if (!layer.key(g, gt)) reader.corrupt("a layer");
                Wire s{};
                if (gt == 2 && (g == nameField || g == blobField)) {
                    if (!layer.bytes(s)) reader.corrupt("a layer");
                    if (g == nameField) name = s.str();
                    else blobs.push_back(s);
                } else if (!layer.skip(gt)) {
                    reader.corrupt("a layer");
                }
            }
            for (size_t i = 0; i < blobs.size(); ++i)
                if (auto problem = caffeBlobProblem(blobs[i], reader); !problem.empty())
                    return Error{"Caffe model '" + path + "': layer '" + shownName(name) + "', blob " + std::to_string(i) + " " + problem +
                                 "; the file is truncated or corrupt: download it again"};
        }
        return {};
    });
}

}  // namespace cnnscope
