#pragma once
// How the index keeps an object's user metadata and stored headers: one JSON object per map,
// name → value. Header values are bytes, not always UTF-8 (Python's http.client sends str
// values as Latin-1), and S3 returns them as they came: a value that is not UTF-8 is kept as
// {"hex": ...} so that every byte comes back. Names are header tokens, ASCII.
//
// map_from_json runs for every GET and HEAD, so it reads the text straight into the map (a SAX
// parse) instead of building a document first; text it cannot read, or that is not an object,
// gives an empty map, and members of any other shape are skipped. Pure functions.

#include <map>
#include <string>

namespace imgpipe::store {

std::string map_to_json(const std::map<std::string, std::string>& m);
std::map<std::string, std::string> map_from_json(const std::string& json);

}  // namespace imgpipe::store
