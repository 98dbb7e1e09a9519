#!/usr/bin/env bash
# clip-cli tokenize: one JSON array of ids per text per line; bad input gives exactly one
# stderr line and a non-zero exit.   usage: tokenize_cli.sh path/to/clip-cli path/to/shared
set -u
cli="$1"
shared="$2"
tok="$shared/data/clip-vit-b32/tokenizer.json"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_error NAME ARGS... : non-zero exit, nothing on stdout, exactly one line on stderr
expect_error() {
  local name="$1"; shift
  "$cli" tokenize "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" -ne 0 ] || fail "$name: exit code 0"
  [ ! -s "$tmp/out" ] || fail "$name: wrote to stdout: $(head -c 200 "$tmp/out")"
  local lines
  lines=$(wc -l <"$tmp/err")
  [ "$lines" -eq 1 ] || fail "$name: $lines stderr lines: $(cat "$tmp/err")"
  grep -q '^clip-cli tokenize: ' "$tmp/err" || fail "$name: stderr does not name the command"
}

# expect_output NAME EXPECTED ARGS... : exit 0, stdout exactly EXPECTED, stderr empty
expect_output() {
  local name="$1" expected="$2"; shift 2
  "$cli" tokenize "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" -eq 0 ] || fail "$name: exit code $rc: $(cat "$tmp/err")"
  [ "$(cat "$tmp/out")" = "$expected" ] || fail "$name: got $(cat "$tmp/out") want $expected"
  [ ! -s "$tmp/err" ] || fail "$name: stderr: $(cat "$tmp/err")"
}

printf '{"model": {"vocab": {}, ' >"$tmp/truncated.json"
printf '{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}' >"$tmp/incomplete.json"
expect_error "no arguments"
expect_error "no tokenizer" "a photo"
expect_error "tokenizer without value" --tokenizer
expect_error "missing file" --tokenizer "$tmp/nope.json" "a photo"
expect_error "truncated json" --tokenizer "$tmp/truncated.json" "a photo"
expect_error "incomplete json" --tokenizer "$tmp/incomplete.json" "a photo"
grep -q 'no start token' "$tmp/err" || fail "incomplete json: message does not say what is missing: $(cat "$tmp/err")"
expect_error "directory as file" --tokenizer "$tmp" "a photo"

if [ ! -f "$tok" ]; then
  echo "SKIPPED: $tok is missing (../shared is not beside this checkout), so the id checks did not run"
else
  expect_error "no text" --tokenizer "$tok"
  expect_error "bad context" --tokenizer "$tok" --context abc "a photo"
  expect_error "negative context" --tokenizer "$tok" --context -1 "a photo"
  expect_error "context with newline" --tokenizer "$tok" --context $'7\nx' "a photo"
  expect_error "unknown option" --tokenizer "$tok" --bogus "a photo"
  expect_output "two texts" $'[49406,320,1125,539,320,2368,49407]\n[49406,2368,49407]' \
    --tokenizer "$tok" "a photo of a cat" "cat"
  expect_output "options after texts" '[49406,320,1125,539,320,1929,269,49407]' \
    "a photo of a dog." --tokenizer "$tok"
  expect_output "context truncates, end token last" '[49406,320,1125,539,49407]' \
    --tokenizer "$tok" --context 5 "a photo of a parrot"
  expect_output "context 0 keeps everything" '[49406,320,1125,539,320,23565,49407]' \
    --tokenizer "$tok" --context 0 "a photo of a parrot"
  expect_output "empty text" '[49406,49407]' --tokenizer "$tok" ""
  expect_output "double dash" '[49406,2432,1318,49407]' --tokenizer "$tok" -- "--help"
  expect_output "html and case" '[49406,283,23565,285,49407]' --tokenizer "$tok" "&lt;PARROT&gt;"
  expect_output "invalid utf-8 is replaced" '[49406,39802,49407]' --tokenizer "$tok" $'\xff'
  long=$(printf 'a photo %.0s' $(seq 1 5000))
  "$cli" tokenize --tokenizer "$tok" "$long" >"$tmp/out" 2>"$tmp/err" || fail "long text failed"
  python3 -c 'import json,sys; ids=json.load(open(sys.argv[1])); assert len(ids)==77 and ids[-1]==49407, ids' \
    "$tmp/out" || fail "long text: not 77 ids ending in 49407"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "tokenize_cli: all checks passed"
