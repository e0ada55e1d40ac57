#include "store/image_config.h"

#include <string>

#include "common/error.h"

namespace mini::store {

namespace {

using nlohmann::json;

const char* type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    default: return "something else";
  }
}

[[noreturn]] void refuse(const std::string& field, const std::string& why) {
  throw Error("image config: " + field + ": " + why + "; the image is malformed, rebuild it or use another");
}

void expect(bool ok, const std::string& field, const char* wanted, const json& value) {
  if (!ok) refuse(field, std::string("expected ") + wanted + ", got " + type_name(value));
}

void check_string(const json& value, const std::string& field) {
  expect(value.is_string(), field, "a string", value);
  if (value.get_ref<const std::string&>().find('\0') != std::string::npos) refuse(field, "contains a NUL byte");
}

void check_strings(const json& value, const std::string& field) {
  expect(value.is_array(), field, "an array of strings", value);
  for (size_t i = 0; i < value.size(); ++i) check_string(value[i], field + "[" + std::to_string(i) + "]");
}

// Docker's strslice: a list of strings, or one string standing for a
// one-element list (not a shell command).
void check_command(const json& value, const std::string& field) {
  if (value.is_string()) return check_string(value, field);
  check_strings(value, field);
}

void check_string_map(const json& value, const std::string& field) {
  expect(value.is_object(), field, "an object", value);
  for (const auto& [key, item] : value.items()) {
    if (key.find('\0') != std::string::npos) refuse(field, "a key contains a NUL byte");
    check_string(item, field + "[\"" + key + "\"]");
  }
}

// ExposedPorts and Volumes: a set, written as keys mapped to {}.
void check_set(const json& value, const std::string& field) {
  expect(value.is_object(), field, "an object", value);
  for (const auto& [key, item] : value.items()) {
    if (key.find('\0') != std::string::npos) refuse(field, "a key contains a NUL byte");
    (void)item;  // Docker ignores the values
  }
}

void check_integer(const json& value, const std::string& field) {
  expect(value.is_number_integer() || value.is_number_unsigned(), field, "an integer", value);
}

void check_healthcheck(const json& value, const std::string& field) {
  expect(value.is_object(), field, "an object", value);
  for (const auto& [key, item] : value.items()) {
    if (item.is_null()) continue;
    if (key == "Test") check_strings(item, field + ".Test");
    else if (key == "Interval" || key == "Timeout" || key == "StartPeriod" || key == "StartInterval" || key == "Retries")
      check_integer(item, field + "." + key);
  }
}

void check_container_config(const json& config, const std::string& field) {
  expect(config.is_object(), field, "an object", config);
  for (const auto& [key, value] : config.items()) {
    const std::string name = field + "." + key;
    if (value.is_null()) continue;  // Go writes absent lists as null
    if (key == "User" || key == "WorkingDir" || key == "StopSignal" || key == "Hostname" || key == "Domainname" ||
        key == "Image")
      check_string(value, name);
    else if (key == "Env" || key == "Shell" || key == "OnBuild")
      check_strings(value, name);
    else if (key == "Cmd" || key == "Entrypoint")
      check_command(value, name);
    else if (key == "Labels")
      check_string_map(value, name);
    else if (key == "ExposedPorts" || key == "Volumes")
      check_set(value, name);
    else if (key == "Healthcheck")
      check_healthcheck(value, name);
    else if (key == "ArgsEscaped")
      expect(value.is_boolean(), name, "a boolean", value);
    else if (key == "StopTimeout")
      check_integer(value, name);
  }
}

}  // namespace

void validate_image_config(const json& config) {
  expect(config.is_object(), "the document", "an object", config);
  for (const char* key : {"architecture", "os", "variant", "created", "author"})
    if (auto it = config.find(key); it != config.end() && !it->is_null()) check_string(*it, key);
  // Older images carry container_config (the build container's) too; mini
  // reads only config, but both come from the same untrusted document.
  for (const char* key : {"config", "container_config"})
    if (auto it = config.find(key); it != config.end() && !it->is_null()) check_container_config(*it, key);
}

}  // namespace mini::store
