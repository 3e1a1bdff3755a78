#ifndef DNATUNE_CISAL_SHIM_H
#define DNATUNE_CISAL_SHIM_H
// Intel ISA-L's igzip: gzip compression several times zlib's speed (what cutadapt uses too).
// Small helpers for what Swift cannot reach directly: the level buffer's size (a macro
// expression), the streams' end states (nested structs and enums), a member restart; and the
// writers' early writeback (a GNU extension of fcntl.h).
#include <stdint.h>
#include <isa-l/igzip_lib.h>

/// The level buffer size ISA-L suggests for compression level 1.
static inline uint32_t dnt_isal_level1_buffer_size(void) { return ISAL_DEF_LVL1_DEFAULT; }

/// Whether a stream finished its gzip member (trailer written).
static inline int dnt_isal_deflate_finished(const struct isal_zstream *stream) {
    return stream->internal_state.state == ZSTATE_END;
}

/// Whether inflating finished a gzip member (its trailer read and its CRC checked).
static inline int dnt_isal_inflate_finished(const struct inflate_state *state) {
    return state->block_state == ISAL_BLOCK_FINISH;
}

/// Prepares `state` for the next gzip member of a multi-member file, keeping the input not
/// yet consumed.
static inline void dnt_isal_inflate_next_member(struct inflate_state *state) {
    uint8_t *in = state->next_in;
    uint32_t avail = state->avail_in;
    isal_inflate_reset(state);
    state->next_in = in;
    state->avail_in = avail;
    state->crc_flag = ISAL_GZIP;
}

// Linux's sync_file_range(2), declared here because <fcntl.h> declares it only under
// _GNU_SOURCE. The output writers use it to start writing a file's pages to disk as they go, so
// that the fsync of a commit waits for the last few megabytes, not the whole file.
int sync_file_range(int fd, int64_t offset, int64_t nbytes, unsigned int flags);

/// Starts writing `length` bytes of `fd` from `offset` to disk without waiting for them
/// (`SYNC_FILE_RANGE_WRITE`); advisory: an error here shows again at fsync.
static inline int dnt_start_writeback(int fd, int64_t offset, int64_t length) {
    return sync_file_range(fd, offset, length, 2 /* SYNC_FILE_RANGE_WRITE */);
}
#endif
