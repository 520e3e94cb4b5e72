#!/usr/bin/python3
"""PC/SC and control-socket helpers for tests/integration/lib.sh (run with Debian's /usr/bin/python3,
which has pyscard). Each subcommand is one short-lived process:

  wait-card READER present|absent TIMEOUT   exit 0 once the reader is in that state, 1 on timeout
  apdu READER STEP...                       one connection; each STEP is a hex APDU sent raw (prints
                                            "DATA SW", hex upper case) or an action: @reset (SCardReconnect
                                            resetting the card), @reconnect (without reset), @control=CMD
                                            (a control-socket command, socket from $KD_CONTROL),
                                            @sleep=SECONDS. A PC/SC error prints "ERROR <message>" and the
                                            next step goes on (so a test can reconnect after it).
  control SOCKET COMMAND...                 sends one line to keydesk-sim's control socket, prints reply
"""
import os
import socket
import sys
import time


def wait_card(reader, want, timeout):
    from smartcard.scard import (SCARD_S_SUCCESS, SCARD_SCOPE_USER, SCARD_STATE_PRESENT,
                                 SCARD_STATE_UNAWARE, SCardEstablishContext, SCardGetStatusChange,
                                 SCardListReaders, SCardReleaseContext)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rv, ctx = SCardEstablishContext(SCARD_SCOPE_USER)
        if rv == SCARD_S_SUCCESS:
            try:
                rv, readers = SCardListReaders(ctx, [])
                if rv == SCARD_S_SUCCESS and reader in readers:
                    rv, states = SCardGetStatusChange(ctx, 0, [(reader, SCARD_STATE_UNAWARE)])
                    if rv == SCARD_S_SUCCESS:
                        present = bool(states[0][1] & SCARD_STATE_PRESENT)
                        if present == (want == "present"):
                            return 0
            finally:
                SCardReleaseContext(ctx)
        time.sleep(0.05)
    return 1


def apdu(reader, commands):
    from smartcard.scard import (SCARD_PCI_T1, SCARD_PROTOCOL_T1, SCARD_S_SUCCESS, SCARD_SCOPE_USER,
                                 SCARD_SHARE_SHARED, SCARD_LEAVE_CARD, SCARD_RESET_CARD, SCardConnect,
                                 SCardReconnect, SCardDisconnect,
                                 SCardEstablishContext, SCardGetErrorMessage, SCardReleaseContext,
                                 SCardTransmit)
    rv, ctx = SCardEstablishContext(SCARD_SCOPE_USER)
    if rv != SCARD_S_SUCCESS:
        print("ERROR " + SCardGetErrorMessage(rv))
        return 1
    rv, card, _ = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1)
    if rv != SCARD_S_SUCCESS:
        print("ERROR " + SCardGetErrorMessage(rv))
        SCardReleaseContext(ctx)
        return 1
    status = 0
    for step in commands:
        if step in ("@reset", "@reconnect"):
            disposition = SCARD_RESET_CARD if step == "@reset" else SCARD_LEAVE_CARD
            rv, _ = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, disposition)
            print("reconnected" if rv == SCARD_S_SUCCESS else "ERROR " + SCardGetErrorMessage(rv))
            continue
        if step.startswith("@control="):
            control(os.environ["KD_CONTROL"], step[len("@control="):].split())
            continue
        if step.startswith("@sleep="):
            time.sleep(float(step[len("@sleep="):]))
            continue
        rv, response = SCardTransmit(card, SCARD_PCI_T1, list(bytes.fromhex(step)))
        if rv != SCARD_S_SUCCESS:
            print("ERROR " + SCardGetErrorMessage(rv))
            status = 1
            continue
        data, sw = bytes(response[:-2]).hex().upper(), bytes(response[-2:]).hex().upper()
        print(f"{data} {sw}" if data else sw)
    SCardDisconnect(card, SCARD_LEAVE_CARD)
    SCardReleaseContext(ctx)
    return status


def control(path, words):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        s.sendall((" ".join(words) + "\n").encode())
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    text = reply.decode().rstrip("\n")
    print(text)
    return 1 if text.startswith("error") or not text else 0


def main(argv):
    if len(argv) >= 4 and argv[0] == "wait-card":
        return wait_card(argv[1], argv[2], float(argv[3]))
    if len(argv) >= 2 and argv[0] == "apdu":
        return apdu(argv[1], argv[2:])
    if len(argv) >= 3 and argv[0] == "control":
        return control(argv[1], argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
