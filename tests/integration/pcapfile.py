"""A minimal reader of classic pcap files (microsecond and nanosecond), so
tests can check what pcapd wrote byte for byte, independently of libpcap."""
import struct

MAGIC_USEC = 0xA1B2C3D4
MAGIC_NSEC = 0xA1B23C4D


class PcapFile:
    """The header fields and records of a pcap file."""

    def __init__(self, data):
        if len(data) < 24:
            raise ValueError("shorter than a pcap file header")
        magic_le = struct.unpack("<I", data[:4])[0]
        magic_be = struct.unpack(">I", data[:4])[0]
        if magic_le in (MAGIC_USEC, MAGIC_NSEC):
            self.endian, self.magic = "<", magic_le
        elif magic_be in (MAGIC_USEC, MAGIC_NSEC):
            self.endian, self.magic = ">", magic_be
        else:
            raise ValueError(f"not a pcap file (magic {data[:4].hex()})")
        (_, self.version_major, self.version_minor, _, _, self.snaplen,
         self.linktype) = struct.unpack(self.endian + "IHHiIII", data[:24])
        self.records = []  # (ts_sec, ts_frac, caplen, wirelen, bytes)
        off = 24
        while off < len(data):
            if off + 16 > len(data):
                raise ValueError(f"record header cut at offset {off}")
            sec, frac, caplen, wirelen = struct.unpack(self.endian + "IIII", data[off:off + 16])
            off += 16
            if off + caplen > len(data):
                raise ValueError(f"record data cut at offset {off}")
            self.records.append((sec, frac, caplen, wirelen, data[off:off + caplen]))
            off += caplen

    @property
    def nanosecond(self):
        return self.magic == MAGIC_NSEC


def read(path):
    with open(path, "rb") as f:
        return PcapFile(f.read())
