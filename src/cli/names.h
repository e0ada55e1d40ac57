#pragma once
#include <string>

namespace mini::cli {

// A readable "adjective_surname" name, as Docker gives unnamed containers.
std::string random_container_name();

}  // namespace mini::cli
