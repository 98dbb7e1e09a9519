// clip-cli: the native face of the core, for scripting and for checking it against the
// reference implementation. The subcommands are thin: all the work is in src/core.
#include <cstdio>
#include <cstring>
#include <string>

#include "commands.h"

namespace {

void print_usage(FILE* out) {
  std::fputs(
      "usage:\n"
      "  clip-cli tokenize --tokenizer FILE [--context N] TEXT...\n"
      "      one JSON array of token ids per TEXT (start and end included, not padded)\n"
      "  clip-cli preprocess IMAGE [--size S] [--mean R,G,B --std R,G,B] --out FILE.npy\n"
      "      float32 NPY of shape [1,3,S,S], CLIP's pipeline (defaults: S=224, CLIP mean/std)\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const std::string command = argv[1];
  if (command == "tokenize") return run_tokenize_command(argc - 2, argv + 2);
  if (command == "preprocess") return run_preprocess_command(argc - 2, argv + 2);
  if (command == "-h" || command == "--help" || command == "help") {
    print_usage(stdout);
    return 0;
  }
  std::fprintf(stderr, "clip-cli: unknown command '%s' (try: tokenize, preprocess, --help)\n",
               command.c_str());
  return 2;
}
