/*
 * tamper.h: damaged copies of save files for the tests that check a
 * restore refuses them: copy, flip a byte, find a note's record, and
 * assert `run --restore` ends with status 2 and one line. These assert
 * with Check, so only tests call them.
 */
#ifndef TESTS_TAMPER_H
#define TESTS_TAMPER_H

#include <stdint.h>

/* Copies from to to (sparse), then truncates to len bytes unless len < 0. */
void tamper_copy(const char *from, const char *to, long long len);
/* XORs the byte at off of file with x. */
void tamper_flip(const char *file, long long off, unsigned char x);
/* Offset of the record of file's note of this type and record size (after
 * its note header and name), found in the first 64K; asserts it is there. */
long long tamper_note_record(const char *file, uint32_t type, uint32_t size);
/* `run --restore file`: status 2 and one line that holds why. */
void tamper_assert_refused(const char *file, const char *why);

#endif
