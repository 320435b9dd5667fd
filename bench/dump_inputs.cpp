// Writes the generated inputs of one size to a directory, to look at them or to feed the same
// bytes to another implementation (the Python anchor harness, botocore's parser):
//   ebbflow_bench_dump DIR NODES
#include <cstdio>
#include <cstdlib>

#include "bench/generators.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DIR NODES\n", argv[0]);
    return 2;
  }
  if (!ebbflow::bench::write_inputs(argv[1], std::strtoul(argv[2], nullptr, 10))) {
    std::fprintf(stderr, "cannot write the inputs into %s\n", argv[1]);
    return 1;
  }
  return 0;
}
