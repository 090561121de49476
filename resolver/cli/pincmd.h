/*
 * "dotstub pin HOST[:PORT] [--name TLSNAME] [--ca-file FILE]": shows the
 * certificate chain a DoT server presents, each certificate's pin-sha256,
 * and a ready [upstream] section.
 */
#ifndef DST_PINCMD_H
#define DST_PINCMD_H

/* argv[0] is "pin". Returns the exit status. */
int dst_pin_main(int argc, char **argv);

#endif
