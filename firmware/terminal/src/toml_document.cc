// The one place toml++ is included (.ci/check-layers.sh). toml::parse throws
// on a syntax error; the exception is caught here.

#include <toml++/toml.h>

#include <string>

#include "config_tree.h"

namespace mykey::terminal {
namespace {

ConfigNode Convert(const toml::node& node) {
  ConfigNode out;
  const auto& where = node.source().begin;
  out.line = static_cast<int>(where.line);
  out.column = static_cast<int>(where.column);
  if (const auto* table = node.as_table()) {
    out.kind = ConfigNode::Kind::kTable;
    for (const auto& [key, value] : *table) {
      ConfigNode child = Convert(value);
      if (child.line == 0) {
        child.line = static_cast<int>(key.source().begin.line);
        child.column = static_cast<int>(key.source().begin.column);
      }
      child.key = std::string(key.str());
      out.members.push_back(std::move(child));
    }
  } else if (const auto* array = node.as_array()) {
    out.kind = ConfigNode::Kind::kArray;
    for (const auto& item : *array) out.items.push_back(Convert(item));
  } else if (const auto* text = node.as_string()) {
    out.kind = ConfigNode::Kind::kString;
    out.text = text->get();
  } else if (const auto* integer = node.as_integer()) {
    out.kind = ConfigNode::Kind::kInteger;
    out.integer = integer->get();
  } else if (const auto* number = node.as_floating_point()) {
    out.kind = ConfigNode::Kind::kFloat;
    out.number = number->get();
  } else if (const auto* boolean = node.as_boolean()) {
    out.kind = ConfigNode::Kind::kBoolean;
    out.boolean = boolean->get();
  } else {
    out.kind = ConfigNode::Kind::kOther;  // dates and times: no key takes them
  }
  return out;
}

}  // namespace

Result<ConfigNode> ParseTomlDocument(std::string_view text, ConfigSyntaxError& error) {
  try {
    toml::table table = toml::parse(text);
    ConfigNode root = Convert(table);
    root.line = 0;
    root.column = 0;
    return root;
  } catch (const toml::parse_error& e) {
    error.line = static_cast<int>(e.source().begin.line);
    error.column = static_cast<int>(e.source().begin.column);
    error.message = std::string(e.description());
    return Fail(ErrorCode::kInvalidArgument, "configuration is not valid TOML", ErrorDomain::kParse,
                error.line);
  } catch (...) {
    error.message = "could not parse the configuration";
    return Fail(ErrorCode::kInvalidArgument, "configuration could not be parsed",
                ErrorDomain::kParse, 0);
  }
}

}  // namespace mykey::terminal
