/*
 * ws-accept.h: the Sec-WebSocket-Accept value a server must answer a Sec-WebSocket-Key with
 * (RFC 6455 section 4.2.2): base64(SHA-1(key + GUID)). SHA-1 (FIPS 180-4) and base64
 * (RFC 4648) written out here, for the load generator only: a handshake is hashed once per
 * connection, so this favours plain code over speed.
 */
#ifndef WS_ACCEPT_H
#define WS_ACCEPT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static uint32_t sha1_rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

/* One 64-byte block into the five state words. */
static void sha1_block(uint32_t h[5], const unsigned char block[64]) {
  uint32_t w[80];
  for (int t = 0; t < 16; t++) {
    w[t] = (uint32_t)block[4 * t] << 24 | (uint32_t)block[4 * t + 1] << 16 | (uint32_t)block[4 * t + 2] << 8 |
           (uint32_t)block[4 * t + 3];
  }
  for (int t = 16; t < 80; t++) w[t] = sha1_rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int t = 0; t < 80; t++) {
    uint32_t f, k;
    if (t < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999;
    } else if (t < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1;
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6;
    }
    uint32_t temp = sha1_rotl(a, 5) + f + e + k + w[t];
    e = d;
    d = c;
    c = sha1_rotl(b, 30);
    b = a;
    a = temp;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

/* SHA-1 of a short message (at most 119 bytes: two blocks with the padding). */
static void sha1_short(const unsigned char* msg, size_t len, unsigned char digest[20]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  unsigned char blocks[128] = {0};
  memcpy(blocks, msg, len);
  blocks[len] = 0x80;
  size_t total = len + 9 <= 64 ? 64 : 128;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++) blocks[total - 1 - i] = (unsigned char)(bits >> (8 * i));
  for (size_t at = 0; at < total; at += 64) sha1_block(h, blocks + at);
  for (int i = 0; i < 5; i++) {
    digest[4 * i] = (unsigned char)(h[i] >> 24);
    digest[4 * i + 1] = (unsigned char)(h[i] >> 16);
    digest[4 * i + 2] = (unsigned char)(h[i] >> 8);
    digest[4 * i + 3] = (unsigned char)h[i];
  }
}

/* Standard base64 with padding; out holds 4 * ceil(len / 3) + 1 bytes. */
static void base64_encode(const unsigned char* in, size_t len, char* out) {
  static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16;
    if (i + 1 < len) v |= (uint32_t)in[i + 1] << 8;
    if (i + 2 < len) v |= in[i + 2];
    out[o++] = ALPHABET[(v >> 18) & 63];
    out[o++] = ALPHABET[(v >> 12) & 63];
    out[o++] = i + 1 < len ? ALPHABET[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < len ? ALPHABET[v & 63] : '=';
  }
  out[o] = '\0';
}

/* accept: 29 bytes (28 characters and the terminator) for a key of at most 60 characters. */
static void ws_accept_for(const char* key, char accept[29]) {
  static const char GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char joined[120];
  size_t klen = strlen(key);
  memcpy(joined, key, klen);
  memcpy(joined + klen, GUID, sizeof(GUID) - 1);
  unsigned char digest[20];
  sha1_short(joined, klen + sizeof(GUID) - 1, digest);
  base64_encode(digest, 20, accept);
}

#endif
