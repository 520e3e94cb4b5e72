#!/usr/bin/python3
"""PSKC interoperability with python3-pskc 1.2 (Debian) as the judge, and oathtool for the codes.

python-pskc writes files (pre-shared key, passphrase, plaintext, TOTP with AES-256/HMAC-SHA256, key wrap)
that keydesk's reader (through the pskc_tool helper) imports: same ids, counters and digits, and the codes
its imported seed computes are oathtool's from python's secret. keydesk exports (pre-shared key,
passphrase, encrypted counter) that python-pskc reads with valid MACs: same secrets and counters.
Files python-pskc reads without complaint but keydesk refuses (ValueMAC removed) and the usual damage
(wrong key, wrong passphrase, cut file) are refused with their exit codes. Needs no pcscd.
Run by CTest as /usr/bin/python3 (Debian's python3-pskc is not visible to other interpreters).
"""
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pskc
from pskc.exceptions import DecryptionError

BUILD = os.environ.get("KEYDESK_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
TOOL = os.path.join(BUILD, "tests", "integration", "pskc_tool")
HOTP = "urn:ietf:params:xml:ns:keyprov:pskc:hotp"
TOTP = "urn:ietf:params:xml:ns:keyprov:pskc:totp"
SEED20 = b"12345678901234567890"              # RFC 4226 Appendix D
SEED32 = b"12345678901234567890123456789012"  # RFC 6238 Appendix B, SHA-256

passed = 0
failed = 0


def check(condition, what):
    global passed, failed
    if condition:
        passed += 1
        print("ok:", what)
    else:
        failed += 1
        print("FAIL:", what, file=sys.stderr)


def tool(*args, env_extra=None):
    env = dict(os.environ)
    env.update(env_extra or {})
    p = subprocess.run([TOOL, *args], capture_output=True, text=True, env=env, timeout=120)
    return p.returncode, p.stdout, p.stderr


def shown_keys(stdout):
    """Parses `pskc_tool show` lines into dicts keyed by id."""
    keys = {}
    for line in stdout.splitlines():
        if line.startswith("key "):
            fields = dict(item.split("=", 1) for item in line[4:].split(" ") if "=" in item)
            keys[fields["id"]] = fields
    return keys


def oathtool(secret, *args):
    out = subprocess.run(["oathtool", *args, secret.hex()], capture_output=True, text=True, check=True).stdout
    return ",".join(out.split())


def python_file(path, encryption=None, keys=None):
    p = pskc.PSKC()
    for k in keys:
        p.add_key(**k)
    if encryption:
        encryption(p)
    p.write(path)


def main():
    if not os.access(TOOL, os.X_OK):
        print(f"FAIL: {TOOL} is not built", file=sys.stderr)
        return 1
    work = tempfile.mkdtemp(prefix="keydesk-pskc-")
    psk = bytes(range(16))
    psk32 = bytes(range(32))
    psk_file = os.path.join(work, "psk.hex")
    psk32_file = os.path.join(work, "psk32.hex")
    open(psk_file, "w").write(psk.hex())
    open(psk32_file, "w").write(psk32.hex())
    env_pass = {"KD_PSKC_PASS": "correct horse battery"}

    hotp_key = dict(id="kd-hotp-1", serial="987654321", manufacturer="Yubico", issuer="keydesk",
                    algorithm=HOTP, secret=SEED20, counter=7, response_length=6, response_encoding="DECIMAL")
    totp_key = dict(id="kd-totp-1", serial="555", manufacturer="Yubico", issuer="keydesk", algorithm=TOTP,
                    secret=SEED32, time_interval=30, time_offset=0, response_length=8,
                    response_encoding="DECIMAL", algorithm_suite="sha256")

    # ---- python-pskc writes, keydesk imports --------------------------------------------------------
    files = {}

    def psk_setup(p):
        p.encryption.setup_preshared_key(key=psk, key_name="Pre-shared-key-1", algorithm="aes128-cbc",
                                         fields=["secret", "counter"])
    files["psk"] = os.path.join(work, "py-psk.pskcxml")
    python_file(files["psk"], psk_setup, [hotp_key])

    def pass_setup(p):
        p.encryption.setup_pbkdf2(env_pass["KD_PSKC_PASS"], key_length=16, iterations=12000,
                                  key_name="passphrase", algorithm="aes128-cbc", fields=["secret", "counter"])
    files["passphrase"] = os.path.join(work, "py-pass.pskcxml")
    python_file(files["passphrase"], pass_setup, [hotp_key])

    files["plain"] = os.path.join(work, "py-plain.pskcxml")
    python_file(files["plain"], None, [hotp_key, totp_key])

    def totp_setup(p):
        p.encryption.setup_preshared_key(key=psk32, key_name="psk-256", algorithm="aes256-cbc")
        p.mac.setup(algorithm="hmac-sha256")
    files["totp"] = os.path.join(work, "py-totp.pskcxml")
    python_file(files["totp"], totp_setup, [totp_key])

    def kw_setup(p):
        p.encryption.setup_preshared_key(key=psk, key_name="wrap", algorithm="kw-aes128")
    files["kw"] = os.path.join(work, "py-kw.pskcxml")
    python_file(files["kw"], kw_setup, [hotp_key])

    hotp_codes = oathtool(SEED20, "-c", "7", "-w", "2", "-d", "6")
    check(hotp_codes.split(",")[0] == "162583", "oathtool: RFC 4226 counter 7 is 162583")
    for name, key_args in (("psk", ["--psk-hex-file", psk_file]),
                           ("passphrase", ["--passphrase-env", "KD_PSKC_PASS"]),
                           ("plain", []),
                           ("kw", ["--psk-hex-file", psk_file])):
        rc, out, err = tool("show", files[name], *key_args, env_extra=env_pass)
        keys = shown_keys(out)
        k = keys.get("kd-hotp-1", {})
        check(rc == 0 and k.get("algorithm") == "hotp" and k.get("counter") == "7" and k.get("digits") == "6"
              and k.get("serial") == "987654321" and k.get("manufacturer") == "Yubico",
              f"{name}: keydesk imports python-pskc's HOTP key with counter 7, 6 digits ({err.strip()})")
        check(k.get("codes") == hotp_codes, f"{name}: codes from the imported seed equal oathtool's {hotp_codes}")

    t = 1234567890
    totp_codes = oathtool(SEED32, "--totp=sha256", "-d", "8", "-w", "2", "-N", f"@{t}")
    check(totp_codes.split(",")[0] == "91819424", "oathtool: RFC 6238 SHA-256 at 1234567890 is 91819424")
    for name, key_args in (("totp", ["--psk-hex-file", psk32_file]), ("plain", [])):
        rc, out, err = tool("show", files[name], *key_args, "--at", str(t))
        k = shown_keys(out).get("kd-totp-1", {})
        check(rc == 0 and k.get("algorithm") == "totp" and k.get("hash") == "sha256" and k.get("digits") == "8"
              and k.get("interval") == "30" and k.get("time") == "0",
              f"{name}: keydesk imports python-pskc's TOTP key (sha256, 8 digits, 30 s) ({err.strip()})")
        check(k.get("codes") == totp_codes, f"{name}: TOTP codes equal oathtool's {totp_codes}")

    # ---- refusals: what python-pskc reads and keydesk does not, and damage -------------------------
    text = open(files["psk"]).read()
    no_mac = re.sub(r"<pskc:ValueMAC>[^<]*</pskc:ValueMAC>", "", text)
    check(no_mac != text, "ValueMAC elements removed from python-pskc's PSK file")
    no_mac_path = os.path.join(work, "no-mac.pskcxml")
    open(no_mac_path, "w").write(no_mac)
    judge = pskc.PSKC(no_mac_path)
    judge.encryption.key = psk
    check(judge.keys[0].secret == SEED20, "python-pskc 1.2 decrypts the file without its MACs silently")
    rc, out, err = tool("show", no_mac_path, "--psk-hex-file", psk_file)
    check(rc == 4 and "ValueMAC" in err and "key id" not in out, f"keydesk refuses it and says why: {err.strip()}")

    wrong = os.path.join(work, "wrong.hex")
    open(wrong, "w").write(bytes(16).hex())
    rc, out, err = tool("show", files["psk"], "--psk-hex-file", wrong)
    check(rc == 3 and "wrong key" in err and out == "", f"wrong pre-shared key: {err.strip()}")
    rc, out, err = tool("show", files["passphrase"], "--passphrase-env", "KD_PSKC_PASS",
                        env_extra={"KD_PSKC_PASS": "correct horse battery!"})
    check(rc == 3 and "wrong key or passphrase" in err and out == "", f"wrong passphrase: {err.strip()}")
    cut = os.path.join(work, "cut.pskcxml")
    open(cut, "w").write(text[: len(text) // 2])
    rc, out, err = tool("show", cut, "--psk-hex-file", psk_file)
    check(rc == 2 and "not well-formed" in err and out == "", f"cut file: {err.strip()}")
    rc, out, err = tool("show", files["psk"])
    check(rc == 2 and "Pre-shared-key-1" in err, f"no key given: {err.strip()}")

    # ---- keydesk exports, python-pskc reads --------------------------------------------------------
    def judge_reads(path, unlock, what):
        p = pskc.PSKC(path)
        unlock(p)
        by_id = {k.id: k for k in p.keys}
        h, t_ = by_id.get("kd-hotp-1"), by_id.get("kd-totp-1")
        check(h is not None and h.secret == SEED20 and h.counter == 7 and h.response_length == 6
              and h.algorithm == HOTP and h.serial == "987654321" and h.manufacturer == "Yubico",
              f"{what}: python-pskc reads the HOTP key: same secret, counter 7, 6 digits")
        check(t_ is not None and t_.secret == SEED32 and t_.time_interval == 30 and t_.response_length == 8
              and t_.algorithm == TOTP and (t_.algorithm_suite or "").lower() == "sha256",
              f"{what}: python-pskc reads the TOTP key: same secret, 30 s, 8 digits, sha256")
        check(p.mac.algorithm is not None and text_of(path).count("ValueMAC>") >= 4,
              f"{what}: every encrypted value carries a ValueMAC ({p.mac.algorithm})")

    def text_of(path):
        return open(path).read()

    out_psk = os.path.join(work, "kd-psk.pskcxml")
    rc, out, err = tool("export", files["plain"], out_psk, "--out-psk-hex-file", psk_file)
    check(rc == 0, f"keydesk exports with a pre-shared key ({err.strip()})")

    def unlock_psk(p):
        p.encryption.key = psk
    judge_reads(out_psk, unlock_psk, "keydesk PSK export")

    # The judge really checks keydesk's MACs: alter one and it refuses.
    tampered = re.sub(r"(<pskc:ValueMAC>)(.)", lambda m: m.group(1) + ("B" if m.group(2) != "B" else "C"),
                      text_of(out_psk), count=1)
    tampered_path = os.path.join(work, "kd-tampered.pskcxml")
    open(tampered_path, "w").write(tampered)
    p = pskc.PSKC(tampered_path)
    p.encryption.key = psk
    try:
        [k.secret for k in p.keys]
        check(False, "python-pskc rejects an altered ValueMAC in keydesk's export")
    except DecryptionError as e:
        check("MAC" in str(e), f"python-pskc rejects an altered ValueMAC in keydesk's export ({e})")

    out_pass = os.path.join(work, "kd-pass.pskcxml")
    rc, out, err = tool("export", files["plain"], out_pass, "--out-passphrase-env", "KD_PSKC_PASS",
                        "--iterations", "20000", env_extra=env_pass)
    check(rc == 0, f"keydesk exports with a passphrase ({err.strip()})")
    judge_reads(out_pass, lambda p: p.encryption.derive_key(env_pass["KD_PSKC_PASS"]), "keydesk passphrase export")

    out_enc = os.path.join(work, "kd-enc-counter.pskcxml")
    rc, out, err = tool("export", files["plain"], out_enc, "--out-psk-hex-file", psk32_file, "--aes256",
                        "--hmac-sha256", "--encrypt-counter")
    check(rc == 0 and "<pskc:PlainValue>7<" not in text_of(out_enc),
          f"keydesk exports AES-256 + HMAC-SHA256 with the counter encrypted ({err.strip()})")

    def unlock_psk32(p):
        p.encryption.key = psk32
    judge_reads(out_enc, unlock_psk32, "keydesk AES-256/HMAC-SHA256/encrypted-counter export")

    # And the round trip closes: keydesk reads its own export of python's file with the same codes.
    rc, out, err = tool("show", out_pass, "--passphrase-env", "KD_PSKC_PASS", env_extra=env_pass)
    check(rc == 0 and shown_keys(out).get("kd-hotp-1", {}).get("codes") == hotp_codes,
          "keydesk reads its passphrase export back with the same HOTP codes")

    print(f"{passed} passed, {failed} failed")
    if failed == 0:
        shutil.rmtree(work)
    else:
        print(f"files kept in {work}", file=sys.stderr)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
