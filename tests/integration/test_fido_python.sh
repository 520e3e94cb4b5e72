#!/usr/bin/env bash
# python-fido2 0.9.1 over pyscard (fido2.pcsc.CtapPcscDevice), a client nobody here wrote, against
# keydesk-sim's FIDO applet through real pcscd + vpcd: getInfo, PIN_NOT_SET on a fresh token, setPIN /
# changePIN, retries, PIN_INVALID twice then PIN_AUTH_BLOCKED, recovery after a power cycle (PC/SC
# unpower), a discoverable credential and an assertion verified by fido2.server.Fido2Server, credential
# management, and remainingDiscoverableCredentials moving by one per created / deleted credential.
#
# Harness contract (tests/integration/lib.sh, owned by the sim engineer): sourcing it with
# KEYDESK_TEST_PROFILE set starts an isolated pcscd + vpcd + keydesk-sim for this test and stops them on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -f "$here/lib.sh" ]; then
  echo "test_fido_python: tests/integration/lib.sh (the sim harness) is missing" >&2
  exit 1
fi
export KEYDESK_TEST_PROFILE=case-study
# shellcheck source=/dev/null
source "$here/lib.sh"

/usr/bin/python3 - <<'PY'
import sys
from fido2.ctap import CtapError
from fido2.ctap2 import Ctap2, ClientPin, CredentialManagement
from fido2.client import Fido2Client
from fido2.pcsc import CtapPcscDevice
from fido2.server import Fido2Server
from smartcard.scard import SCARD_UNPOWER_CARD

PIN, NEW_PIN, WRONG = "123456", "24681357", "000000"
E = CtapError.ERR

def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)

def open_device():
    devices = list(CtapPcscDevice.list_devices())
    if not devices:
        fail("no PC/SC reader with a FIDO applet")
    return devices[0]

def expect_error(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except CtapError as e:
        if e.code != code:
            fail("%s: expected %s, got %s" % (fn.__name__, code, e.code))
        return
    fail("%s: expected %s, got success" % (fn.__name__, code))

dev = open_device()
ctap = Ctap2(dev)  # strict canonical-CBOR check on every response
info = ctap.info
if "FIDO_2_1" not in info.versions or info.options.get("clientPin") is not False:
    fail("getInfo: %r" % info)
if info.options.get("ep") is not True or info.remaining_disc_creds != 30:
    fail("case-study getInfo: ep=%r remaining=%r" % (info.options.get("ep"), info.remaining_disc_creds))

pin = ClientPin(ctap)
expect_error(E.PIN_NOT_SET, pin.get_pin_token, PIN, ClientPin.PERMISSION.CREDENTIAL_MGMT)
if pin.get_pin_retries()[0] != 8:
    fail("PIN_NOT_SET must spend nothing")
pin.set_pin(PIN)
pin.change_pin(PIN, NEW_PIN)
if pin.get_pin_retries() != (8, False):
    fail("retries after changePIN: %r" % (pin.get_pin_retries(),))

expect_error(E.PIN_INVALID, pin.get_pin_token, WRONG, ClientPin.PERMISSION.CREDENTIAL_MGMT)
expect_error(E.PIN_INVALID, pin.get_pin_token, WRONG, ClientPin.PERMISSION.CREDENTIAL_MGMT)
expect_error(E.PIN_AUTH_BLOCKED, pin.get_pin_token, WRONG, ClientPin.PERMISSION.CREDENTIAL_MGMT)
expect_error(E.PIN_AUTH_BLOCKED, pin.get_pin_token, NEW_PIN, ClientPin.PERMISSION.CREDENTIAL_MGMT)
if pin.get_pin_retries() != (5, True):
    fail("retries while blocked: %r" % (pin.get_pin_retries(),))

# Power cycle through PC/SC: vpcd powers the simulated card off and on.
# The old connection is closed before a new one is opened, so its disconnect cannot reset the new one.
dev._conn.reconnect(disposition=SCARD_UNPOWER_CARD)
dev.close()
dev = open_device()
ctap = Ctap2(dev)
pin = ClientPin(ctap)
if pin.get_pin_retries() != (5, False):
    fail("retries after power cycle: %r" % (pin.get_pin_retries(),))

# A discoverable credential, judged by python-fido2's relying-party code.
server = Fido2Server({"id": "example.com", "name": "Example RP"}, attestation="direct")
user = {"id": b"user-1", "name": "alice", "displayName": "Alice"}
client = Fido2Client(dev, "https://example.com")
options, state = server.register_begin(user, resident_key=True, user_verification="discouraged")
made = client.make_credential(options["publicKey"], pin=NEW_PIN)
auth_data = server.register_complete(state, made.client_data, made.attestation_object)
credential = auth_data.credential_data
if Ctap2(dev).get_info().remaining_disc_creds != 29:
    fail("remainingDiscoverableCredentials after makeCredential")

options, state = server.authenticate_begin(user_verification="discouraged")
selection = client.get_assertion(options["publicKey"], pin=NEW_PIN)
response = selection.get_response(0)
server.authenticate_complete(state, [credential], response.credential_id, response.client_data,
                             response.authenticator_data, response.signature)

token = pin.get_pin_token(NEW_PIN, ClientPin.PERMISSION.CREDENTIAL_MGMT)
credman = CredentialManagement(ctap, pin.protocol, token)
meta = credman.get_metadata()
if meta[CredentialManagement.RESULT.EXISTING_CRED_COUNT] != 1:
    fail("credman metadata: %r" % meta)
rps = credman.enumerate_rps()
if [rp[CredentialManagement.RESULT.RP]["id"] for rp in rps] != ["example.com"]:
    fail("enumerate RPs: %r" % rps)
creds = credman.enumerate_creds(rps[0][CredentialManagement.RESULT.RP_ID_HASH])
if creds[0][CredentialManagement.RESULT.USER]["name"] != "alice":
    fail("enumerate credentials: %r" % creds)
credman.delete_cred(creds[0][CredentialManagement.RESULT.CREDENTIAL_ID])
if Ctap2(dev).get_info().remaining_disc_creds != 30:
    fail("remainingDiscoverableCredentials after delete")
print("test_fido_python: ok")
PY
