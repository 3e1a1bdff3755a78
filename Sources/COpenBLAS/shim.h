// OpenBLAS's CBLAS interface. This header must not define CBLAS_H itself:
// reusing the real header's include guard would hide every declaration.
#ifndef DNATUNE_COPENBLAS_SHIM_H
#define DNATUNE_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
