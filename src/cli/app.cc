#include "cli/app.h"

namespace mini::cli {
int main(int, char**) { return 0; }
}  // namespace mini::cli
