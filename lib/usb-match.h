/* SPDX-License-Identifier: MIT */
/* dacguard: the match on a USB device that dacguard.devices entries and the device
 * database share: idVendor:idProduct (or any product of a vendor) and optional globs on
 * the product and manufacturer strings; how it is read from a file, tested against a
 * device, ranked by specificity and printed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct dg_json_ctx;
struct dg_json_value;
struct spa_json;

struct dg_match {
	bool has_usb;            /* always true in a valid file */
	uint16_t vid;
	uint16_t pid;
	bool any_pid;            /* "vvvv:*" */
	char product[DG_NAME_MAX];      /* fnmatch glob; "" = not given */
	char manufacturer[DG_NAME_MAX]; /* fnmatch glob; "" = not given */
};

/* True when every given key matches. NULL strings match only an absent glob. */
bool dg_match_device(const struct dg_match *m, uint16_t vid, uint16_t pid,
		     const char *manufacturer, const char *product);
/* Higher is more specific: a product glob beats none, then an exact PID beats "*",
 * then a manufacturer glob beats none. */
int dg_match_specificity(const struct dg_match *m);
/* The most specific of n items (stride bytes apart, each with a struct dg_match at
 * match_offset) that match the device, the one read last among equals; NULL when none does. */
const void *dg_match_best(const void *items, size_t n, size_t stride, size_t match_offset,
			  uint16_t vid, uint16_t pid, const char *manufacturer,
			  const char *product);
/* "2972:0047 product=FiiO BTR5*" style, for listings. */
void dg_match_format(const struct dg_match *m, char *buf, size_t size);

/* Reads the object val (the value of key, from the iterator it) into m:
 * { usb = "vvvv:pppp" | "vvvv:*" (lowercase hex only), product = glob, manufacturer = glob }. */
int dg_json_match(struct dg_json_ctx *ctx, struct spa_json *it, const char *key, const char *val,
		  int len, struct dg_match *m);
/* The same as a field reader of a dg_json_object (lib/json-fields.h): match is the struct
 * dg_match the field names. */
int dg_json_match_field(const struct dg_json_value *v, void *match, void *aux);
