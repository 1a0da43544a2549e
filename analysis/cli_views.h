/* pcap-analyze's view commands (follow, expert, io, http-requests). */
#ifndef PCAPD_ANALYSIS_CLI_VIEWS_H
#define PCAPD_ANALYSIS_CLI_VIEWS_H

/* Runs argv[1] if it is a view command and returns the exit status;
 * returns -1 when it is not one. */
int cli_views_main(int argc, char **argv);

#endif
