#!/usr/bin/env bash
# One authenticator behind two interfaces (docs/keydesk-sim.md): a reset of the contact interface (what
# pcscd sends through vpcd when any PC/SC client disconnects with SCARD_RESET_CARD, or when it sees the
# card come back) must not break a PIN exchange running over CTAPHID, as a CCID reset of a USB key
# leaves its HID interface alone. A power cycle of the whole token does end it. Judged by
# python-fido2 0.9.1's own ClientPin code over the sim's CTAPHID socket; the reset goes through real
# pcscd + vpcd (kd_pcsc.py @reset, then a SELECT that the sim answers only after it handled the reset).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export KEYDESK_TEST_PROFILE=yubikey5
# shellcheck source=/dev/null
source "$here/lib.sh"
[ -S "$KD_CTAPHID" ] || kd_fail "keydesk-sim serves no CTAPHID socket at $KD_CTAPHID"

export KD_CTAPHID KD_LIB_DIR KD_READER="$kd_reader"
/usr/bin/python3 - <<'PY'
import os, subprocess, sys
sys.path.insert(0, os.environ["KD_LIB_DIR"])
from kd_ctaphid import open_socket_device
from fido2.ctap import CtapError
from fido2.ctap2 import Ctap2, ClientPin
from fido2.ctap2.pin import _pad_pin
from fido2.utils import sha256

SOCKET = os.environ["KD_CTAPHID"]

def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)

def pcsc(*steps):
    out = subprocess.run(["/usr/bin/python3", os.path.join(os.environ["KD_LIB_DIR"], "kd_pcsc.py"), "apdu",
                          os.environ["KD_READER"], *steps], capture_output=True, text=True)
    if out.returncode != 0 or "ERROR" in out.stdout:
        fail("PC/SC %s: %s %s" % (steps, out.stdout, out.stderr))
    return out.stdout

def control(command):
    out = subprocess.run(["/usr/bin/python3", os.path.join(os.environ["KD_LIB_DIR"], "kd_pcsc.py"), "control",
                          os.environ["KD_CONTROL"], command], capture_output=True, text=True)
    if out.returncode != 0 or out.stdout.startswith("error"):
        fail("control %s: %s" % (command, out.stdout))

SELECT_PIV = "00A4040009A00000030800001000"

dev = open_socket_device(SOCKET)
ctap = Ctap2(dev)
pin = ClientPin(ctap)

# setPin: key agreement over CTAPHID, then pcscd resets the contact interface, then setPin.
key_agreement, shared = pin._get_shared_secret()
pcsc("@reset", SELECT_PIV)
enc = pin.protocol.encrypt(shared, _pad_pin("123456"))
try:
    ctap.client_pin(pin.protocol.VERSION, ClientPin.CMD.SET_PIN, key_agreement=key_agreement, new_pin_enc=enc,
                    pin_uv_param=pin.protocol.authenticate(shared, enc))
except CtapError as e:
    fail("setPin after a contact-interface reset: %s (the HID session was torn down)" % e)
print("setPin over CTAPHID survives a PC/SC reset")

# The same exchange across a power cycle of the whole token fails as it must, and spends nothing.
key_agreement, shared = pin._get_shared_secret()
control("power-cycle")
dev.close()
dev = open_socket_device(SOCKET)
ctap = Ctap2(dev)
pin = ClientPin(ctap)
new = pin.protocol.encrypt(shared, _pad_pin("654321"))
old = pin.protocol.encrypt(shared, sha256(b"123456")[:16])
try:
    ctap.client_pin(pin.protocol.VERSION, ClientPin.CMD.CHANGE_PIN, key_agreement=key_agreement,
                    pin_hash_enc=old, new_pin_enc=new, pin_uv_param=pin.protocol.authenticate(shared, new + old))
    fail("changePin with a key agreement from before a power cycle was accepted")
except CtapError as e:
    if e.code != CtapError.ERR.PIN_AUTH_INVALID:
        fail("changePin after a power cycle: %s, expected PIN_AUTH_INVALID" % e)
retries = pin.get_pin_retries()[0]
if retries != 8:
    fail("the refused changePin spent a retry: %d left" % retries)
pin.get_pin_token("123456")  # the PIN set above is still the PIN
print("test_fido_contact_reset: ok")
PY
