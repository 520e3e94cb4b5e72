"""python-fido2's CTAPHID stack over keydesk-sim's CTAPHID socket (docs/keydesk-sim.md, --ctaphid).

The sim serves 64-byte HID reports over a SOCK_SEQPACKET UNIX socket, one report per packet, so
fido2.hid.CtapHidDevice drives it unchanged once given a connection that reads and writes the socket.
"""
import socket

from fido2.hid import CtapHidDevice
from fido2.hid.base import CtapHidConnection, HidDescriptor

REPORT_SIZE = 64
# The descriptor's USB IDs are those of a YubiKey 5 (Yubico 0x1050, product 0x0407); python-fido2 only
# displays them.
VENDOR_ID, PRODUCT_ID = 0x1050, 0x0407


class SocketConnection(CtapHidConnection):
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)

    def read_packet(self):
        return self.s.recv(REPORT_SIZE)

    def write_packet(self, data):
        self.s.send(bytes(data))

    def close(self):
        self.s.close()


def open_socket_device(path):
    """A CtapHidDevice on the sim's CTAPHID socket at PATH (CTAPHID INIT is sent here)."""
    return CtapHidDevice(HidDescriptor(path, VENDOR_ID, PRODUCT_ID, REPORT_SIZE, REPORT_SIZE),
                         SocketConnection(path))
