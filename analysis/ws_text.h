/* Text forms Wireshark gives packet bytes, so that string fields print as
 * `tshark -T fields` prints them: format_text() (what the DNS dissector
 * shows names as: C escapes for ASCII controls, printable UTF-8 kept,
 * invalid UTF-8 as U+FFFD, other non-printables as \uXXXX) and ENC_ASCII
 * strings (what the HTTP and DHCP dissectors store: bytes above 0x7f as
 * U+FFFD, cut at a NUL) with the escapes tshark's field output adds. */
#ifndef PCAPD_ANALYSIS_WS_TEXT_H
#define PCAPD_ANALYSIS_WS_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Room ws_format_text() needs for n input bytes (4 output bytes per byte at most). */
#define WS_FORMAT_TEXT_MAX(n) ((n)*4 + 1)

/* Room ws_ascii_field() needs for n input bytes (3 output bytes per byte at most). */
#define WS_ASCII_FIELD_MAX(n) ((n)*3 + 1)

/* Writes Wireshark's format_text() of len bytes at s into out, which has
 * room for WS_FORMAT_TEXT_MAX(len) bytes; returns the length written (no NUL). */
size_t ws_format_text(const uint8_t *s, size_t len, char *out);

/* Writes len bytes at s as an ENC_ASCII string field prints with -T fields
 * (cut at the first NUL, bytes above 0x7f as U+FFFD, \b \f \n \r \t as
 * two-character escapes) into out, which has room for
 * WS_ASCII_FIELD_MAX(len) bytes; returns the length written (no NUL). */
size_t ws_ascii_field(const uint8_t *s, size_t len, char *out);

/* Writes len raw bytes at s as a string field built from them (not
 * decoded as ENC_ASCII) prints with -T fields: cut at the first NUL, valid
 * UTF-8 kept, other bytes as \xNN, \b \f \n \r \t as two-character
 * escapes, into out, which has room for WS_FORMAT_TEXT_MAX(len) bytes;
 * returns the length written (no NUL). */
size_t ws_raw_field(const uint8_t *s, size_t len, char *out);

#endif
