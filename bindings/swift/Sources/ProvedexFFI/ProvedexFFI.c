// SwiftPM builds a C target only when it has a source file. This one also
// compiles the generated header as C, so a header that does not compile
// fails here, before any Swift is built.
#include "ProvedexFFI.h"
