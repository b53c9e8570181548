// Top-k run files (topk.json, topk.csv, shard.json) and their reader.
#include "core/unit/topk_index.hpp"
