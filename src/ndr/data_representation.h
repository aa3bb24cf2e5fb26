// data_representation.h: the NDR data representation label (C706 §14.1) and what we accept of it.
//
// The label's first two bytes say how integers, characters and floats are encoded. guise sends
// little-endian ASCII IEEE (0x10 0x00 0x00 0x00, the label Windows sends). On receive it converts
// big-endian integers and IEEE floats, and refuses EBCDIC characters and VAX/Cray/IBM floats with
// DecodeError::kUnsupportedDataRepresentation: no peer we know of sends them, and converting floats
// between those formats is lossy. Pure functions.
#pragma once

#include <array>
#include <cstdint>

#include "base/status.h"

namespace guise::ndr {

enum class ByteOrder : std::uint8_t { kLittleEndian, kBigEndian };

// The label guise puts in every PDU it sends: little-endian, ASCII, IEEE.
inline constexpr std::array<std::uint8_t, 4> kLittleEndianDrep = {0x10, 0x00, 0x00, 0x00};

// The integer byte order a label asks for, or kInvalidInput (RPC_X_BAD_STUB_DATA) for character or
// float formats we do not decode.
[[nodiscard]] Result<ByteOrder> byte_order_from_drep(const std::array<std::uint8_t, 4>& drep);

}  // namespace guise::ndr
