/* hc_msgcsv: a protobuf message as CSV, the one rendering behind the
   gateway's ?format=csv and hcapctl's --format csv of reports. */
#ifndef HC_MSGCSV_H
#define HC_MSGCSV_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

/* CSV of msg: the rows of its first repeated message field ("items",
   "rows"), then each singular field of the rows' type that is set (a
   "total" row), under a header row of the row type's field names in
   descriptor order; or, without such a field, a header and one row of the
   message's own fields that are not messages. Values as the JSON walker
   writes them (enum names, numbers), arrays joined by ';', absent (null)
   values empty, every record ending in CRLF (hc_csv_write_row). Returns a
   malloc'd text and sets *size, or NULL when out of memory. */
char *hc_msgcsv(const ProtobufCMessage *msg, size_t *size);

/* The first repeated message field of desc (a reply's rows), or NULL. */
const ProtobufCFieldDescriptor *hc_msgcsv_rows_field(const ProtobufCMessageDescriptor *desc);

#endif
