/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-fax.h: fax numbers and fax documents */
#pragma once

#include <gio/gio.h>

#include "gw-envelope.h"

G_BEGIN_DECLS

/* Limits of a fax number, counting digits only. */
#define GW_FAX_NUMBER_MIN_DIGITS 3
#define GW_FAX_NUMBER_MAX_DIGITS 20

/* Whether @number is a fax number: '+' (first only), digits and the
 * separators space - . ( ) /, between 3 and 20 digits. Anything else
 * (letters, control characters) is HERALD_ERROR_INVALID_ADDRESS. */
gboolean     gw_fax_number_check        (const char  *number,
                                         GError     **error);

/* The number as digits in international form without the '+':
 * "+1 724 627 9591" → "17246279591"; "00 49 30 1234" → "49301234";
 * with @default_country_code "1", "724-627-9591" → "17246279591", and a
 * national trunk '0' is dropped ("030 1234" with "49" → "49301234").
 * Without a country code the digits are returned as they are. NULL (with
 * @error) when @number does not pass gw_fax_number_check(). */
char        *gw_fax_number_normalize    (const char  *number,
                                         const char  *default_country_code,
                                         GError     **error);

/* Whether a document of @content_type (may be NULL: guessed from @name and
 * @data) can be faxed: PDF, PostScript, TIFF or plain text. Returns the
 * canonical MIME type, or NULL with HERALD_ERROR_INVALID_ARGUMENT. */
char        *gw_fax_document_type       (const char  *name,
                                         const char  *content_type,
                                         GBytes      *data,
                                         GError     **error);

typedef struct {
  char   *name;
  char   *content_type;  /* canonical: application/pdf, ... */
  GBytes *data;
} GwFaxDocument;

/* What a fax is made of, taken back from a composed message. */
typedef struct {
  char      *subject;
  char      *cover_text;  /* the text body, or NULL */
  GPtrArray *documents;   /* GwFaxDocument, the attachments in order */
} GwFaxContent;

GwFaxContent *gw_fax_content_new_from_envelope (GwEnvelope *envelope,
                                                GError    **error);
void          gw_fax_content_free              (GwFaxContent *content);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwFaxContent, gw_fax_content_free)

/* Whether @value can go on a protocol line: no CR, LF or other control
 * character, no '"' (HylaFAX quotes values), at most @max_len bytes. */
gboolean     gw_fax_check_line_value    (const char  *what,
                                         const char  *value,
                                         gsize        max_len,
                                         GError     **error);

G_END_DECLS
