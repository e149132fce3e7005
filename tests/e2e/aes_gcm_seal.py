"""OpenBao/Vault-style AES-GCM seal through the built module (issue 14 acceptance;
seeds 000/001, client-quirks.md): the seal finds its AES key by CKA_LABEL and CKA_ID,
draws a 12-byte nonce from C_GenerateRandom, encrypts with CKM_AES_GCM (128-bit tag)
and, in a later process and a fresh session, decrypts. Ciphertexts are checked
byte for byte against python3-cryptography's AES-GCM with the same key; a flipped
ciphertext or tag bit must give CKR_ENCRYPTED_DATA_INVALID.
Usage: python3 aes_gcm_seal.py <module.so> <pin> <label> <key-hex> <state-file> create|seal|unseal"""
import json
import os
import sys
import time

import PyKCS11
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALS_TIMED = 50


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def open_session(module, pin):
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    slot = lib.getSlotList(tokenPresent=True)[0]
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    session.login(pin)
    return lib, slot, session


def find_key(session, label):
    found = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
                                 (PyKCS11.CKA_LABEL, label), (PyKCS11.CKA_ID, label.encode())])
    if len(found) != 1:
        fail("expected one AES key with label and id %s, found %d" % (label, len(found)))
    return found[0]


def check_mechanism(lib, slot):
    if "CKM_AES_GCM" not in lib.getMechanismList(slot):
        fail("CKM_AES_GCM is not advertised")
    info = lib.getMechanismInfo(slot, "CKM_AES_GCM")
    flags = info.flags2text()
    if "CKF_ENCRYPT" not in flags or "CKF_DECRYPT" not in flags or "CKF_HW" not in flags:
        fail("CKM_AES_GCM flags %s" % flags)
    if (info.ulMinKeySize, info.ulMaxKeySize) != (16, 32):
        fail("CKM_AES_GCM key sizes %d..%d" % (info.ulMinKeySize, info.ulMaxKeySize))


def create(session, label, key):
    session.createObject([(PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
                          (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES), (PyKCS11.CKA_TOKEN, True),
                          (PyKCS11.CKA_ENCRYPT, True), (PyKCS11.CKA_DECRYPT, True),
                          (PyKCS11.CKA_LABEL, label), (PyKCS11.CKA_ID, label.encode()),
                          (PyKCS11.CKA_VALUE, key)])
    print("OK AES-%d key %s imported with C_CreateObject" % (len(key) * 8, label))


def seal(session, key_handle, key, plaintext):
    nonce = bytes(session.generateRandom(12))
    sealed = bytes(session.encrypt(key_handle, plaintext, PyKCS11.AES_GCM_Mechanism(nonce, b"", 128)))
    if sealed != AESGCM(key).encrypt(nonce, plaintext, None):
        fail("module ciphertext differs from AES-GCM of the same key")
    return nonce, sealed


def seal_phase(lib, slot, session, label, key, state_file):
    check_mechanism(lib, slot)
    handle = find_key(session, label)
    plaintext = os.urandom(64)
    nonce, sealed = seal(session, handle, key, plaintext)
    with open(state_file, "w") as f:
        json.dump({"plain": plaintext.hex(), "nonce": nonce.hex(), "sealed": sealed.hex()}, f)
    print("OK 64-byte seal equals AES-GCM reference (nonce from C_GenerateRandom)")
    start = time.monotonic()
    for _ in range(SEALS_TIMED):
        seal(session, handle, key, plaintext)
    ms = (time.monotonic() - start) * 1000 / SEALS_TIMED
    print("BENCH seal 64 bytes (C_GenerateRandom(12) + C_EncryptInit + C_Encrypt, CKM_AES_GCM): "
          "%.2f ms per seal over %d seals" % (ms, SEALS_TIMED))


def expect_invalid(session, handle, nonce, data, what):
    try:
        session.decrypt(handle, data, PyKCS11.AES_GCM_Mechanism(nonce, b"", 128))
    except PyKCS11.PyKCS11Error as e:
        if e.value != PyKCS11.CKR_ENCRYPTED_DATA_INVALID:
            fail("%s gave %s, not CKR_ENCRYPTED_DATA_INVALID" % (what, e))
        return
    fail(what + " was accepted")


def unseal_phase(session, label, state_file):
    with open(state_file) as f:
        state = json.load(f)
    nonce, sealed = bytes.fromhex(state["nonce"]), bytes.fromhex(state["sealed"])
    handle = find_key(session, label)
    plain = bytes(session.decrypt(handle, sealed, PyKCS11.AES_GCM_Mechanism(nonce, b"", 128)))
    if plain != bytes.fromhex(state["plain"]):
        fail("C_Decrypt in a new process did not give back the sealed bytes")
    print("OK unseal in a new process and session")
    for index, what in ((0, "flipped ciphertext bit"), (len(sealed) - 1, "flipped tag bit")):
        bad = bytearray(sealed)
        bad[index] ^= 0x01
        expect_invalid(session, handle, nonce, bytes(bad), what)
    print("OK flipped ciphertext and tag bits refused with CKR_ENCRYPTED_DATA_INVALID")


def main():
    module, pin, label, key_hex, state_file, phase = sys.argv[1:7]
    key = bytes.fromhex(key_hex)
    lib, slot, session = open_session(module, pin)
    if phase == "create":
        create(session, label, key)
    elif phase == "seal":
        seal_phase(lib, slot, session, label, key, state_file)
    else:
        unseal_phase(session, label, state_file)
    session.logout()
    session.closeSession()


if __name__ == "__main__":
    main()
