// Placeholder until the tokenize core lands; replaced by its real implementation.
#include <cstdio>
#include "commands.h"
int run_tokenize_command(int, char**) {
  std::fputs("clip-cli tokenize: not built yet\n", stderr);
  return 3;
}
