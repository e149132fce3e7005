// The translation unit that makes libnethsm_pkcs11.so a target of its own. All
// Cryptoki entry points live in the ABI layer (p11nethsm_abi), linked whole-archive
// into the module; src/abi/exports.map keeps every other symbol local.
