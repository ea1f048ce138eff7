#pragma once

// The JSON of the scheme's parties, as the API answers them and as
// `mykey-cloud admin ... --json` prints them: one encoding for both.

#include <string>
#include <vector>

#include "mykey/scheme/municipalities.h"
#include "mykey/scheme/parties.h"

namespace mykey::cloud {

/// `{"code","name","cross_municipality_use","created_at_ms"}`.
std::string ToJson(const Municipality& municipality);
/// `{"id","municipality_code","code","name","kind","created_at_ms"}`.
std::string ToJson(const Programme& programme);
/// `{"id","municipality_code","name","kind","status","programme_ids","created_at_ms"}`.
std::string ToJson(const Merchant& merchant);
/// `{"id","code","name","created_at_ms"}`.
std::string ToJson(const Provider& provider);

/// JSON arrays of the above, in the given order.
std::string ToJson(const std::vector<Programme>& programmes);
std::string ToJson(const std::vector<Merchant>& merchants);
std::string ToJson(const std::vector<Provider>& providers);

}  // namespace mykey::cloud
