#include "cli/app.h"

int main(int argc, char** argv) { return mini::cli::main(argc, argv); }
