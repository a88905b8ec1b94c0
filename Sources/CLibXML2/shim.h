// libxml2 from the system (Debian: libxml2-dev), for the streaming XML reader and XSD validation.
#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU, whose headers clash with the copy inside Swift's Foundation.
// gongshi never touches libxml2's ICU converter structures, so their declarations are left out.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>
