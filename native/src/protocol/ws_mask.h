// WebSocket masking (RFC 6455 §5.3): every frame a client sends is XORed with a 4-byte key.
// Unmasking is the same operation as masking.
#pragma once

#include <cstddef>
#include <cstdint>

namespace io {
namespace ws {

// XORs bytes[0, length) with the 4-byte masking `key` (its first byte in the most significant
// bits, as the key appears on the wire read big-endian), starting at key byte `phase & 3`: the
// phase is how many payload bytes of the frame came before `bytes`.
void Mask(uint8_t* bytes, size_t length, uint32_t key, uint32_t phase);

}  // namespace ws
}  // namespace io
