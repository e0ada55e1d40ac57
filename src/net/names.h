#pragma once
#include <string>

namespace mini::net {

// A readable "adjective_surname" name, as Docker gives unnamed containers.
std::string random_container_name();

// Docker's rule for container names, [a-zA-Z0-9][a-zA-Z0-9_.-]*: nothing
// that could split a line of /etc/hosts, start an option or name a path.
bool is_valid_container_name(const std::string& name);
// Throws mini::Error with Docker's message unless is_valid_container_name.
void check_container_name(const std::string& name);

// A host name as RFC 1123 has it (dot-separated labels of letters, digits
// and inner '-'; '_' accepted, as glibc does), at most 64 bytes, the
// kernel's limit: it goes into /etc/hosts and sethostname.
bool is_valid_hostname(const std::string& name);
// Throws mini::Error saying what is allowed unless is_valid_hostname.
void check_hostname(const std::string& name);

}  // namespace mini::net
