// clip-cli's subcommands. Each lives in its own file and returns the process exit code.
// On bad input a command prints exactly one line to stderr and returns non-zero.
#pragma once

int run_tokenize_command(int argc, char** argv);    // tokenize_command.cpp
int run_preprocess_command(int argc, char** argv);  // preprocess_command.cpp
