// Persisted view settings.
#include "ui/settings.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace fs = std::filesystem;

namespace cnnscope::ui {

std::string settingsPath() {
    fs::path base;
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) base = x;
    else if (const char* h = std::getenv("HOME"); h && *h) base = fs::path(h) / ".config";
    else return {};
    return (base / "cnnscope" / "settings.ini").string();
}

ViewState loadSettings(const ViewState& defaults) {
    ViewState s = defaults;
    std::ifstream in(settingsPath());
    std::map<std::string, std::string> kv;
    for (std::string line; std::getline(in, line);) {
        const auto eq = line.find('=');
        if (eq != std::string::npos && line[0] != '#') kv[line.substr(0, eq)] = line.substr(eq + 1);
    }
    auto num = [&](const char* k, auto& v) {
        auto it = kv.find(k);
        if (it == kv.end()) return;
        try {
            v = static_cast<std::remove_reference_t<decltype(v)>>(std::stod(it->second));
        } catch (...) {
        }
    };
    if (kv.count("layer")) s.layer = kv["layer"];
    num("channel", s.channel);
    int mode = int(s.mode), cmap = int(s.colormap), showInput = s.showInput, all = s.allChannels;
    num("mode", mode);
    num("colormap", cmap);
    num("show_input", showInput);
    num("all_channels", all);
    s.mode = ViewMode(mode);
    s.colormap = Colormap(cmap);
    s.showInput = showInput != 0;
    s.allChannels = all != 0;
    num("tiles", s.tiles);
    num("opacity", s.opacity);
    num("gamma", s.norm.gamma);
    int norm = int(s.norm.mode);
    num("normalize", norm);
    if (norm >= 0 && norm <= 3) s.norm.mode = NormMode(norm);
    num("fixed_lo", s.norm.fixedLo);
    num("fixed_hi", s.norm.fixedHi);
    num("percentile", s.norm.percentile);
    num("window_w", s.windowW);
    num("window_h", s.windowH);
    clamp(s);
    return s;
}

void saveSettings(const ViewState& s) {
    const std::string path = settingsPath();
    if (path.empty()) return;
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp);
        if (!out) return;
        out << "# cnnscope settings, written on exit\n"
            << "layer=" << s.layer << "\nchannel=" << s.channel << "\nmode=" << int(s.mode) << "\ntiles=" << s.tiles
            << "\nall_channels=" << int(s.allChannels) << "\ncolormap=" << int(s.colormap) << "\nnormalize=" << int(s.norm.mode)
            << "\nfixed_lo=" << s.norm.fixedLo << "\nfixed_hi=" << s.norm.fixedHi << "\npercentile=" << s.norm.percentile
            << "\ngamma=" << s.norm.gamma << "\nopacity=" << s.opacity << "\nshow_input=" << int(s.showInput)
            << "\nwindow_w=" << s.windowW << "\nwindow_h=" << s.windowH << "\n";
    }
    fs::rename(tmp, path, ec);
}

}  // namespace cnnscope::ui
