/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hs-maildrop-file.h: the maildrop file: a small bounded envelope, then the
 * message
 *
 * Plain C without GLib: the setgid helper herald-maildrop links nothing but
 * libc. herald-sendmail writes the envelope, herald-maildrop checks it before
 * committing the file, heraldd (gw-maildrop.c) reads it.
 *
 *   HERALD-MAILDROP 1\n
 *   sender=root@host.example\n            at most once
 *   recipient=root\n                      0 to 1000 times
 *   extract-recipients=yes\n              sendmail -t; at most once
 *   full-name=Cron Daemon\n               at most once
 *   app-name=cron\n                       at most once
 *   idempotency-key=6f1c...\n             exactly once
 *   \n
 *   the message, as read from standard input
 *
 * Each envelope line is at most 1024 bytes with its LF; values are not
 * empty and hold no byte below 0x20 and no DEL. Unknown keys are refused:
 * a new key means a new version.
 */
#pragma once

#include <stddef.h>

#define HS_MAILDROP_MAGIC          "HERALD-MAILDROP 1\n"
#define HS_MAILDROP_MAX_LINE       1024
#define HS_MAILDROP_MAX_RECIPIENTS 1000
#define HS_MAILDROP_MAX_HEADER     ((size_t) (HS_MAILDROP_MAX_RECIPIENTS + 8) * HS_MAILDROP_MAX_LINE)
/* The largest message (the gateway's limit, GW_MESSAGE_MAX_SIZE). */
#define HS_MAILDROP_MAX_MESSAGE    ((size_t) 64 * 1024 * 1024)
/* Permission bits of a file being written (only its owner could read it,
 * and its owner cannot reach the directory) and of a complete one: readable
 * by "others", of which only heraldd's user can enter the 1730 directory. */
#define HS_MAILDROP_MODE_PARTIAL   0600
#define HS_MAILDROP_MODE_COMPLETE  0604

typedef struct {
  char   *sender;
  char  **recipients;         /* n_recipients entries */
  size_t  n_recipients;
  int     extract_recipients;
  char   *full_name;
  char   *app_name;
  char   *idempotency_key;
} HsMaildropEnvelope;

/* Parses the envelope at the start of @data. Returns NULL and sets
 * @header_len to the offset of the message, or returns what is wrong (an
 * untranslated static text: the caller translates it with the "herald"
 * domain). On failure @envelope holds nothing to free. */
const char *hs_maildrop_envelope_parse  (const char         *data,
                                         size_t              len,
                                         HsMaildropEnvelope *envelope,
                                         size_t             *header_len);
void        hs_maildrop_envelope_clear  (HsMaildropEnvelope *envelope);

/* The envelope as text (malloc'd, NUL-terminated, @len without the NUL),
 * or NULL with *problem set when a value cannot be written. */
char       *hs_maildrop_envelope_format (const HsMaildropEnvelope *envelope,
                                         size_t                   *len,
                                         const char              **problem);
