/*
 * The fuzz targets' common entry point (libFuzzer's): each fuzz_<name>.c defines
 * LLVMFuzzerTestOneInput for one kind of input marrow reads.  Built with clang and
 * -fsanitize=fuzzer (`make fuzz`) a target explores; built with gcc and replay.c (the
 * test suite) it replays its corpus, tests/fuzz/corpus/<name>/, every input of which
 * once found a new path or a bug.
 */
#ifndef MW_FUZZ_H
#define MW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
