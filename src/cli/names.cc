#include "cli/names.h"

#include <cstdint>
#include <iterator>

#include "common/fs_util.h"

namespace mini::cli {

std::string random_container_name() {
  static const char* adjectives[] = {"admiring", "bold",    "brave",   "clever",  "dazzling", "eager",
                                     "focused",  "gallant", "happy",   "jolly",   "keen",     "lucid",
                                     "modest",   "nifty",   "quirky",  "serene",  "tender",   "vibrant"};
  static const char* names[] = {"curie",   "darwin", "euler",    "fermi",  "galois", "hopper", "hypatia",
                                "kepler",  "lovelace", "noether", "pascal", "ritchie", "shannon", "thompson",
                                "turing",  "wozniak", "yonath",   "torvalds"};
  std::string hex = fsutil::random_hex(4);
  uint32_t r = static_cast<uint32_t>(std::stoul(hex, nullptr, 16));
  return std::string(adjectives[r % std::size(adjectives)]) + "_" + names[(r / 97) % std::size(names)] + "_" +
         hex.substr(0, 4);
}

}  // namespace mini::cli
