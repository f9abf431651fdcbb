/*
 * human.h - byte counts as people read them ("1.5 MB"), for the
 * progress line, the end-of-run summary and the HTML report alike.
 */
#ifndef ESPVIS_REPORT_HUMAN_H
#define ESPVIS_REPORT_HUMAN_H

#include <stddef.h>

/* Decimal units (kB = 1000 B), one decimal above bytes. */
void	human_bytes(char *buf, size_t len, double bytes);

#endif /* ESPVIS_REPORT_HUMAN_H */
