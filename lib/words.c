/* SPDX-License-Identifier: MIT */
/* dacguard: enum values and their words (lib/words.h). */
#include <string.h>

#include "words.h"

const char *dg_word(const char *const *words, size_t n, size_t i, const char *fallback)
{
	return i < n && words[i] ? words[i] : fallback;
}

int dg_word_index(const char *const *words, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (words[i] && strcmp(word, words[i]) == 0)
			return (int)i;
	return -1;
}
