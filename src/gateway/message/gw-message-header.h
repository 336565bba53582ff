/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-header.h: the header section of a complete message, split and
 * checked before anything else reads it */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 5322 2.1.1: a line is at most 998 octets without its CRLF. */
#define GW_MESSAGE_MAX_LINE          998
#define GW_MESSAGE_MAX_HEADER_FIELDS 1000
#define GW_MESSAGE_MAX_HEADER_SIZE   (1024 * 1024)
#define GW_MESSAGE_MAX_FIELD_SIZE    (64 * 1024)

/* One header field: bytes [start, end) of the input, its line ends
 * included; the name is the first name_len bytes. */
typedef struct {
  gsize start;
  gsize end;
  gsize name_len;
} GwHeaderField;

typedef struct {
  GArray   *fields;       /* GwHeaderField, in order */
  gsize     body_start;   /* offset of the body (after the empty line) */
  gboolean  blank_line;   /* whether an empty line ended the section */
  gboolean  utf8;         /* non-ASCII (UTF-8) bytes in the section */
} GwHeaderSection;

/*
 * Splits @data at the end of its header section. As Postfix's sendmail
 * does, the section ends at the first empty line or at the first line that
 * is not a header field (which then starts the body), so a message without
 * headers ("echo text | sendmail root") is all body. A field is
 * NAME ":" value, NAME being printable ASCII without ":" or space, and
 * continues on lines that start with a space or a tab.
 *
 * Refused with HERALD_ERROR_INVALID_MESSAGE: a NUL or a bare CR in the
 * section, a line over 998 octets, bytes that are not UTF-8; with
 * HERALD_ERROR_TOO_LARGE: more than 1000 fields, a field over 64 KiB, a
 * section over 1 MiB. @data may end with or without a line end; LF and CRLF
 * line ends are both read.
 */
gboolean  gw_header_section_scan      (const char          *data,
                                       gsize                len,
                                       GwHeaderSection     *section,
                                       GError             **error);
void      gw_header_section_clear     (GwHeaderSection     *section);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GwHeaderSection, gw_header_section_clear)

/* Whether @field is named @name (ASCII case-insensitive). */
gboolean  gw_header_field_is          (const char          *data,
                                       const GwHeaderField *field,
                                       const char          *name);
/* The first field named @name, or NULL. */
const GwHeaderField *gw_header_section_find (const GwHeaderSection *section,
                                             const char            *data,
                                             const char            *name);
/* The value of @field unfolded (line ends before white space removed) and
 * trimmed. */
char     *gw_header_field_dup_value   (const char          *data,
                                       const GwHeaderField *field);

G_END_DECLS
