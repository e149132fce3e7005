"""Venafi-style test (issue 6 acceptance; seed 002): mechanism discovery, data at rest
with an AES key found by CKA_LABEL and CKM_AES_CBC_PAD with an IV, and hardware-
protected RSA keys (CKA_EXTRACTABLE false) used with C_Sign/C_Verify. The wrapping
mechanisms Venafi probes for must be reported absent, and its export probe
(CKA_EXTRACTABLE true) must fail clearly instead of creating a key that cannot be
exported.
Usage: python3 venafi_style.py <module.so> <pin> <aes-label>"""
import os
import sys

import PyKCS11

CKM_AES_KEY_WRAP_KWP = 0x210B
CKM_AES_KEY_WRAP_PAD = 0x210A


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def expect_error(rv, call, what):
    try:
        call()
    except PyKCS11.PyKCS11Error as e:
        if e.value != rv:
            fail("%s gave %s, expected %s" % (what, e, PyKCS11.CKR[rv]))
        return
    fail(what + " succeeded")


def check_mechanisms(lib, slot):
    mechanisms = lib.getMechanismList(slot)
    numbers = {m if isinstance(m, int) else PyKCS11.CKM.get(m, -1) for m in mechanisms}
    for probe in (CKM_AES_KEY_WRAP_KWP, CKM_AES_KEY_WRAP_PAD):
        if probe in numbers:
            fail("mechanism 0x%x is advertised but the NetHSM cannot wrap" % probe)
    if "CKM_AES_CBC_PAD" not in mechanisms:
        fail("CKM_AES_CBC_PAD missing: %s" % mechanisms)
    info = lib.getMechanismInfo(slot, "CKM_AES_CBC_PAD")
    if "CKF_ENCRYPT" not in info.flags2text() or "CKF_DECRYPT" not in info.flags2text():
        fail("CKM_AES_CBC_PAD flags %s" % info.flags2text())
    for flags in (lib.getMechanismInfo(slot, m).flags2text() for m in mechanisms):
        if "CKF_WRAP" in flags or "CKF_UNWRAP" in flags:
            fail("a mechanism claims CKF_WRAP/CKF_UNWRAP")
    print("OK wrapping mechanisms absent, CKM_AES_CBC_PAD offered")


def data_at_rest(session, label):
    keys = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
                                (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES), (PyKCS11.CKA_LABEL, label)])
    if len(keys) != 1:
        fail("expected one AES key labelled %s, found %d" % (label, len(keys)))
    iv = os.urandom(16)
    mech = PyKCS11.Mechanism(PyKCS11.CKM_AES_CBC_PAD, iv)
    # (0 bytes is covered by the unit tests: PyKCS11 refuses empty input itself.)
    for size in (1, 16, 1000, 70000):
        secret = os.urandom(size)
        cipher = bytes(session.encrypt(keys[0], secret, mech))
        if len(cipher) != (size // 16 + 1) * 16:
            fail("CBC_PAD ciphertext of %d bytes for %d bytes" % (len(cipher), size))
        plain = bytes(session.decrypt(keys[0], cipher, mech))
        if plain != secret:
            fail("AES_CBC_PAD round trip of %d bytes differs" % size)
    print("OK AES_CBC_PAD encrypt/decrypt with IV (1..70000 bytes)")


def hardware_keys(session):
    label = "venafi-rsa"
    public = [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY), (PyKCS11.CKA_TOKEN, True),
              (PyKCS11.CKA_MODULUS_BITS, 2048), (PyKCS11.CKA_PUBLIC_EXPONENT, (1, 0, 1)),
              (PyKCS11.CKA_VERIFY, True), (PyKCS11.CKA_LABEL, label), (PyKCS11.CKA_ID, b"venafi01")]
    private = [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_TOKEN, True),
               (PyKCS11.CKA_PRIVATE, True), (PyKCS11.CKA_SENSITIVE, True),
               (PyKCS11.CKA_EXTRACTABLE, False), (PyKCS11.CKA_SIGN, True),
               (PyKCS11.CKA_LABEL, label), (PyKCS11.CKA_ID, b"venafi01")]
    mech = PyKCS11.Mechanism(PyKCS11.CKM_RSA_PKCS_KEY_PAIR_GEN)
    pub, priv = session.generateKeyPair(public, private, mech)
    data = os.urandom(3000)
    sign_mech = PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS)
    signature = bytes(session.sign(priv, data, sign_mech))
    if not session.verify(pub, data, signature, sign_mech):
        fail("C_Verify rejected the module's own signature")
    if session.verify(pub, data + b"x", signature, sign_mech):
        fail("C_Verify accepted a changed message")
    print("OK generated RSA-2048 (CKA_EXTRACTABLE false), C_Sign + C_Verify")
    # The export probe: a key that should leave the HSM cannot be made here.
    private_export = [a for a in private if a[0] != PyKCS11.CKA_EXTRACTABLE] + [(PyKCS11.CKA_EXTRACTABLE, True)]
    expect_error(PyKCS11.CKR_ATTRIBUTE_VALUE_INVALID,
                 lambda: session.generateKeyPair(public, private_export, mech),
                 "C_GenerateKeyPair with CKA_EXTRACTABLE true")
    print("OK export probe refused with CKR_ATTRIBUTE_VALUE_INVALID")
    session.destroyObject(priv)


def main():
    module, pin, aes_label = sys.argv[1:4]
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    slot = lib.getSlotList(tokenPresent=True)[0]
    check_mechanisms(lib, slot)
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    session.login(pin)
    data_at_rest(session, aes_label)
    hardware_keys(session)
    session.logout()
    session.closeSession()


if __name__ == "__main__":
    main()
