#include "mykey/api/json_body.h"

#include <set>

#include "mykey/json/json.h"

namespace mykey::cloud {

namespace {

/// Depth of the deepest array/object, scanning outside strings; stops early
/// past `limit`. Done before parsing so that a hostile body cannot drive a
/// recursive parser or destructor deep.
int NestingDepth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

bool IsAsciiDigit(char c) noexcept {
  return c >= '0' && c <= '9';
}

struct JsonObject::State {
  json::Json object;
  std::set<std::string, std::less<>> read;
  std::optional<ApiError> first_problem;

  /// The member, or nullptr if absent; marks it read.
  const json::Json* Member(std::string_view name) {
    read.emplace(name);
    const auto it = object.find(std::string(name));
    return it == object.end() ? nullptr : &*it;
  }
  void Problem(std::string_view name, std::string_view what) {
    if (!first_problem) first_problem = ApiError::InvalidField(std::string(name), what);
  }
  std::optional<std::string> ReadString(std::string_view name, const StringRule& rule,
                                        bool required) {
    const json::Json* member = Member(name);
    if (member == nullptr || member->is_null()) {
      if (required) Problem(name, "is required");
      return std::nullopt;
    }
    if (!member->is_string()) {
      Problem(name, "must be a string");
      return std::nullopt;
    }
    const auto& text = member->get_ref<const std::string&>();
    if (text.size() < rule.min_length || text.size() > rule.max_length) {
      Problem(name, "has a length out of range (" + std::to_string(rule.min_length) + ".." +
                        std::to_string(rule.max_length) + ")");
      return std::nullopt;
    }
    if (rule.char_allowed != nullptr) {
      for (char c : text) {
        if (!rule.char_allowed(c)) {
          Problem(name,
                  std::string("must contain only ") +
                      (rule.charset_name != nullptr ? rule.charset_name : "allowed characters"));
          return std::nullopt;
        }
      }
    }
    return text;
  }
  std::optional<int64_t> ReadInteger(std::string_view name, int64_t min, int64_t max,
                                     bool required) {
    const json::Json* member = Member(name);
    if (member == nullptr || member->is_null()) {
      if (required) Problem(name, "is required");
      return std::nullopt;
    }
    int64_t value = 0;
    if (member->is_number_integer() && !member->is_number_unsigned()) {
      value = member->get<int64_t>();
    } else if (member->is_number_unsigned()) {
      const auto u = member->get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) {
        Problem(name, "is out of range");
        return std::nullopt;
      }
      value = static_cast<int64_t>(u);
    } else {
      Problem(name, "must be an integer");
      return std::nullopt;
    }
    if (value < min || value > max) {
      Problem(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return std::nullopt;
    }
    return value;
  }
  std::optional<bool> ReadBoolean(std::string_view name, bool required) {
    const json::Json* member = Member(name);
    if (member == nullptr || member->is_null()) {
      if (required) Problem(name, "is required");
      return std::nullopt;
    }
    if (!member->is_boolean()) {
      Problem(name, "must be true or false");
      return std::nullopt;
    }
    return member->get<bool>();
  }
};

ApiResult<JsonObject> JsonObject::Parse(std::string_view body) {
  if (NestingDepth(body, kMaxJsonDepth) > kMaxJsonDepth) {
    return ApiError::InvalidJson("the body nests deeper than " + std::to_string(kMaxJsonDepth));
  }
  auto parsed = json::ParseJson(body);
  if (!parsed) {
    return ApiError::InvalidJson("the body is not valid JSON (at byte " +
                                 std::to_string(parsed.error().detail()) + ")");
  }
  if (!parsed->is_object()) return ApiError::InvalidJson("the body must be a JSON object");
  auto state = std::make_unique<State>();
  state->object = std::move(*parsed);
  return JsonObject(std::move(state));
}

JsonObject::JsonObject(std::unique_ptr<State> state) : state_(std::move(state)) {}
JsonObject::JsonObject(JsonObject&&) noexcept = default;
JsonObject& JsonObject::operator=(JsonObject&&) noexcept = default;
JsonObject::~JsonObject() = default;

std::string JsonObject::String(std::string_view name, const StringRule& rule) {
  return state_->ReadString(name, rule, /*required=*/true).value_or("");
}

std::optional<std::string> JsonObject::OptionalString(std::string_view name,
                                                      const StringRule& rule) {
  return state_->ReadString(name, rule, /*required=*/false);
}

int64_t JsonObject::Integer(std::string_view name, int64_t min, int64_t max) {
  return state_->ReadInteger(name, min, max, /*required=*/true).value_or(0);
}

std::optional<int64_t> JsonObject::OptionalInteger(std::string_view name, int64_t min,
                                                   int64_t max) {
  return state_->ReadInteger(name, min, max, /*required=*/false);
}

bool JsonObject::Boolean(std::string_view name) {
  return state_->ReadBoolean(name, /*required=*/true).value_or(false);
}

std::optional<bool> JsonObject::OptionalBoolean(std::string_view name) {
  return state_->ReadBoolean(name, /*required=*/false);
}

std::optional<ApiError> JsonObject::Finish() const {
  for (const auto& [key, value] : state_->object.items()) {
    if (!state_->read.contains(key)) return ApiError::UnknownField(key);
  }
  return state_->first_problem;
}

}  // namespace mykey::cloud
