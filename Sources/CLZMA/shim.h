#ifndef DNATUNE_CLZMA_SHIM_H
#define DNATUNE_CLZMA_SHIM_H
#include <lzma.h>
#endif
