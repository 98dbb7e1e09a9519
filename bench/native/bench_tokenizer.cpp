// Native tokenizer benchmark: load time of tokenizer.json and of its snapshot, 10,000 typical labels (about 8
// tokens each; targets: load <= 250 ms, labels <= 50 ms) and 1 MB texts (must return
// promptly, truncated to 77).
//   cmake --build build/tok-native --target bench_tokenizer -j2
//   ./build/tok-native/bench_tokenizer [path/to/tokenizer.json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// 10,000 distinct labels in the article's style, e.g. "a photo of a small red tabby cat".
std::vector<std::string> make_labels() {
  const char* templates[] = {"a photo of a %s %s.", "a blurry photo of the %s %s",
                             "a close-up photo of a %s %s", "an illustration of a %s %s"};
  const char* adjectives[] = {"small", "large", "red", "striped", "sleepy", "wet", "old",
                              "young", "fluffy", "shiny", "wooden", "golden", "tiny", "happy",
                              "dark", "bright", "broken", "vintage", "spotted", "white",
                              "black", "green", "frozen", "wild", "tame"};
  const char* nouns[] = {"tabby cat", "golden retriever", "parrot", "skateboard", "tarantula",
                         "sports car", "teapot", "lighthouse", "sunflower", "violin",
                         "bicycle", "mountain", "sushi", "astronaut", "rocket", "horse",
                         "umbrella", "keyboard", "pineapple", "penguin", "tractor", "castle",
                         "jellyfish", "cactus", "hamburger", "owl", "canoe", "fox", "robot",
                         "lantern", "river", "zebra", "camera", "dragonfly", "pizza", "train",
                         "snowman", "guitar", "tortoise", "balloon", "cathedral", "kayak",
                         "hedgehog", "motorcycle", "croissant", "octopus", "windmill",
                         "butterfly", "bulldozer", "peacock", "lemon", "submarine",
                         "flamingo", "harp", "igloo", "koala", "mushroom", "anchor",
                         "volcano", "waffle", "yak", "xylophone", "bagel", "donkey", "eagle",
                         "ferret", "gorilla", "hammer", "iguana", "jaguar", "kettle", "llama",
                         "magpie", "narwhal", "otter", "pelican", "quail", "raccoon",
                         "seahorse", "toucan", "unicorn", "vulture", "walrus", "beaver",
                         "cobra", "dolphin", "elephant", "falcon", "giraffe", "hippo",
                         "ibis", "jackal", "kangaroo", "lobster", "moose", "newt", "ostrich",
                         "panda", "rhino", "salmon"};
  std::vector<std::string> labels;
  char buf[256];
  for (const char* t : templates)
    for (const char* a : adjectives)
      for (const char* n : nouns) {
        if (labels.size() == 10000) return labels;
        std::snprintf(buf, sizeof buf, t, a, n);
        labels.push_back(buf);
      }
  return labels;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1] : std::string(CLIPX_SHARED_DIR) + "/data/clip-vit-b32/tokenizer.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "bench_tokenizer: cannot open %s (pass tokenizer.json's path)\n",
                 path.c_str());
    return 1;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string json = ss.str();

  // Five loads of `bytes` by `load`, reported as the median and the fastest.
  auto time_loads = [](const char* what, const std::string& bytes, auto load) {
    std::vector<double> ms;
    for (int i = 0; i < 5; ++i) {
      const auto t0 = Clock::now();
      const clipx::Tokenizer t = load(bytes);
      ms.push_back(ms_since(t0));
    }
    std::printf("load %s (%.1f MB): median %.1f ms of 5, min %.1f\n", what, bytes.size() / 1e6,
                median(ms), *std::min_element(ms.begin(), ms.end()));
  };
  time_loads("tokenizer.json, parse + tables", json, clipx::Tokenizer::from_json);
  time_loads("its snapshot, checked + tables", clipx::Tokenizer::from_json(json).snapshot(),
             clipx::Tokenizer::from_snapshot);

  const std::vector<std::string> labels = make_labels();
  std::size_t tokens = 0;
  {
    const clipx::Tokenizer tok = clipx::Tokenizer::from_json(json);
    const auto t0 = Clock::now();
    for (const std::string& l : labels) tokens += tok.encode_ids(l).size();
    const double cold = ms_since(t0);
    std::vector<double> warm;
    for (int r = 0; r < 5; ++r) {
      const auto t1 = Clock::now();
      for (const std::string& l : labels) tok.encode_ids(l);
      warm.push_back(ms_since(t1));
    }
    std::printf("%zu labels, %.1f tokens each with start/end: %.1f ms on a fresh tokenizer, "
                "%.1f ms with its word cache warm (median of 5, min %.1f)\n",
                labels.size(), static_cast<double>(tokens) / labels.size(), cold, median(warm),
                *std::min_element(warm.begin(), warm.end()));
    const std::vector<std::string_view> views(labels.begin(), labels.end());
    std::vector<double> batch;
    for (int r = 0; r < 5; ++r) {
      const auto t1 = Clock::now();
      const clipx::BatchEncoding b = tok.encode_batch(views);
      batch.push_back(ms_since(t1));
      if (b.ids.size() != tokens) std::fprintf(stderr, "encode_batch disagrees with encode_ids\n");
    }
    std::printf("same labels through one encode_batch(): %.1f ms (median of 5, min %.1f)\n",
                median(batch), *std::min_element(batch.begin(), batch.end()));
    std::vector<double> full;
    for (int r = 0; r < 3; ++r) {
      const auto t1 = Clock::now();
      for (const std::string& l : labels) tok.encode(l);
      full.push_back(ms_since(t1));
    }
    std::printf("same labels through encode() (ids + tokens + display strings): %.1f ms\n",
                median(full));

    std::string words, one_word(1 << 20, 'a'), cjk, marks = "a";
    while (words.size() < (1u << 20)) words += "a photo of a tabby cat on the sofa. ";
    while (cjk.size() < (1u << 20)) cjk += "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";  // no spaces
    while (marks.size() < (1u << 20)) marks += "\xcc\x81\xcc\x96";                // one mark run
    const std::pair<const char*, const std::string*> big[] = {
        {"1 MB of words", &words},
        {"1 MB, one word of 'a'", &one_word},
        {"1 MB of CJK without spaces", &cjk},
        {"1 MB of combining marks", &marks}};
    for (const auto& [name, text] : big) {
      std::vector<double> runs;
      std::size_t n = 0;
      bool truncated = false;
      for (int r = 0; r < 3; ++r) {
        const auto t1 = Clock::now();
        n = tok.encode_ids(*text, 77, &truncated).size();
        runs.push_back(ms_since(t1));
      }
      std::printf("%s: %.1f ms (min of 3; median %.1f; %zu ids%s)\n", name,
                  *std::min_element(runs.begin(), runs.end()), median(runs), n,
                  truncated ? ", truncated" : "");
    }
  }
  return 0;
}
