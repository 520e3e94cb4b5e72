#!/usr/bin/env bash
# FIDO2 as a YubiKey 5 presents it (profile yubikey5), judged by clients nobody here wrote, over both
# transports: python-fido2 0.9.1 through real pcscd + vpcd (fido2.pcsc) and through keydesk-sim's CTAPHID
# socket (fido2.hid with a socket connection), and libfido2 1.12's own client code (fido_ext_probe) on
# the socket. On each python link, from a fresh token:
#   getInfo lists what a 5.4.3 key lists; the CTAPHID INIT capabilities are WINK|CBOR (NMSG clear);
#   EdDSA chosen when the RP prefers it, ES256 when it does not, both verified by fido2.server.Fido2Server;
#   hmac-secret: the same salt gives the same output twice, another salt another output, two salts the
#   pair, and the output with UV (PIN) differs from the one without, under PIN/UV protocol 2 and 1;
#   credProtect: levels reported by credential management; level 3 refused without UV (allowList and
#   discoverable), level 2 refused without UV unless named in the allowList; both usable with a PIN;
#   U2F (fido2.ctap1.Ctap1): VERSION U2F_V2, REGISTER verified with the attestation certificate,
#   AUTHENTICATE check-only 6985 / wrong application 6A80 / signatures verified and the counter rising,
#   and the U2F key handle accepted by CTAP2 getAssertion under the appid (fido2.server.U2FFido2Server).
# libfido2 makes EdDSA and ES256 credentials with hmac-secret and credProtect, verifies the attestation
# and assertion signatures, and its hmac-secret output equals python-fido2's for the same credential and salt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export KEYDESK_TEST_PROFILE=yubikey5
# shellcheck source=/dev/null
source "$here/lib.sh"
probe="$(kd_binary fido_ext_probe tests/integration/fido_ext_probe)"
[ -S "$KD_CTAPHID" ] || kd_fail "keydesk-sim serves no CTAPHID socket at $KD_CTAPHID"

export KD_CTAPHID KD_LIB_DIR KD_EXT_PROBE="$probe"
/usr/bin/python3 - <<'PY'
import os, subprocess, sys
sys.path.insert(0, os.environ["KD_LIB_DIR"])
from kd_ctaphid import open_socket_device
from fido2.ctap import CtapError
from fido2.ctap1 import Ctap1, ApduError
from fido2.ctap2 import Ctap2, ClientPin, CredentialManagement
from fido2.ctap2.extensions import CredProtectExtension, HmacSecretExtension
from fido2.ctap2.pin import PinProtocolV1
from fido2.client import Fido2Client, ClientError
from fido2.cose import CoseKey, ES256
from fido2.pcsc import CtapPcscDevice
from fido2.server import Fido2Server, U2FFido2Server
from fido2.utils import sha256, websafe_encode
from fido2.ctap2 import AttestedCredentialData
from fido2.client import ClientData

E = CtapError.ERR
PIN = "123456"
SOCKET = os.environ["KD_CTAPHID"]
PROBE = os.environ["KD_EXT_PROBE"]

def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)

def check(cond, msg):
    if not cond:
        fail(msg)

def expect_ctap(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except CtapError as e:
        check(e.code == code, "%s: expected %s, got %s" % (getattr(fn, "__name__", fn), code, e.code))
        return
    fail("%s: expected %s, got success" % (getattr(fn, "__name__", fn), code))

def open_pcsc_device():
    devices = list(CtapPcscDevice.list_devices())
    check(devices, "no PC/SC reader with a FIDO applet")
    return devices[0]

def hmac_assert(ctap, rp_id, cred_id, salts, pin_protocol=None, pin_auth=None):
    """hmac-secret through python-fido2's own extension code; returns (output1, output2 or None)."""
    ext = HmacSecretExtension(ctap, pin_protocol)
    data = {"salt1": salts[0]}
    if len(salts) > 1:
        data["salt2"] = salts[1]
    ext_in = ext.process_get_input({"hmacGetSecret": data})
    kwargs = {}
    if pin_auth:
        kwargs = {"pin_uv_param": pin_auth[0], "pin_uv_protocol": pin_auth[1]}
    a = ctap.get_assertion(rp_id, b"\x11" * 32, [{"type": "public-key", "id": cred_id}],
                           {"hmac-secret": ext_in}, **kwargs)
    check(a.auth_data.flags & 0x80, "hmac-secret: no extension data in authData")
    out = ext.process_get_output(a.auth_data)["hmacGetSecret"]
    return out["output1"], out.get("output2")

def scenario(link, dev):
    print("--- python-fido2 over", link)
    ctap = Ctap2(dev)
    info = ctap.info
    check(info.versions == ["U2F_V2", "FIDO_2_0", "FIDO_2_1_PRE"], "versions %r" % info.versions)
    check(info.extensions == ["credProtect", "hmac-secret"], "extensions %r" % info.extensions)
    check([a["alg"] for a in info.algorithms] == [-7, -8], "algorithms %r" % info.algorithms)
    check(info.max_cred_id_length == 128 and info.max_creds_in_list == 8, "sizes %r" % info)
    check(info.options.get("credentialMgmtPreview") is True and "credMgmt" not in info.options
          and "pinUvAuthToken" not in info.options and info.options.get("plat") is False,
          "options %r" % info.options)
    check(info.firmware_version == 0x050403, "firmwareVersion %r" % info.firmware_version)
    if link == "ctaphid":
        check(dev.capabilities == 0x05, "CTAPHID capabilities 0x%02x (want WINK|CBOR, NMSG clear)" % dev.capabilities)
        check(dev.device_version == (5, 4, 3), "CTAPHID device version %r" % (dev.device_version,))

    # EdDSA when the RP prefers it (pubKeyCredParams order), ES256 otherwise; Fido2Server checks
    # the packed attestation and, below, the assertion signatures.
    rp = {"id": "example.com", "name": "Example"}
    server = Fido2Server(rp, attestation="direct")
    client = Fido2Client(dev, "https://example.com")
    creds = {}
    for name, order in (("eddsa", [-8, -7]), ("es256", [-7, -8])):
        server.allowed_algorithms = [p for a in order for p in server.allowed_algorithms if p.alg == a] or \
            server.allowed_algorithms
        opts, state = server.register_begin({"id": name.encode(), "name": name}, user_verification="discouraged")
        opts = dict(opts["publicKey"])
        opts["pubKeyCredParams"] = [{"type": "public-key", "alg": a} for a in order]
        opts["extensions"] = {"hmacCreateSecret": True}
        made = client.make_credential(opts)
        check(made.extension_results.get("hmacCreateSecret") is True, "hmacCreateSecret %r" % made.extension_results)
        auth = server.register_complete(state, made.client_data, made.attestation_object)
        alg = auth.credential_data.public_key[3]
        check(alg == order[0], "%s: credential algorithm %r" % (name, alg))
        creds[name] = auth.credential_data
        opts, state = server.authenticate_begin([auth.credential_data], user_verification="discouraged")
        got = client.get_assertion(opts["publicKey"]).get_response(0)
        server.authenticate_complete(state, [auth.credential_data], got.credential_id, got.client_data,
                                     got.authenticator_data, got.signature)

    # hmac-secret without UV, protocol 2 (the client's choice) and protocol 1.
    s1, s2 = b"\x01" * 32, b"\x02" * 32
    outputs = {}
    for name, cred in creds.items():
        a1, _ = hmac_assert(ctap, "example.com", cred.credential_id, [s1])
        b1, _ = hmac_assert(ctap, "example.com", cred.credential_id, [s1])
        c2, _ = hmac_assert(ctap, "example.com", cred.credential_id, [s2])
        p1, p2 = hmac_assert(ctap, "example.com", cred.credential_id, [s1, s2])
        v1a, _ = hmac_assert(ctap, "example.com", cred.credential_id, [s1], PinProtocolV1())
        check(len(a1) == 32 and a1 == b1, "%s: same salt, different outputs" % name)
        check(a1 != c2, "%s: different salts, same output" % name)
        check(p1 == a1 and p2 == c2, "%s: two salts must give both single-salt outputs" % name)
        check(v1a == a1, "%s: PIN/UV protocol 1 must give the same output" % name)
        outputs[name] = a1
    check(outputs["eddsa"] != outputs["es256"], "two credentials, same hmac-secret output")

    # credProtect through python-fido2's client extension (levels 2 and 3, discoverable).
    levels = {}
    Policy = CredProtectExtension.POLICY
    for level, policy in ((2, Policy.OPTIONAL_WITH_LIST), (3, Policy.REQUIRED)):
        opts, state = server.register_begin({"id": b"cp%d" % level, "name": "cp%d" % level}, resident_key=True,
                                            user_verification="discouraged")
        opts = dict(opts["publicKey"])
        opts["extensions"] = {"credentialProtectionPolicy": policy, "enforceCredentialProtectionPolicy": True}
        made = client.make_credential(opts)
        check(made.attestation_object.auth_data.extensions.get("credProtect") == level,
              "credProtect output %r" % made.attestation_object.auth_data.extensions)
        levels[level] = server.register_complete(state, made.client_data, made.attestation_object).credential_data
    desc = lambda c: [{"type": "public-key", "id": c.credential_id}]
    # No UV: level 3 is refused whether named or discovered; level 2 only when named.
    expect_ctap(E.NO_CREDENTIALS, ctap.get_assertion, "example.com", b"\x22" * 32, desc(levels[3]))
    expect_ctap(E.NO_CREDENTIALS, ctap.get_assertion, "example.com", b"\x22" * 32)  # discovery
    a = ctap.get_assertion("example.com", b"\x22" * 32, desc(levels[2]))
    check(a.credential["id"] == levels[2].credential_id, "level 2 named in allowList")

    # libfido2 (socket only, before the PIN): its hmac-secret output equals python-fido2's.
    if link == "ctaphid":
        dev.close()
        for alg in ("eddsa", "es256"):
            out = subprocess.run([PROBE, "make", SOCKET, "example.com", alg, "2"], capture_output=True, text=True).stdout
            check(out.startswith("id="), "fido_ext_probe make %s: %s" % (alg, out))
            fields = dict(kv.split("=") for kv in out.split())
            check(fields["prot"] == "2", "libfido2 credProtect %r" % fields)
            salt = bytes(range(32))
            out = subprocess.run([PROBE, "assert", SOCKET, "example.com", alg, fields["pubkey"], fields["id"],
                                  salt.hex()], capture_output=True, text=True).stdout
            check(out.startswith("hmac="), "fido_ext_probe assert %s: %s" % (alg, out))
            dev = open_socket_device(SOCKET)
            ctap = Ctap2(dev)
            mine, _ = hmac_assert(ctap, "example.com", bytes.fromhex(fields["id"]), [salt])
            check(mine.hex() == out.split("=")[1].strip(), "libfido2 %s vs python-fido2 hmac-secret" % alg)
            print("libfido2 and python-fido2 agree on hmac-secret (%s)" % alg)
            dev.close()
        dev = open_socket_device(SOCKET)
        ctap = Ctap2(dev)
        client = Fido2Client(dev, "https://example.com")

    # U2F / CTAP1 through python-fido2's Ctap1 on the same device.
    ctap1 = Ctap1(dev)
    check(ctap1.get_version() == "U2F_V2", "U2F VERSION")
    app_id = "https://example.com/appid.json"
    app_param, client_param = sha256(app_id.encode()), sha256(b"u2f-register")
    reg = ctap1.register(client_param, app_param)
    reg.verify(app_param, client_param)  # attestation signature with the certificate's key
    check(len(reg.key_handle) <= 128, "key handle length")
    try:
        ctap1.authenticate(client_param, app_param, reg.key_handle, check_only=True)
        fail("check-only must answer 6985")
    except ApduError as e:
        check(e.code == 0x6985, "check-only: %04x" % e.code)
    try:
        ctap1.authenticate(client_param, sha256(b"other"), reg.key_handle)
        fail("a key handle of another application must be refused")
    except ApduError as e:
        check(e.code == 0x6A80, "wrong application: %04x" % e.code)
    first = ctap1.authenticate(client_param, app_param, reg.key_handle)
    first.verify(app_param, client_param, reg.public_key)
    second = ctap1.authenticate(client_param, app_param, reg.key_handle)
    second.verify(app_param, client_param, reg.public_key)
    check(first.user_presence == 1 and second.counter > first.counter, "U2F counter %d -> %d" % (first.counter, second.counter))

    # The U2F key handle under the WebAuthn appid extension: a CTAP2 getAssertion whose rpId hashes to
    # the application parameter, judged by python-fido2's U2FFido2Server.
    u2f_server = U2FFido2Server(app_id, rp)
    cred = AttestedCredentialData.from_ctap1(reg.key_handle, reg.public_key)
    opts, state = u2f_server.authenticate_begin([cred], user_verification="discouraged")
    client_data = ClientData.build(type="webauthn.get", origin="https://example.com",
                                   challenge=websafe_encode(opts["publicKey"].challenge))
    a = ctap.get_assertion(app_id, client_data.hash, [{"type": "public-key", "id": reg.key_handle}])
    u2f_server.authenticate_complete(state, [cred], reg.key_handle, client_data, a.auth_data, a.signature)
    check(a.auth_data.counter > second.counter, "one counter for U2F and CTAP2")

    # With a PIN (UV): level 3 and discovery work, hmac-secret gives the UV secret (different).
    pin = ClientPin(ctap)
    pin.set_pin(PIN)
    token = pin.get_pin_token(PIN)
    cdh = b"\x33" * 32
    auth = (pin.protocol.authenticate(token, cdh), pin.protocol.VERSION)
    a = ctap.get_assertion("example.com", cdh, desc(levels[3]), pin_uv_param=auth[0], pin_uv_protocol=auth[1])
    check(a.auth_data.flags & 0x04, "level 3 with UV")
    token = pin.get_pin_token(PIN)
    found = ctap.get_assertions("example.com", cdh, None, None, None,
                                pin.protocol.authenticate(token, cdh), pin.protocol.VERSION)
    check(len(found) == 2, "discoverable with UV: %d" % len(found))
    token = pin.get_pin_token(PIN)
    with_uv, _ = hmac_assert(ctap, "example.com", creds["eddsa"].credential_id, [s1], pin.protocol,
                             (pin.protocol.authenticate(token, b"\x11" * 32), pin.protocol.VERSION))
    check(with_uv != outputs["eddsa"], "hmac-secret with UV must differ from without")

    # Credential management (0x41 here: credentialMgmtPreview) reports each level.
    token = pin.get_pin_token(PIN)  # getPinToken: a 2.1-PRE token serves credential management
    credman = CredentialManagement(ctap, pin.protocol, token)
    rps = credman.enumerate_rps()
    listed = credman.enumerate_creds(rps[0][CredentialManagement.RESULT.RP_ID_HASH])
    got = sorted(c[CredentialManagement.RESULT.CRED_PROTECT] for c in listed)
    check(got == [2, 3], "credman credProtect levels %r" % got)
    print("ok:", link)

def control(command):
    out = subprocess.run(["/usr/bin/python3", os.path.join(os.environ["KD_LIB_DIR"], "kd_pcsc.py"), "control",
                          os.environ["KD_CONTROL"], command], capture_output=True, text=True)
    check(out.returncode == 0 and not out.stdout.startswith("error"), "control %s: %s" % (command, out.stdout))

pcsc = open_pcsc_device()
scenario("pcsc", pcsc)
pcsc.close()
# The PC/SC run set a PIN: the socket run starts from a token reset within the window after a power cycle.
control("power-cycle")
dev = open_socket_device(SOCKET)
Ctap2(dev).reset()
scenario("ctaphid", dev)
print("test_fido_extensions: ok")
PY
