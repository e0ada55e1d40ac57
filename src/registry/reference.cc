#include "registry/reference.h"

#include <regex>

#include "common/error.h"
#include "store/digest.h"

namespace mini::registry {

namespace {

constexpr std::string_view kDockerHub = "docker.io";

bool looks_like_domain(std::string_view component) {
  return component.find_first_of(".:") != std::string_view::npos || component == "localhost";
}

// Grammar from the distribution project's reference package.
const std::regex& path_component_regex() {
  static const std::regex re("[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*");
  return re;
}
const std::regex& tag_regex() {
  static const std::regex re("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  return re;
}
const std::regex& domain_regex() {
  static const std::regex re(
      "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?))*"
      "(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?");
  return re;
}

[[noreturn]] void invalid(std::string_view text, const std::string& why) {
  throw Error("invalid reference format \"" + std::string(text) + "\": " + why +
              " (expected NAME[:TAG][@sha256:DIGEST], e.g. alpine:3.20)");
}

}  // namespace

Reference parse_reference(std::string_view text) {
  if (text.empty()) invalid(text, "empty name");
  // Longer than a 255-byte name, a tag and a digest together: refused before
  // any regex sees it.
  if (text.size() > 255 + 1 + 128 + 1 + 71) invalid(text, "too long");
  Reference ref;
  std::string_view rest = text;

  if (auto at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    if (!store::is_valid_digest(ref.digest)) invalid(text, "digest must be sha256: followed by 64 lowercase hex digits");
    rest = rest.substr(0, at);
  }
  // A tag follows the last ':' only if no '/' comes after it (else it is a port).
  if (auto colon = rest.rfind(':'); colon != std::string_view::npos && rest.find('/', colon) == std::string_view::npos) {
    ref.tag = std::string(rest.substr(colon + 1));
    if (!std::regex_match(ref.tag, tag_regex())) invalid(text, "bad tag \"" + ref.tag + "\"");
    rest = rest.substr(0, colon);
  }
  std::string_view remainder = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos && looks_like_domain(rest.substr(0, slash))) {
    ref.domain = std::string(rest.substr(0, slash));
    remainder = rest.substr(slash + 1);
    if (!std::regex_match(ref.domain, domain_regex())) invalid(text, "bad registry host \"" + ref.domain + "\"");
  } else {
    ref.domain = std::string(kDockerHub);
  }
  if (ref.domain == "index.docker.io") ref.domain = std::string(kDockerHub);
  if (remainder.empty()) invalid(text, "missing repository name");

  size_t start = 0;
  while (start <= remainder.size()) {
    size_t end = remainder.find('/', start);
    if (end == std::string_view::npos) end = remainder.size();
    std::string component(remainder.substr(start, end - start));
    if (!std::regex_match(component, path_component_regex()))
      invalid(text, "repository name components must be lowercase letters, digits and separators");
    start = end + 1;
  }
  ref.path = std::string(remainder);
  if (ref.domain == kDockerHub && ref.path.find('/') == std::string::npos) ref.path = "library/" + ref.path;
  // As Docker: the normalized name, host included, so that full() parses
  // again (found by fuzz_reference).
  if (ref.repository().size() > 255) invalid(text, "repository name longer than 255 characters");
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

std::string Reference::repository() const { return domain + "/" + path; }

std::string Reference::full() const {
  std::string out = repository();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::familiar_repository() const {
  if (domain != kDockerHub) return repository();
  // A Docker Hub path whose first component looks like a host would name
  // another registry once docker.io/ is dropped: keep it.
  if (looks_like_domain(std::string_view(path).substr(0, path.find('/'))) && path.find('/') != std::string::npos)
    return repository();
  // As Docker's FamiliarName: "library/" goes only when one component is
  // left, or docker.io/library/a/b would print as a/b, which is another image.
  constexpr std::string_view library = "library/";
  if (path.compare(0, library.size(), library) == 0 && path.find('/', library.size()) == std::string::npos)
    return path.substr(library.size());
  return path;
}

std::string Reference::familiar() const {
  std::string out = familiar_repository();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::registry_host() const {
  return domain == kDockerHub ? "registry-1.docker.io" : domain;
}

}  // namespace mini::registry
