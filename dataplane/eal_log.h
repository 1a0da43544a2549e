/*
 * DPDK's log lines handed to the application's logger: EAL's, the PMDs'
 * and the libraries' messages, one call per line, with their severity as a
 * syslog priority, instead of DPDK's own stderr stream.
 */
#ifndef PCAPD_EAL_LOG_H
#define PCAPD_EAL_LOG_H

/* Sends every line DPDK logs from now on to `fn` (see
 * pcapd_dp_config.log).  Call before rte_eal_init().  Returns 0, or -1
 * when the stream cannot be made (DPDK keeps its own). */
int eal_log_redirect(void (*fn)(int priority, const char *line));

#endif /* PCAPD_EAL_LOG_H */
