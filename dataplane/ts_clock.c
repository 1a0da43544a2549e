/*
 * Calibration of a receive clock against Unix time (see ts_clock.h); the
 * conversion itself is inline in the header, for the writer lcores.
 */
#include "ts_clock.h"

int ts_clock_calibrate(struct ts_clock_map *m, uint64_t c0, uint64_t ns0, uint64_t c1, uint64_t ns1)
{
    if (c1 <= c0 || ns1 <= ns0)
        return -1;
    unsigned __int128 ticks = c1 - c0, ns = ns1 - ns0;
    unsigned __int128 hz = (ticks * 1000000000u + ns / 2) / ns;
    if (hz == 0 || hz > UINT64_MAX)
        return -1;
    *m = (struct ts_clock_map){.clock_anchor = c1, .ns_anchor = ns1, .hz = (uint64_t)hz};
    return 0;
}
