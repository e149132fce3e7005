"""Vault-style seal test (issue 6 acceptance; seeds 000/001): what Vault's PKCS#11 seal
does with an HSM. Finds an RSA key by CKA_LABEL, wraps a random 32-byte key with
CKM_RSA_PKCS_OAEP (SHA-256, MGF1-SHA256, empty label), unwraps it with C_Decrypt and
compares; then draws 1 MiB from C_GenerateRandom.
Usage: python3 vault_style.py <module.so> <pin> <label>"""
import sys

import PyKCS11
from PyKCS11 import LowLevel


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    module, pin, label = sys.argv[1:4]
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    slot = lib.getSlotList(tokenPresent=True)[0]
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    session.login(pin)

    def find_one(cls):
        found = session.findObjects([(PyKCS11.CKA_CLASS, cls), (PyKCS11.CKA_LABEL, label),
                                     (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_RSA)])
        if len(found) != 1:
            fail("expected one %s with label %s, found %d" % (PyKCS11.CKO[cls], label, len(found)))
        return found[0]

    private_key = find_one(PyKCS11.CKO_PRIVATE_KEY)
    public_key = find_one(PyKCS11.CKO_PUBLIC_KEY)
    oaep = PyKCS11.RSAOAEPMechanism(PyKCS11.CKM_SHA256, PyKCS11.CKG_MGF1_SHA256)
    secret = bytes(session.generateRandom(32))
    wrapped = bytes(session.encrypt(public_key, secret, oaep))
    if len(wrapped) != 256:
        fail("OAEP ciphertext of %d bytes for RSA-2048" % len(wrapped))
    unwrapped = bytes(session.decrypt(private_key, wrapped, oaep))
    if unwrapped != secret:
        fail("C_Decrypt did not give back the sealed bytes")
    print("OK OAEP-SHA256 seal/unseal of 32 bytes")

    # OAEP with parameters the NetHSM cannot honour is refused at C_DecryptInit.
    bad = PyKCS11.RSAOAEPMechanism(PyKCS11.CKM_SHA256, PyKCS11.CKG_MGF1_SHA1)
    try:
        session.decrypt(private_key, wrapped, bad)
        fail("OAEP with MGF1-SHA1 and SHA-256 was accepted")
    except PyKCS11.PyKCS11Error as e:
        if e.value != PyKCS11.CKR_MECHANISM_PARAM_INVALID:
            fail("OAEP mismatch gave %s, not CKR_MECHANISM_PARAM_INVALID" % e)
    print("OK mismatched OAEP parameters refused with CKR_MECHANISM_PARAM_INVALID")

    mib = 1024 * 1024
    random = bytes(session.generateRandom(mib))
    if len(random) != mib:
        fail("C_GenerateRandom returned %d bytes" % len(random))
    blocks = {random[i:i + 1024] for i in range(0, mib, 1024)}
    if len(blocks) != 1024:
        fail("C_GenerateRandom output repeats 1024-byte blocks")
    if max(random.count(bytes([b])) for b in (0, 255)) > mib // 128:
        fail("C_GenerateRandom output is not random-looking")
    print("OK C_GenerateRandom of 1 MiB")
    session.logout()
    session.closeSession()


if __name__ == "__main__":
    main()
