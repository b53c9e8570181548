// One vocabulary of options across commands: the old names kept as aliases (one table), how ranges
// and aliases print in --help, the option table of every command (`cnnscope options`), and the
// parse itself (usage errors name the unexpected arguments in the user's order; a bare
// `cnnscope --layer X` is `cnnscope view --layer X`).
#include "cli/cli.hpp"

#include "core/base/parse.hpp"

#include <algorithm>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

namespace cnnscope::cli {

namespace {

// One name per idea. `canonical` is the name --help leads with and the README's option table
// lists; `alias` is an older (or another command's) name kept for old scripts. Whichever of the
// two a command registered itself, the other is added here and forwards its value to it.
struct AliasEntry {
    const char* command;
    const char* canonical;
    const char* alias;
};

const AliasEntry kAliases[] = {
    // --size: the size of what the command draws (record's maps, sweep's maps, transfer's
    // picture); the window's size is --window-size.
    {"view", "--window-size", "--size"},
    {"sweep", "--size", "--display-size"},
    // --tile-size: a tile's side in pixels; --tiles: tiles per side.
    {"atlas", "--tile-size", "--tile"},
    {"topk", "--tile-size", "--thumb"},
    // The style image of a Gatys transfer, and the back-projection's ReLU rule, by one name each.
    {"view", "--style-image", "--transfer"},
    {"backprop", "--backprop", "--mode"},
    // Every command takes its footage as the positional SOURCE.
    {"bench", "SOURCE", "--source"},
};

std::string aliasNote(const std::string& canonical) { return "Alias of " + canonical + ", kept for old scripts"; }

CLI::Option* findOption(CLI::App* app, const std::string& name) {
    for (CLI::Option* o : app->get_options()) {
        if (o->check_name(name)) return o;
    }
    return nullptr;
}

// Adds `name` to `sub` as a second spelling of `target`: its values are handed to `target` (which
// checks them against its own range and stores them), and giving both is a usage error (not
// CLI11's excludes(), which would count the forwarded value as the target given too).
CLI::Option* addForwarding(CLI::App* sub, CLI::Option* target, const std::string& name, const std::string& description) {
    auto* opt = sub->add_option(
        name,
        [target, name](const CLI::results_t& values) {
            if (target->count() > 0)
                throw CLI::ValidationError(name + " and " + target->get_name() + " are one option by two names: give it once");
            for (const auto& v : values) target->add_result(v);
            target->run_callback();
            return true;
        },
        description);
    opt->type_name(target->get_type_name());
    opt->type_size(target->get_type_size_min(), target->get_type_size_max());
    opt->expected(target->get_expected_min(), target->get_expected_max());
    opt->group(target->get_group());
    return opt;
}

void applyAliases(CLI::App& app) {
    for (const AliasEntry& e : kAliases) {
        CLI::App* sub = nullptr;
        try {
            sub = app.get_subcommand(e.command);
        } catch (const CLI::OptionNotFound&) {
            continue;  // e.g. no `view` in a build without the window
        }
        CLI::Option* canonical = findOption(sub, e.canonical);
        CLI::Option* alias = findOption(sub, e.alias);
        if (canonical && !alias) {
            addForwarding(sub, canonical, e.alias, aliasNote(e.canonical));
        } else if (alias && !canonical) {
            const std::string description = alias->get_description();
            CLI::Option* added = addForwarding(sub, alias, e.canonical, description);
            added->default_str(alias->get_default_str());
            alias->description(aliasNote(e.canonical));
            // "With --transfer: ..." in the command's other options names the canonical too.
            for (CLI::Option* o : sub->get_options()) {
                std::string d = o->get_description();
                const std::string from = std::string("With ") + e.alias + ":", to = std::string("With ") + e.canonical + ":";
                for (size_t at = d.find(from); at != std::string::npos; at = d.find(from, at + to.size())) d.replace(at, from.size(), to);
                o->description(d);
            }
        }
    }
}

std::map<const CLI::Option*, std::string>& rangeTexts() {
    static std::map<const CLI::Option*, std::string> texts;
    return texts;
}

// Validators' own descriptions ("INT in [20 - 10000]", "NONNEGATIVE") are not printed: the range
// from the one table is, once, in the option's description.
void quietValidators(CLI::Option* opt) {
    for (int i = 0;; ++i) {
        try {
            opt->get_validator(i)->description("");
        } catch (const CLI::OptionNotFound&) {
            return;
        }
    }
}

bool isAlias(const CLI::Option* o);

// --help: "--tiles INT=8   Tiles per side (range 1..32)"; an alias and its canonical name do not
// list each other as "Excludes" (the alias's description names the canonical).
class VocabularyFormatter : public CLI::Formatter {
public:
    std::string make_option_opts(const CLI::Option* opt) const override {
        std::stringstream out;
        if (!opt->get_option_text().empty()) return " " + opt->get_option_text();
        if (opt->get_type_size() != 0) {
            if (!opt->get_type_name().empty()) out << " " << get_label(opt->get_type_name());
            if (!opt->get_default_str().empty()) out << "=" << opt->get_default_str();
            if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) out << " ...";
            else if (opt->get_expected_min() > 1) out << " x " << opt->get_expected();
            if (opt->get_required()) out << " " << get_label("REQUIRED");
        }
        if (!opt->get_envname().empty()) out << " (" << get_label("Env") << ":" << opt->get_envname() << ")";
        if (!opt->get_needs().empty()) {
            out << " " << get_label("Needs") << ":";
            for (const CLI::Option* op : opt->get_needs()) out << " " << op->get_name();
        }
        std::string excludes;
        if (!isAlias(opt))
            for (const CLI::Option* op : opt->get_excludes())
                if (!isAlias(op)) excludes += " " + op->get_name();
        if (!excludes.empty()) out << " " << get_label("Excludes") << ":" << excludes;
        return out.str();
    }
    std::string make_option_desc(const CLI::Option* opt) const override {
        std::string d = opt->get_description();
        const auto it = rangeTexts().find(opt);
        if (it != rangeTexts().end()) d += " (range " + it->second + ")";
        return d;
    }
};

std::string optionName(const CLI::Option* o) {
    if (o->get_positional() && o->get_lnames().empty() && o->get_snames().empty()) return o->get_name(true, false);
    std::string n;
    for (const auto& s : o->get_snames()) n += (n.empty() ? "-" : ", -") + s;
    for (const auto& l : o->get_lnames()) n += (n.empty() ? "--" : ", --") + l;
    return n;
}

bool isAlias(const CLI::Option* o) { return o->get_description().rfind("Alias of ", 0) == 0; }

// A flag takes no value: CLI11 expects no items for it (the global --verbose before a command too).
bool isFlag(const CLI::Option* o) { return o->get_items_expected_max() == 0; }

std::string typeText(const CLI::Option* o) {
    if (isFlag(o)) return {};
    return o->get_type_name();
}

struct Row {
    std::string option, meaning, defaultValue, range, aliases;
    std::vector<std::string> commands;
};

std::vector<Row> optionRows(CLI::App& app) {
    std::vector<Row> rows;
    auto add = [&](const std::string& command, const CLI::Option* o, const std::vector<CLI::Option*>& all) {
        if (o->get_name() == "--help" || o->check_name("--help") || o->check_name("--version") || isAlias(o)) return;
        const std::string name = optionName(o);
        std::string aliases;
        for (const CLI::Option* a : all) {
            if (!isAlias(a)) continue;
            const std::string d = a->get_description().substr(std::string("Alias of ").size());
            const std::string of = d.substr(0, d.find_first_of(", "));
            if (of == name || o->check_name(of)) aliases += (aliases.empty() ? "" : ", ") + optionName(a);
        }
        const auto it = rangeTexts().find(o);
        Row r{name + (typeText(o).empty() ? "" : " " + typeText(o)), o->get_description(), o->get_default_str(),
              it == rangeTexts().end() ? "" : it->second, aliases, {command}};
        for (Row& e : rows)
            if (e.option == r.option && e.meaning == r.meaning && e.defaultValue == r.defaultValue && e.range == r.range &&
                e.aliases == r.aliases) {
                e.commands.push_back(command);
                return;
            }
        rows.push_back(std::move(r));
    };
    for (CLI::Option* o : app.get_options()) add("(any)", o, app.get_options());
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        const auto all = sub->get_options();
        for (CLI::Option* o : all) add(sub->get_name(), o, all);
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        auto key = [](const std::string& s) {
            std::string k = s;
            k.erase(0, k.find_first_not_of("-"));
            return lower(k);
        };
        return key(a.option) < key(b.option);
    });
    return rows;
}

std::string cell(std::string s) {
    std::string out;
    for (char c : s) {
        if (c == '|') out += "\\|";
        else if (c == '\n') out += ' ';
        else out += c;
    }
    return out;
}

int printOptions(CLI::App& app, bool markdown) {
    const auto rows = optionRows(app);
    if (markdown) {
        std::cout << "| option | meaning | commands | default | range | aliases |\n|---|---|---|---|---|---|\n";
        for (const Row& r : rows) {
            std::string commands;
            for (const auto& c : r.commands) commands += (commands.empty() ? "" : ", ") + c;
            std::cout << "| `" << cell(r.option) << "` | " << cell(r.meaning) << " | " << cell(commands) << " | "
                      << (r.defaultValue.empty() ? "" : "`" + cell(r.defaultValue) + "`") << " | " << cell(r.range) << " | "
                      << cell(r.aliases) << " |\n";
        }
        return 0;
    }
    for (const Row& r : rows) {
        std::string commands;
        for (const auto& c : r.commands) commands += (commands.empty() ? "" : ", ") + c;
        std::cout << r.option << "\n    " << r.meaning << "\n    commands: " << commands;
        if (!r.defaultValue.empty()) std::cout << "; default " << r.defaultValue;
        if (!r.range.empty()) std::cout << "; range " << r.range;
        if (!r.aliases.empty()) std::cout << "; aliases " << r.aliases;
        std::cout << "\n";
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------
// The parse

bool isHelpOrVersion(const std::string& a) { return a == "-h" || a == "--help" || a == "--help-all" || a == "--version"; }

// The index of the first argument that is not a global option (or a global option's value).
size_t firstCommandIndex(CLI::App& app, const std::vector<std::string>& args) {
    size_t i = 0;
    while (i < args.size()) {
        const std::string& a = args[i];
        const std::string name = a.substr(0, a.find('='));
        CLI::Option* global = a.rfind("--", 0) == 0 ? findOption(&app, name) : nullptr;
        if (!global || isHelpOrVersion(a)) break;
        i += (isFlag(global) || a.find('=') != std::string::npos) ? 1 : 2;
    }
    return i;
}

std::string commandList(CLI::App& app) {
    std::string s;
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) s += (s.empty() ? "" : ", ") + sub->get_name();
    return s;
}

// The usage error's command, for "see `cnnscope grid --help`".
std::string whereText(CLI::App& app) {
    std::string where = "cnnscope";
    for (const CLI::App* sub = &app; sub;) {
        const auto subs = sub->get_subcommands();
        sub = subs.empty() ? nullptr : subs.front();
        if (sub) where += " " + sub->get_name();
    }
    return where;
}

}  // namespace

void applyVocabulary(CLI::App& app) {
    applyAliases(app);
    auto formatter = std::make_shared<VocabularyFormatter>();
    app.formatter(formatter);
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) sub->formatter(formatter);
}

void noteRange(const CLI::Option* opt, const std::string& text) { rangeTexts()[opt] = text; }

void quietAllValidators(CLI::App& app) {
    for (CLI::Option* o : app.get_options()) quietValidators(o);
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
        for (CLI::Option* o : sub->get_options()) quietValidators(o);
}

void registerOptions(CLI::App& app, std::function<int()>& action) {
    static bool markdown = false;
    auto* c = app.add_subcommand("options", "List every option of every command: meaning, commands, default, range and the old "
                                            "names kept as aliases (the README's option table is this with --markdown)");
    c->add_flag("--markdown", markdown, "Print the table as Markdown");
    c->callback([&app, &action] { action = [&app] { return printOptions(app, markdown); }; });
}

std::optional<int> parseArguments(CLI::App& app, int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    // No command but options: the window's (`cnnscope --layer block2_conv1` is `cnnscope view
    // --layer block2_conv1`); a word that is no command is named as such.
    const size_t i = firstCommandIndex(app, args);
    if (i < args.size() && !isHelpOrVersion(args[i])) {
        CLI::App* command = nullptr;
        try {
            command = app.get_subcommand(args[i]);
        } catch (const CLI::OptionNotFound&) {
        }
        if (!command) {
            bool hasView = true;
            try {
                app.get_subcommand("view");
            } catch (const CLI::OptionNotFound&) {
                hasView = false;
            }
            if (args[i].rfind("-", 0) == 0 && hasView) {
                args.insert(args.begin() + std::ptrdiff_t(i), "view");
            } else {
                fail("'" + args[i] + "' is not a command (commands: " + commandList(app) + ")" +
                     (hasView ? "; to open the window on a file, say `cnnscope view " + args[i] + "`" : std::string()) +
                     " (see `cnnscope --help`)");
                return 2;
            }
        }
    }
    // --caption without a value (grid's old flag, before another option, at the end, or before
    // SOURCE): the full caption. Any other word after it is its value, checked as such.
    for (size_t k = 0; k < args.size(); ++k) {
        if (args[k] != "--caption") continue;
        std::error_code ec;
        if (k + 1 == args.size() || args[k + 1].rfind("-", 0) == 0 ||
            (args[k + 1] != "none" && args[k + 1] != "short" && args[k + 1] != "full" && std::filesystem::exists(args[k + 1], ec)))
            args[k] = "--caption=full";
    }
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        if (dynamic_cast<const CLI::CallForHelp*>(&e) || dynamic_cast<const CLI::CallForAllHelp*>(&e) ||
            dynamic_cast<const CLI::CallForVersion*>(&e) || e.get_exit_code() == 0)
            return app.exit(e);
        std::string message = e.what();
        if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
            // CLI11 collects them back to front: list them as the user typed them.
            std::vector<std::string> left = app.remaining(true);
            std::vector<std::pair<size_t, std::string>> placed;
            std::vector<bool> used(args.size(), false);
            for (const auto& a : left) {
                size_t at = args.size();
                for (size_t k = 0; k < args.size(); ++k)
                    if (!used[k] && args[k] == a) {
                        at = k;
                        break;
                    }
                if (at < args.size()) used[at] = true;
                placed.emplace_back(at, a);
            }
            std::stable_sort(placed.begin(), placed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
            std::string list;
            for (const auto& p : placed) list += (list.empty() ? "" : " ") + p.second;
            if (!placed.empty())
                message = std::string(placed.size() > 1 ? "The following arguments were not expected: " : "The following argument was not expected: ") + list;
        }
        fail(message + " (see `" + whereText(app) + " --help`)");
        return 2;
    }
    return std::nullopt;
}

}  // namespace cnnscope::cli
