/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz.h - what every harness under tests/fuzz shares.
 *
 * A harness is one function, LLVMFuzzerTestOneInput(), that takes an input
 * of outside bytes to one parser (or, for fuzz_store, a sequence of engine
 * operations) and checks what the parser promises in its header: the
 * errors it may return, that nothing changes on an error, that what it
 * accepts reads back the same.  A broken promise is fuzz_fail(), which
 * prints why and aborts, so that libFuzzer keeps the input that did it.
 *
 * The same file links two ways: with clang's libFuzzer (make fuzz, the
 * fuzzing binaries tests/fuzz/bin/NAME) and with replay.c's main() (make
 * check, tests/fuzz/NAME-replay), which runs the committed seed corpus
 * tests/fuzz/corpus/NAME/ and any crash file given to it.
 */
#ifndef FZRAM_FUZZ_H
#define FZRAM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An optional setup hook, called once before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define fuzz_fail(...)                                                         \
	do {                                                                   \
		fprintf(stderr, "fuzz: %s:%d: ", __FILE__, __LINE__);          \
		fprintf(stderr, __VA_ARGS__);                                  \
		fputc('\n', stderr);                                           \
		abort();                                                       \
	} while (0)

#define fuzz_assert(cond, ...)                                                 \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz: broken: %s\n", #cond);          \
			fuzz_fail(__VA_ARGS__);                                \
		}                                                              \
	} while (0)

#endif /* FZRAM_FUZZ_H */
