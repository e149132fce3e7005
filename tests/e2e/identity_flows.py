"""Key names through python3-pykcs11 as a KMIP relay and Vault use them (issue 9 §5;
seeds 003 and 000/001). Run against firmware 4.0 and 5.0.

relay: generate an RSA-2048 pair with a random 20-byte CKA_ID and a 52-character
CKA_LABEL, C_SetAttributeValue(CKA_LABEL) on the public then the private key, find
by [CKA_CLASS, CKA_ID], sign SHA256-RSA-PKCS and write the signature and the NetHSM
key ID for openssl to verify (the shell script does). The key keeps its CKA_ID.
vault: generate with CKA_LABEL and CKA_ID, find by [CKA_LABEL, CKA_ID] and by
[CKA_CLASS, CKA_LABEL], decrypt what the public key encrypted (RSA-OAEP).
Usage: python3 identity_flows.py <module.so> <pin> <workdir>"""
import os
import sys

import PyKCS11


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def rsa_templates(ckid, label, usage):
    common = [(PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_ID, ckid), (PyKCS11.CKA_LABEL, label)]
    pub = common + [(PyKCS11.CKA_MODULUS_BITS, 2048), (PyKCS11.CKA_PUBLIC_EXPONENT, (1, 0, 1)),
                    (usage[0], True)]
    priv = common + [(PyKCS11.CKA_SENSITIVE, True), (PyKCS11.CKA_EXTRACTABLE, False),
                     (usage[1], True)]
    return pub, priv


def one(session, template, what):
    found = session.findObjects(template)
    if len(found) != 1:
        fail("%s: found %d objects, expected 1" % (what, len(found)))
    return found[0]


def attr(session, obj, kind):
    value = session.getAttributeValue(obj, [kind])[0]
    return value.encode() if isinstance(value, str) else bytes(value)  # CKA_LABEL is text


def relay(session, work):
    ckid = tuple(os.urandom(20))
    first, second = "kmip-" + "a" * 47, "kmip-" + "b" * 47
    pub_t, priv_t = rsa_templates(ckid, first, (PyKCS11.CKA_VERIFY, PyKCS11.CKA_SIGN))
    pub, priv = session.generateKeyPair(pub_t, priv_t, PyKCS11.MechanismRSAGENERATEKEYPAIR)
    if attr(session, priv, PyKCS11.CKA_LABEL).decode() != first:
        fail("relay: the generated key does not read back its 52-character label")
    session.setAttributeValue(pub, [(PyKCS11.CKA_LABEL, second)])
    session.setAttributeValue(priv, [(PyKCS11.CKA_LABEL, second)])
    for cls, name in ((PyKCS11.CKO_PRIVATE_KEY, "private"), (PyKCS11.CKO_PUBLIC_KEY, "public")):
        obj = one(session, [(PyKCS11.CKA_CLASS, cls), (PyKCS11.CKA_ID, ckid)],
                  "relay: %s key by [CKA_CLASS, CKA_ID] after the relabel" % name)
        if attr(session, obj, PyKCS11.CKA_LABEL).decode() != second:
            fail("relay: the %s key does not read back its new label" % name)
        if attr(session, obj, PyKCS11.CKA_ID) != bytes(ckid):
            fail("relay: the %s key's CKA_ID changed" % name)
    key = one(session, [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_ID, ckid)],
              "relay: signing key")
    data = os.urandom(500)
    signature = bytes(session.sign(key, data, PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS)))
    with open(os.path.join(work, "relay.data"), "wb") as f:
        f.write(data)
    with open(os.path.join(work, "relay.sig"), "wb") as f:
        f.write(signature)
    with open(os.path.join(work, "relay.id"), "w") as f:
        f.write("0---" + bytes(ckid).hex().upper())
    print("OK relay: relabelled public then private key, found by CKA_ID, signed")


def vault(session):
    ckid, label = tuple(b"vault-hmac-key-id"), "vault-seal-key"
    pub_t, priv_t = rsa_templates(ckid, label, (PyKCS11.CKA_ENCRYPT, PyKCS11.CKA_DECRYPT))
    session.generateKeyPair(pub_t, priv_t, PyKCS11.MechanismRSAGENERATEKEYPAIR)
    both = session.findObjects([(PyKCS11.CKA_LABEL, label), (PyKCS11.CKA_ID, ckid)])
    if len(both) != 2:
        fail("vault: [CKA_LABEL, CKA_ID] found %d objects, expected the pair" % len(both))
    priv = one(session, [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_LABEL, label)],
               "vault: private key by label")
    pub = one(session, [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY), (PyKCS11.CKA_LABEL, label)],
              "vault: public key by label")
    oaep = PyKCS11.RSAOAEPMechanism(PyKCS11.CKM_SHA256, PyKCS11.CKG_MGF1_SHA256)
    secret = os.urandom(32)
    if bytes(session.decrypt(priv, bytes(session.encrypt(pub, secret, oaep)), oaep)) != secret:
        fail("vault: OAEP round trip through the key found by label")
    print("OK vault: generated with CKA_LABEL and CKA_ID, found by both, OAEP round trip")


def main():
    module, pin, work = sys.argv[1:4]
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    slot = lib.getSlotList(tokenPresent=True)[0]
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    session.login(pin)
    relay(session, work)
    vault(session)
    session.logout()
    session.closeSession()


if __name__ == "__main__":
    main()
