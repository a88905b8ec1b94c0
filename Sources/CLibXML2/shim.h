// libxml2 from the system (Debian: libxml2-dev), for the streaming XML reader and XSD validation.
#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU, whose headers clash with the copy inside Swift's Foundation.
// gongshi never touches libxml2's ICU converter structures, so their declarations are left out.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>

// libxml2 writes a few errors through its generic handler straight to standard error, whatever the
// structured handler (an encoding's: "xmlParseChunk: encoder error"); the structured handler has
// each of them too, so the reader drops these while it parses. The handler is variadic, which Swift
// cannot write.
static void gongshi_xml_drop_generic_error(void *context, const char *message, ...) {
    (void)context;
    (void)message;
}

/// Drops (or, `drop` 0, restores to libxml2's default) the calling thread's generic error messages.
static inline void gongshi_xml_drop_generic_errors(int drop) {
    xmlSetGenericErrorFunc(NULL, drop ? gongshi_xml_drop_generic_error : NULL);
}
