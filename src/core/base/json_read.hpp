// A strict little JSON reader for the files cnnscope writes and reads back (featvis and topk
// shard files): objects, arrays, strings (with \" \\ \/ \n \t \uXXXX<128), numbers, true, false,
// null; at most 16 levels deep.
#pragma once

#include "core/base/expected.hpp"

#include <map>
#include <string>
#include <vector>

namespace cnnscope {

struct Json {
    enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
    double number = 0;
    bool boolean = false;
    std::string text;  // String; for Number the literal as written
    std::vector<Json> items;
    std::map<std::string, Json> members;
};

// Parses `text` into `root`; false with `error` ("unexpected text at byte N", ...) when it is not JSON.
bool parseJson(const std::string& text, Json& root, std::string& error);

// A whole small file read as text; an error naming the file when it cannot be read or is over
// `maxBytes` (`what` says what the file should have been, e.g. "a featvis shard file").
Expected<std::string> readSmallFile(const std::string& path, const std::string& what, size_t maxBytes = 64u << 20);

}  // namespace cnnscope
