#include "protocol/ws_mask.h"

#include <cstring>

namespace io {
namespace ws {

void Mask(uint8_t* bytes, size_t length, uint32_t key, uint32_t phase) {
  // The key as it lies in memory from `phase` on, repeated to 8 bytes: XORing whole words
  // with it is XORing every byte with the right key byte, whatever the word's alignment.
  uint8_t pattern[8];
  for (size_t n = 0; n < 8; n++) pattern[n] = static_cast<uint8_t>(key >> (24 - 8 * ((phase + n) & 3)));
  uint64_t word_key;
  std::memcpy(&word_key, pattern, 8);
  size_t i = 0;
  // memcpy loads and stores: no unaligned access or aliasing for the compiler to worry about,
  // and the loop vectorizes.
  for (; i + 8 <= length; i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    word ^= word_key;
    std::memcpy(bytes + i, &word, 8);
  }
  for (; i < length; i++) bytes[i] ^= pattern[i & 7];
}

}  // namespace ws
}  // namespace io
