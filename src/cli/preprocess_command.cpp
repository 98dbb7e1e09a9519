// Placeholder until the preprocess core lands; replaced by its real implementation.
#include <cstdio>
#include "commands.h"
int run_preprocess_command(int, char**) {
  std::fputs("clip-cli preprocess: not built yet\n", stderr);
  return 3;
}
