#ifndef DNATUNE_CZLIB_SHIM_H
#define DNATUNE_CZLIB_SHIM_H
#include <zlib.h>
#endif
