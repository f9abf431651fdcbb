/*
 * ike_run.h - `espvis ike`: the endpoint with real UDP sockets (500 and
 * 4500), a poll loop with its timers, signals, and a unix control socket
 * (one command a connection, answers as JSON lines).
 */
#ifndef ESPVIS_IKE_RUN_H
#define ESPVIS_IKE_RUN_H

/*
 * argv[0] is "ike".  Forms:
 *   espvis ike --config FILE [--socket PATH] [-v]      run in the foreground
 *   espvis ike status [--socket PATH | --config FILE]  list IKE/Child SAs
 *   espvis ike initiate NAME | delete NAME|SPI | rekey SPI  [--socket ..]
 * Returns the process exit status.
 */
int	ike_main(int argc, char **argv);

#endif /* ESPVIS_IKE_RUN_H */
