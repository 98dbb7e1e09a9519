// clip-cli tokenize --tokenizer FILE [--context N] TEXT...
// Prints, per TEXT, one line holding the JSON array of its token ids (start and end tokens
// included, truncated to N, not padded). --context 0 keeps every token. Arguments after
// "--" are texts even when they start with "--".
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "commands.h"
#include "tokenizer.h"

namespace {

constexpr const char* kUsage = "usage: clip-cli tokenize --tokenizer FILE [--context N] TEXT...";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "clip-cli tokenize: %s (%s)\n", message.c_str(), kUsage);
  return 2;
}

// Error messages can quote file content; keep the promise of exactly one stderr line.
std::string single_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

int run_tokenize_command(int argc, char** argv) {
  std::string tokenizer_path;
  long context = static_cast<long>(clipx::kClipContextLength);
  std::vector<std::string> texts;
  bool only_texts = false;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (only_texts) {
      texts.push_back(arg);
    } else if (arg == "--") {
      only_texts = true;
    } else if (arg == "--tokenizer") {
      if (i + 1 >= argc) return usage_error("--tokenizer needs a file");
      tokenizer_path = argv[++i];
    } else if (arg == "--context") {
      if (i + 1 >= argc) return usage_error("--context needs a number");
      const char* v = argv[++i];
      char* end = nullptr;
      errno = 0;
      context = std::strtol(v, &end, 10);
      if (*v == '\0' || *end != '\0' || errno != 0 || context < 0 || context > 1000000)
        return usage_error(std::string("--context must be an integer from 0 to 1000000, not '") +
                           single_line(v) + "'");
    } else if (arg.size() > 1 && arg[0] == '-' && arg[1] == '-') {
      return usage_error("unknown option '" + single_line(arg) + "'");
    } else {
      texts.push_back(arg);
    }
  }
  if (tokenizer_path.empty()) return usage_error("--tokenizer FILE is required");
  if (texts.empty()) return usage_error("no TEXT given");

  try {
    const clipx::Tokenizer tok = clipx::Tokenizer::from_file(tokenizer_path);
    std::string out;
    for (const std::string& text : texts) {
      const auto ids = tok.encode_ids(text, static_cast<std::size_t>(context));
      out.clear();
      out.push_back('[');
      for (std::size_t k = 0; k < ids.size(); ++k) {
        if (k) out.push_back(',');
        out += std::to_string(ids[k]);
      }
      out += "]\n";
      std::fputs(out.c_str(), stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "clip-cli tokenize: %s\n", single_line(e.what()).c_str());
    return 1;
  }
  if (std::fflush(stdout) != 0) {
    std::fputs("clip-cli tokenize: cannot write the output\n", stderr);
    return 1;
  }
  return 0;
}
