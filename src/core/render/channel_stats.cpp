#include "core/render/channel_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace cnnscope {

void channelFrameStats(const cv::Mat& act, std::vector<ChannelFrameStats>& out) {
    out.clear();
    if (act.empty() || act.dims != 4 || act.type() != CV_32F || !act.isContinuous()) return;
    const int C = act.size[1];
    const size_t n = size_t(act.size[2]) * size_t(act.size[3]);
    if (n == 0) return;  // no positions: nothing to say (not "constant 0")
    out.resize(size_t(C));
    for (int c = 0; c < C; ++c) {
        const float* p = act.ptr<float>(0, c);
        double sum = 0;
        float lo = p[0], hi = p[0];
        size_t pos = 0;
        for (size_t i = 0; i < n; ++i) {
            const float v = p[i];
            sum += v;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
            pos += v > 0.f;
        }
        out[size_t(c)] = {float(sum / double(n)), lo, hi, float(double(pos) / double(n))};
    }
}

const std::vector<std::string>& channelSortNames() {
    static const std::vector<std::string> names = {"index", "mean", "max", "active", "variation"};
    return names;
}

std::string channelSortList() {
    std::string s;
    for (const auto& n : channelSortNames()) s += (s.empty() ? "" : ", ") + n;
    return s;
}

bool parseChannelSort(const std::string& name, ChannelSort& out) {
    const auto& names = channelSortNames();
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) return false;
    out = ChannelSort(it - names.begin());
    return true;
}

void ChannelHistory::reset(const std::string& key, int channels) {
    if (key == m_key && channels == int(m_sum.size())) return;
    m_key = key;
    m_frames = 0;
    m_lastId = 0;
    m_sum.assign(size_t(std::max(0, channels)), Sum{});
    m_recent.clear();
    m_recentFrames.clear();
}

void ChannelHistory::add(uint64_t id, int64_t frameIndex, const std::vector<ChannelFrameStats>& frame) {
    if (frame.size() != m_sum.size()) {
        const std::string key = m_key;
        m_key.clear();
        reset(key, int(frame.size()));
    }
    if (frame.empty() || (m_frames > 0 && id == m_lastId)) return;
    m_lastId = id;
    std::vector<float> means(frame.size());
    for (size_t c = 0; c < frame.size(); ++c) {
        const ChannelFrameStats& f = frame[c];
        Sum& s = m_sum[c];
        if (m_frames == 0) {
            s.min = f.min;
            s.max = f.max;
            s.constant = f.min == f.max;
        } else {
            s.constant = s.constant && f.min == f.max && f.min == s.min;
            s.min = std::min(s.min, f.min);
            s.max = std::max(s.max, f.max);
        }
        const double d = double(f.mean) - s.mean;  // Welford: exact for equal means, no cancellation
        s.mean += d / double(m_frames + 1);
        s.m2 += d * (double(f.mean) - s.mean);
        s.active += f.active;
        means[c] = f.mean;
    }
    ++m_frames;
    m_recent.push_back(std::move(means));
    m_recentFrames.push_back(frameIndex);
    while (int(m_recent.size()) > m_window) {
        m_recent.pop_front();
        m_recentFrames.pop_front();
    }
}

ChannelSummary ChannelHistory::summary(int channel) const {
    ChannelSummary r;
    r.channel = channel;
    if (channel < 0 || channel >= channels() || m_frames == 0) return r;
    const Sum& s = m_sum[size_t(channel)];
    const double n = m_frames;
    r.frames = m_frames;
    r.mean = s.mean;
    r.variation = std::sqrt(std::max(0.0, s.m2 / n));  // population
    r.min = s.min;
    r.max = s.max;
    r.active = s.active / n;
    r.constant = s.constant;
    return r;
}

std::vector<float> ChannelHistory::series(int channel) const {
    std::vector<float> out;
    if (channel < 0 || channel >= channels()) return out;
    out.reserve(m_recent.size());
    for (const auto& f : m_recent) out.push_back(f[size_t(channel)]);
    return out;
}

std::vector<int> ChannelHistory::order(ChannelSort sort, bool hideConstant) const {
    std::vector<ChannelSummary> all;
    for (int c = 0; c < channels(); ++c) {
        ChannelSummary s = summary(c);
        if (hideConstant && s.constant && m_frames > 0) continue;
        all.push_back(s);
    }
    auto key = [sort](const ChannelSummary& s) -> double {
        switch (sort) {
            case ChannelSort::Mean: return s.mean;
            case ChannelSort::Max: return s.max;
            case ChannelSort::Active: return s.active;
            case ChannelSort::Variation: return s.variation;
            case ChannelSort::Index: break;
        }
        return -double(s.channel);
    };
    // Largest first; a NaN (maps with NaN in them) last, so the order stays a strict weak one.
    auto rank = [&](const ChannelSummary& s) {
        const double k = key(s);
        return std::isnan(k) ? -std::numeric_limits<double>::infinity() : k;
    };
    std::stable_sort(all.begin(), all.end(), [&](const ChannelSummary& a, const ChannelSummary& b) { return rank(a) > rank(b); });
    std::vector<int> out;
    out.reserve(all.size());
    for (const auto& s : all) out.push_back(s.channel);
    return out;
}

std::vector<int> ChannelHistory::constantChannels() const {
    std::vector<int> out;
    if (m_frames == 0) return out;
    for (int c = 0; c < channels(); ++c)
        if (m_sum[size_t(c)].constant) out.push_back(c);
    return out;
}

}  // namespace cnnscope
