/*
 * The `pcapd token` command line: creates, lists and revokes API tokens in
 * the state directory of the configuration the daemon uses.
 */
#ifndef PCAPD_TOKEN_CLI_H
#define PCAPD_TOKEN_CLI_H

/* Runs `pcapd token SUBCOMMAND ...`; `argv[0]` is "token".  Returns the
 * process exit status: 0 on success, 1 on failure, 2 on a usage error. */
int token_cli_main(int argc, char **argv);

#endif /* PCAPD_TOKEN_CLI_H */
