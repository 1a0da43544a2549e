/* pcap-analyze's view commands (follow, expert, io, http-requests) and its
 * printer of results. */
#ifndef PCAPD_ANALYSIS_CLI_VIEWS_H
#define PCAPD_ANALYSIS_CLI_VIEWS_H

#include <jansson.h>
#include <stdbool.h>

/* Prints {"data": data} and a newline on standard output, indented when
 * pretty, and releases data; returns 0, or 1 when it cannot be written. */
int cli_print_data(json_t *data, bool pretty);

/* Runs argv[1] if it is a view command and returns the exit status;
 * returns -1 when it is not one. */
int cli_views_main(int argc, char **argv);

#endif
