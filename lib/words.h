/* SPDX-License-Identifier: MIT */
/* dacguard: the words files and messages use for the values of an enum, kept in a table
 * indexed by the enum ("full-scale", "medium"), read both ways. */
#pragma once

#include <stddef.h>

/* A table as the two arguments below take it. */
#define DG_WORDS(table) (table), (sizeof(table) / sizeof((table)[0]))

/* words[i], or fallback when i is past the table. */
const char *dg_word(const char *const *words, size_t n, size_t i, const char *fallback);
/* Where word is in words, or -1. */
int dg_word_index(const char *const *words, size_t n, const char *word);
