#!/usr/bin/python3
"""Canonical inventory of a PKCS#11 module: slots, tokens, mechanisms, objects.

--module LIB      read it with PyKCS11 (python3-pykcs11)
--parse-tool FILE read the output of `pkcs11-tool -I -L -T -M -O`
Both print the same line format so that the two views can be compared with diff.
"""
import re
import sys

CLASSES = {"Private Key Object": "private", "Public Key Object": "public",
           "Certificate Object": "certificate", "Secret Key Object": "secret",
           "Data object": "data"}
# PyKCS11 and pkcs11-tool name a few mechanisms differently (same CK_MECHANISM_TYPE).
ALIASES = {"EC-KEY-PAIR-GEN": "ECDSA-KEY-PAIR-GEN"}


def mech_name(name):
    name = name[4:] if name.startswith("CKM_") else name
    name = name.replace("_", "-")
    return ALIASES.get(name, name)


def from_pykcs11(path):
    import PyKCS11
    lib = PyKCS11.PyKCS11Lib()
    lib.load(path)
    for slot in lib.getSlotList(tokenPresent=True):
        t = lib.getTokenInfo(slot)
        print("slot %d %s" % (slot, t.label.strip()))
        print("token %s|%s|%s|%s" % (t.label.strip(), t.manufacturerID.strip(), t.model.strip(),
                                     t.serialNumber.strip()))
        for m in lib.getMechanismList(slot):
            print("mech " + mech_name(m))
        session = lib.openSession(slot)
        for obj in session.findObjects():
            cls, label, ckaid = session.getAttributeValue(
                obj, [PyKCS11.CKA_CLASS, PyKCS11.CKA_LABEL, PyKCS11.CKA_ID])
            name = {PyKCS11.CKO_PRIVATE_KEY: "private", PyKCS11.CKO_PUBLIC_KEY: "public",
                    PyKCS11.CKO_CERTIFICATE: "certificate", PyKCS11.CKO_SECRET_KEY: "secret",
                    PyKCS11.CKO_DATA: "data"}[cls]
            label = label if isinstance(label, str) else bytes(label).decode()
            print("object %s %s %s" % (name, label, bytes(ckaid).hex()))
        session.closeSession()


def from_tool(path):
    slot = None
    token = {}
    obj = None
    section = None

    def flush_token():
        if token:
            print("token %s|%s|%s|%s" % (token.get("token label", ""),
                                         token.get("token manufacturer", ""),
                                         token.get("token model", ""),
                                         token.get("serial num", "")))

    def flush_object():
        if obj and "class" in obj:
            print("object %s %s %s" % (obj["class"], obj.get("label", ""), obj.get("ID", "")))

    for raw in open(path, encoding="utf-8", errors="replace"):
        line = raw.rstrip("\n")
        m = re.match(r"^Slot (\d+) \(0x[0-9a-f]+\):", line)
        if m:
            section, slot = "slot", int(m.group(1))
            continue
        if line.startswith("Supported mechanisms"):
            section = "mech"
            continue
        head = line.split(";")[0].strip()
        if head in CLASSES:
            flush_object()
            section, obj = "object", {"class": CLASSES[head]}
            continue
        if section == "slot":
            kv = re.match(r"^\s+([a-z ]+?)\s*:\s?(.*)$", line)
            if kv:
                token[kv.group(1)] = kv.group(2).strip()
                if kv.group(1) == "token label":
                    print("slot %d %s" % (slot, kv.group(2).strip()))
        elif section == "mech" and line.startswith("  "):
            print("mech " + mech_name(line.strip().split(",")[0]))
        elif section == "object":
            kv = re.match(r"^\s+(label|ID):\s+(.*)$", line)
            if kv:
                obj[kv.group(1)] = kv.group(2).strip()
    flush_token()
    flush_object()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("--module", "--parse-tool"):
        sys.exit(__doc__)
    (from_pykcs11 if sys.argv[1] == "--module" else from_tool)(sys.argv[2])
