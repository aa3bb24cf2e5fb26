# peers.capnp: the interface Cap'n Proto's peer serves in the comparison (bench/peers/): one call,
# 100 octets each way.
@0x9f641baf2cf9800c;

interface PeerEcho {
  echo @0 (data :Data) -> (data :Data);
}
