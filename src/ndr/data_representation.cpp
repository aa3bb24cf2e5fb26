#include "ndr/data_representation.h"

#include "ndr/decode_error.h"

namespace guise::ndr {

Result<ByteOrder> byte_order_from_drep(const std::array<std::uint8_t, 4>& drep) {
  // C706 §14.1: byte 0 high nibble = integer representation (0 big-endian, 1 little-endian),
  // low nibble = character set (0 ASCII, 1 EBCDIC); byte 1 = float format (0 IEEE).
  const std::uint8_t integer_rep = drep[0] >> 4;
  const std::uint8_t char_rep = drep[0] & 0x0F;
  const std::uint8_t float_rep = drep[1];
  if (integer_rep > 1 || char_rep != 0 || float_rep != 0) {
    return decode_error_status(DecodeError::kUnsupportedDataRepresentation, 0);
  }
  return integer_rep == 1 ? ByteOrder::kLittleEndian : ByteOrder::kBigEndian;
}

}  // namespace guise::ndr
