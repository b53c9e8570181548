// Persisted view settings.
#include "ui/settings.hpp"

#include "core/io/atomic_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;

namespace cnnscope::ui {

std::string settingsPath() {
    fs::path base;
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) base = x;
    else if (const char* h = std::getenv("HOME"); h && *h) base = fs::path(h) / ".config";
    else return {};
    return (base / "cnnscope" / "settings.ini").string();
}

LoadedSettings loadSettings(const ViewState& defaults) {
    LoadedSettings out;
    out.view = defaults;
    ViewState& s = out.view;
    const std::string path = settingsPath();
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (path.empty() || status.type() == fs::file_type::not_found) return out;
    auto unreadable = [&](const std::string& why) {
        out.problems.push_back("cannot read the settings file " + path + " (" + why +
                               "): using the defaults; it is left as it is and not overwritten on exit");
        out.writable = false;
        return out;
    };
    if (status.type() != fs::file_type::regular) return unreadable("not a regular file");
    std::ifstream in(path);
    if (!in) return unreadable(std::strerror(errno));
    std::map<std::string, std::string> kv;
    for (std::string line; std::getline(in, line);) {
        const auto eq = line.find('=');
        if (eq != std::string::npos && line[0] != '#') kv[line.substr(0, eq)] = line.substr(eq + 1);
    }
    if (in.bad()) return unreadable(std::strerror(errno));
    auto bad = [&](const std::string& key, const std::string& value) {
        out.problems.push_back("settings file " + path + ": bad value '" + value + "' for " + key +
                               ": using the default; the file is left as it is and not overwritten on exit");
        out.writable = false;
    };
    // Reads key into v when present; a value that is not a number in [lo, hi] is reported.
    auto num = [&](const char* k, auto& v, double lo, double hi) {
        auto it = kv.find(k);
        if (it == kv.end()) return;
        char* end = nullptr;
        const double d = std::strtod(it->second.c_str(), &end);
        if (it->second.empty() || *end != '\0' || !(d >= lo && d <= hi)) return bad(k, it->second);
        v = static_cast<std::remove_reference_t<decltype(v)>>(d);
    };
    constexpr double kBig = 1e9;
    if (kv.count("layer")) s.layer = kv["layer"];
    num("channel", s.channel, 0, kBig);
    int mode = int(s.mode), cmap = int(s.colormap), showInput = s.showInput, all = s.allChannels, norm = int(s.norm.mode);
    num("mode", mode, 0, 2);
    num("colormap", cmap, 0, double(colormapNames().size()) - 1);
    num("show_input", showInput, 0, 1);
    num("all_channels", all, 0, 1);
    num("normalize", norm, 0, 3);
    s.mode = ViewMode(mode);
    s.colormap = Colormap(cmap);
    s.showInput = showInput != 0;
    s.allChannels = all != 0;
    s.norm.mode = NormMode(norm);
    num("tiles", s.tiles, 1, 32);
    num("opacity", s.opacity, 0, 1);
    num("gamma", s.norm.gamma, 0.1, 10);
    num("fixed_lo", s.norm.fixedLo, -kBig, kBig);
    num("fixed_hi", s.norm.fixedHi, -kBig, kBig);
    num("percentile", s.norm.percentile, 50.5, 100);
    num("window_w", s.windowW, 320, 8192);
    num("window_h", s.windowH, 240, 8192);
    clamp(s);
    return out;
}

Status saveSettings(const ViewState& s) {
    const std::string path = settingsPath();
    if (path.empty()) return {};
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    std::ostringstream out;
    out << "# cnnscope settings, written on exit\n"
        << "layer=" << s.layer << "\nchannel=" << s.channel << "\nmode=" << int(s.mode) << "\ntiles=" << s.tiles
        << "\nall_channels=" << int(s.allChannels) << "\ncolormap=" << int(s.colormap) << "\nnormalize=" << int(s.norm.mode)
        << "\nfixed_lo=" << s.norm.fixedLo << "\nfixed_hi=" << s.norm.fixedHi << "\npercentile=" << s.norm.percentile
        << "\ngamma=" << s.norm.gamma << "\nopacity=" << s.opacity << "\nshow_input=" << int(s.showInput)
        << "\nwindow_w=" << s.windowW << "\nwindow_h=" << s.windowH << "\n";
    return writeTextAtomic(path, out.str());
}

}  // namespace cnnscope::ui
